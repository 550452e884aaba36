/**
 * Merging parsed model files into one Catalog. Props may be shared between files (same type);
 * metric and model names may not, because queries name them without saying which file they came from.
 */
import { createHash } from 'node:crypto';
import { ModelError } from './errors.js';
import type { SourcePos } from './errors.js';
import { ratioOfRatio } from './parse-metrics.js';
import type { PendingRef } from './parse-metrics.js';
import type { ParsedModel } from './parse-model.js';
import type { Catalog, MetricDef, PropDef } from './types.js';

function where(file: string, pos: SourcePos): string {
  return `${file}:${pos.line}:${pos.col}`;
}

function unknownRatioOperand(file: string, ref: PendingRef, scope: string): ModelError {
  return new ModelError(file, ref.pos, `metric "${ref.metric}": ratio names unknown metric "${ref.ref}" (not defined ${scope})`);
}

/** Checks a single file on its own: every ratio operand must be defined in it. */
export function requireResolved(parsed: ParsedModel): void {
  const [ref] = parsed.pending;
  if (ref) throw unknownRatioOperand(parsed.model.file, ref, 'in this file');
}

/** sha256 over each file's length and bytes, so moving text between files changes the version. */
export function catalogVersion(contents: readonly string[]): string {
  const hash = createHash('sha256');
  for (const text of contents) hash.update(`${Buffer.byteLength(text)}\n`).update(text);
  return hash.digest('hex').slice(0, 12);
}

interface Owner<T> {
  def: T;
  file: string;
  pos: SourcePos;
}

export function mergeCatalog(parsed: readonly ParsedModel[], contents: readonly string[]): Catalog {
  const names = new Map<string, Owner<string>>();
  const props = new Map<string, Owner<PropDef>>();
  const metrics = new Map<string, Owner<MetricDef>>();

  for (const p of parsed) {
    const file = p.model.file;
    const sameName = names.get(p.model.name);
    if (sameName) {
      throw new ModelError(file, p.namePos, `model "${p.model.name}" is already defined in ${where(sameName.file, sameName.pos)}`);
    }
    names.set(p.model.name, { def: p.model.name, file, pos: p.namePos });

    for (const prop of p.model.props) {
      const pos = p.propPos.get(prop.name) ?? { line: 1, col: 1 };
      const other = props.get(prop.name);
      if (other && other.def.type !== prop.type) {
        throw new ModelError(file, pos,
          `prop "${prop.name}" is ${prop.type} here but ${other.def.type} in ${where(other.file, other.pos)}; a shared prop needs one type`);
      }
      if (!other) props.set(prop.name, { def: prop, file, pos });
    }

    for (const metric of p.model.metrics) {
      const pos = p.metricPos.get(metric.name) ?? { line: 1, col: 1 };
      const other = metrics.get(metric.name);
      if (other) {
        throw new ModelError(file, pos, `metric "${metric.name}" is already defined in ${where(other.file, other.pos)}`);
      }
      metrics.set(metric.name, { def: metric, file, pos });
    }
  }

  // Second pass: names from any file are now known.
  for (const [name, m] of metrics) {
    const prop = props.get(name);
    if (prop) {
      throw new ModelError(m.file, m.pos, `metric "${name}" has the name of prop "${name}" declared in ${where(prop.file, prop.pos)}`);
    }
  }
  for (const p of parsed) {
    for (const ref of p.pending) {
      const target = metrics.get(ref.ref);
      if (!target) throw unknownRatioOperand(p.model.file, ref, 'in any model file');
      if (target.def.kind !== 'aggregate') throw ratioOfRatio(p.model.file, ref);
    }
  }

  return {
    models: parsed.map((p) => p.model),
    props: new Map([...props].map(([k, v]) => [k, v.def])),
    metrics: new Map([...metrics].map(([k, v]) => [k, v.def])),
    version: catalogVersion(contents),
  };
}
