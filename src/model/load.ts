/**
 * The semantic model: what events, props and metrics exist. Model files (models/*.yaml) are read
 * once at startup into a Catalog — the whitelist the query compiler draws every identifier from.
 * Errors are ModelErrors (`file:line:col: problem`), raised before the server takes traffic.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { mergeCatalog, requireResolved } from './catalog.js';
import { ModelError } from './errors.js';
import { parseModel } from './parse-model.js';
import type { ParsedModel } from './parse-model.js';
import type { Catalog, SemanticModel } from './types.js';

export { ModelError, isModelError } from './errors.js';

export const DEFAULT_MODEL_FILES = ['learning.yaml', 'support.yaml', 'commerce.yaml'] as const;

async function readModel(path: string): Promise<{ parsed: ParsedModel; text: string }> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    throw new ModelError(path, { line: 1, col: 1 }, `cannot read the model file: ${reason}`, { cause: err });
  }
  return { parsed: parseModel(path, text), text };
}

/** Parses a model from text; `file` only labels error messages. Ratio operands must be local. */
export function parseModelText(file: string, text: string): SemanticModel {
  const parsed = parseModel(file, text);
  requireResolved(parsed);
  return parsed.model;
}

export async function loadModelFile(path: string): Promise<SemanticModel> {
  const { parsed } = await readModel(path);
  requireResolved(parsed);
  return parsed.model;
}

export async function loadCatalog(paths: readonly string[]): Promise<Catalog> {
  const read = await Promise.all(paths.map(readModel));
  return mergeCatalog(read.map((r) => r.parsed), read.map((r) => r.text));
}

/** Merges models already parsed from text (tests, embedded models); same checks as loadCatalog. */
export function catalogFromTexts(files: ReadonlyArray<{ file: string; text: string }>): Catalog {
  return mergeCatalog(files.map((f) => parseModel(f.file, f.text)), files.map((f) => f.text));
}

/**
 * The package root holds models/. Both src/model/load.ts (tsx, vitest) and dist/model/load.js
 * (after build) sit two levels below it; walking up also survives a different output layout.
 */
export function packageRoot(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  const twoUp = join(here, '..', '..');
  for (let dir = here; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'models'))) return dir;
    if (dirname(dir) === dir) return twoUp;
  }
}

export function defaultModelPaths(): string[] {
  const root = packageRoot();
  return DEFAULT_MODEL_FILES.map((f) => join(root, 'models', f));
}
