/**
 * Property: a model file an operator edits wrongly — any value replaced, removed or added
 * anywhere in a shipped model — either loads or is refused with a ModelError naming the file and
 * a position; never a crash of another kind (a TypeError at start would name nothing).
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { catalogFromTexts, DEFAULT_MODEL_FILES, isModelError, packageRoot } from '../../../src/model/load.js';
import type { Json } from '../../fixtures/fuzz.js';
import { mutationsOf } from '../../fixtures/fuzz.js';

const RUNS = Number(process.env['TALLY_FUZZ_RUNS'] ?? 12) * 25;
let models: Array<{ file: string; doc: Json }>;

beforeAll(async () => {
  models = await Promise.all(
    DEFAULT_MODEL_FILES.map(async (file) => ({ file, doc: parse(await readFile(join(packageRoot(), 'models', file), 'utf8')) as Json })),
  );
});

describe('mutated model files', () => {
  it('load, or are refused with a ModelError naming the file and a line', () => {
    const mutated = fc.integer({ min: 0, max: DEFAULT_MODEL_FILES.length - 1 }).chain((i) => mutationsOf(models[i]!.doc).map((doc) => ({ file: models[i]!.file, doc })));
    fc.assert(
      fc.property(mutated, ({ file, doc }) => {
        const text = stringify(doc ?? null);
        try {
          catalogFromTexts([{ file, text }]);
        } catch (err) {
          expect(isModelError(err), `${String(err)}\n${text.slice(0, 2000)}`).toBe(true);
          expect(String((err as Error).message)).toContain(file);
        }
      }),
      { numRuns: RUNS },
    );
  });
});
