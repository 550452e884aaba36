#!/usr/bin/env node
/** Process entry of the `tally` command (bin/tally.js loads the compiled copy of this file). */
import { main } from './main.js';

main(process.argv.slice(2)).catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
