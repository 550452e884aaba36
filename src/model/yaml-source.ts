/**
 * A parsed YAML file plus typed accessors that fail with a ModelError pointing at the node.
 * Every reader goes through here so no check can forget to report where it went wrong.
 */
import { isAlias, isMap, isScalar, isSeq, LineCounter, parseDocument } from 'yaml';
import type { Document, Node, YAMLMap, YAMLSeq } from 'yaml';
import { ModelError } from './errors.js';
import type { SourcePos } from './errors.js';

/** A map entry with its key node kept, for positions of unknown or duplicate keys. */
export interface Entry {
  key: string;
  keyNode: Node;
  value: Node | null;
}

export class YamlSource {
  readonly file: string;
  readonly root: Node | null;
  private readonly doc: Document.Parsed;
  private readonly lines: LineCounter;

  constructor(file: string, text: string) {
    this.file = file;
    this.lines = new LineCounter();
    this.doc = parseDocument(text, { lineCounter: this.lines, prettyErrors: false });
    const [first] = this.doc.errors;
    if (first) throw new ModelError(file, this.pos(first.pos[0]), `YAML syntax error: ${first.message}`);
    this.root = this.deref(this.doc.contents);
  }

  pos(offset: number): SourcePos {
    const { line, col } = this.lines.linePos(offset);
    return { line: Math.max(line, 1), col: Math.max(col, 1) };
  }

  /** An empty value (`key:` with nothing after it) has no text to point at; its key is clearer. */
  at(node: Node | null | undefined, fallback?: Node | null): SourcePos {
    const own = node?.range;
    const range = own && (own[1] > own[0] || !fallback?.range) ? own : (fallback?.range ?? own);
    return this.pos(range ? range[0] : 0);
  }

  fail(node: Node | null | undefined, problem: string, fallback?: Node | null): never {
    throw new ModelError(this.file, this.at(node, fallback), problem);
  }

  /** Aliases resolve to their anchor so `*defaults` behaves like the copied value. */
  deref(node: unknown): Node | null {
    if (node === null || node === undefined) return null;
    if (isAlias(node)) return this.deref(node.resolve(this.doc));
    return node as Node;
  }

  isNull(node: Node | null): boolean {
    return node === null || (isScalar(node) && node.value === null);
  }

  map(node: Node | null, what: string, fallback?: Node | null): YAMLMap {
    if (isMap(node)) return node;
    return this.fail(node, `${what} must be a mapping`, fallback);
  }

  seq(node: Node | null, what: string, fallback?: Node | null): YAMLSeq {
    if (isSeq(node)) return node;
    return this.fail(node, `${what} must be a list`, fallback);
  }

  entries(map: YAMLMap, what: string, allowed?: readonly string[]): Entry[] {
    return map.items.map((pair) => {
      const keyNode = this.deref(pair.key);
      if (!isScalar(keyNode) || typeof keyNode.value !== 'string') {
        return this.fail(keyNode, `${what}: keys must be plain names`, map);
      }
      if (allowed && !allowed.includes(keyNode.value)) {
        this.fail(keyNode, `${what}: unknown key "${keyNode.value}" (expected one of ${allowed.join(', ')})`);
      }
      return { key: keyNode.value, keyNode, value: this.deref(pair.value) };
    });
  }

  string(node: Node | null, what: string, fallback?: Node | null): string {
    if (isScalar(node) && typeof node.value === 'string' && node.value !== '') return node.value;
    return this.fail(node, `${what} must be a non-empty string`, fallback);
  }

  /** A string, or a list of strings; a single string is the common case in hand-written files. */
  strings(node: Node | null, what: string, fallback?: Node | null): Array<{ value: string; node: Node }> {
    if (isSeq(node)) {
      return node.items.map((item) => {
        const n = this.deref(item);
        return { value: this.string(n, `each item of ${what}`, node), node: n ?? node };
      });
    }
    const value = this.string(node, `${what} (a string or a list of strings)`, fallback);
    return [{ value, node: node ?? (fallback as Node) }];
  }

  scalar(node: Node | null, what: string, fallback?: Node | null): string | number | boolean | null {
    if (isScalar(node)) {
      const v = node.value;
      if (v === null || typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') return v;
    }
    return this.fail(node, `${what} must be a string, number, boolean or null`, fallback);
  }
}
