// The dashboard build: hashed files in web/dist/assets (served immutable by src/http/routes/web.ts).
// JSX goes through Vite's own transformer with Preact's runtime, so no framework plugin is needed.
import { defineConfig } from 'vite';

export default defineConfig({
  root: import.meta.dirname,
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  build: { outDir: 'dist', emptyOutDir: true, sourcemap: false, chunkSizeWarningLimit: 600 },
  server: { proxy: { '/api': { target: 'http://127.0.0.1:8080', ws: true } } },
});
