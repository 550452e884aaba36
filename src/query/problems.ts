/** Collects every validation problem of a query so that one reply can name all bad fields. */
import { AppError, type ErrorCode, type FieldError } from '../domain/errors.js';

interface Problem extends FieldError {
  code: ErrorCode;
}

/** Echoed user strings are shortened so that an error reply cannot be inflated by the request. */
export function quote(value: unknown): string {
  const text = typeof value === 'string' ? value : JSON.stringify(value) ?? String(value);
  return JSON.stringify(text.length > 80 ? `${text.slice(0, 80)}…` : text);
}

export class Problems {
  private readonly list: Problem[] = [];

  /** Returns undefined so that checks can `return problems.add(…)` as their failed result. */
  add(code: ErrorCode, path: string, message: string): undefined {
    this.list.push({ code, path, message });
    return undefined;
  }

  /** Records a problem; returns null for checks whose failed result is null. */
  reject(code: ErrorCode, path: string, message: string): null {
    this.list.push({ code, path, message });
    return null;
  }

  get size(): number {
    return this.list.length;
  }

  /**
   * An AppError carries one code: the first problem's, since it is the one the client is most
   * likely to fix first; every problem is still listed in `errors`.
   */
  throwIfAny(): void {
    const first = this.list[0];
    if (!first) return;
    const detail =
      this.list.length === 1 ? `${first.path}: ${first.message}` : `${this.list.length} problems in the query`;
    throw new AppError(first.code, detail, this.list.map(({ path, message }) => ({ path, message })));
  }
}
