/** Model-file errors carry a source position so an operator can jump straight to the bad line. */

export interface SourcePos {
  line: number;
  col: number;
}

export class ModelError extends Error {
  readonly file: string;
  readonly line: number;
  readonly col: number;
  readonly problem: string;

  constructor(file: string, pos: SourcePos, problem: string, options?: { cause?: unknown }) {
    super(`${file}:${pos.line}:${pos.col}: ${problem}`, options);
    this.name = 'ModelError';
    this.file = file;
    this.line = pos.line;
    this.col = pos.col;
    this.problem = problem;
  }
}

export function isModelError(err: unknown): err is ModelError {
  return err instanceof ModelError;
}
