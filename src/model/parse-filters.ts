/**
 * `where:` filters of a metric: the query language's Filter shape, checked against the model's
 * props so a typo fails at startup rather than as an empty chart.
 */
import { isSeq } from 'yaml';
import type { Node } from 'yaml';
import { FILTER_OPS } from '../domain/query.js';
import type { Filter, FilterOp, FilterValue } from '../domain/query.js';
import type { PropDef, PropType } from './types.js';
import type { YamlSource } from './yaml-source.js';

type Scalar = string | number | boolean;

const ORDERED_OPS: ReadonlySet<FilterOp> = new Set(['gt', 'gte', 'lt', 'lte']);
const TEXT_OPS: ReadonlySet<FilterOp> = new Set(['contains', 'starts_with']);
const LIST_OPS: ReadonlySet<FilterOp> = new Set(['in', 'nin']);
const PRESENCE_OPS: ReadonlySet<FilterOp> = new Set(['exists', 'not_exists']);

/** Time props compare against ISO strings or epoch ms. */
function fits(type: PropType, v: Scalar): boolean {
  if (type === 'time') return typeof v === 'string' ? !Number.isNaN(Date.parse(v)) : typeof v === 'number';
  return typeof v === type;
}

function checkOp(src: YamlSource, node: Node, ctx: string, field: string, type: PropType, op: FilterOp): void {
  if (ORDERED_OPS.has(op) && type !== 'number' && type !== 'time') {
    src.fail(node, `${ctx}: op "${op}" needs a number or time field, "${field}" is ${type}`);
  }
  if (TEXT_OPS.has(op) && type !== 'string') {
    src.fail(node, `${ctx}: op "${op}" needs a string field, "${field}" is ${type}`);
  }
}

function parseValue(
  src: YamlSource, node: Node | null, keyNode: Node, ctx: string, field: string, type: PropType, op: FilterOp,
): FilterValue {
  const one = (n: Node | null, fallback: Node): Scalar => {
    const v = src.scalar(n, `${ctx}: value`, fallback);
    if (v === null || !fits(type, v)) src.fail(n, `${ctx}: value ${JSON.stringify(v)} does not fit ${type} field "${field}"`, fallback);
    return v;
  };
  if (LIST_OPS.has(op)) {
    if (!isSeq(node) || node.items.length === 0) return src.fail(node, `${ctx}: op "${op}" needs a non-empty list value`, keyNode);
    return node.items.map((item) => one(src.deref(item), node));
  }
  return one(node, keyNode);
}

export function parseWhere(
  src: YamlSource, node: Node | null, fallback: Node, metric: string, props: ReadonlyMap<string, PropDef>,
): Filter[] {
  if (src.isNull(node)) return [];
  const list = src.seq(node, `metric "${metric}": where`, fallback);
  return list.items.map((raw, i) => {
    const ctx = `metric "${metric}": where[${i}]`;
    const map = src.map(src.deref(raw), ctx, list);
    const fields = new Map(src.entries(map, ctx, ['field', 'op', 'value']).map((e) => [e.key, e]));
    const fieldEntry = fields.get('field');
    const opEntry = fields.get('op');
    if (!fieldEntry) return src.fail(map, `${ctx}: field is required`);
    if (!opEntry) return src.fail(map, `${ctx}: op is required`);
    const field = src.string(fieldEntry.value, `${ctx}: field`, fieldEntry.keyNode);
    const type: PropType | undefined = field === 'event' || field === 'actor' ? 'string' : props.get(field)?.type;
    if (!type) return src.fail(fieldEntry.value, `${ctx}: field "${field}" is not declared (use a declared prop, event or actor)`);
    const opName = src.string(opEntry.value, `${ctx}: op`, opEntry.keyNode);
    const op = FILTER_OPS.find((o) => o === opName);
    if (!op) return src.fail(opEntry.value, `${ctx}: unknown op "${opName}" (expected one of ${FILTER_OPS.join(', ')})`);
    checkOp(src, opEntry.value ?? opEntry.keyNode, ctx, field, type, op);
    const valueEntry = fields.get('value');
    if (PRESENCE_OPS.has(op)) {
      if (valueEntry) src.fail(valueEntry.keyNode, `${ctx}: op "${op}" takes no value`);
      return { field, op };
    }
    if (!valueEntry) return src.fail(map, `${ctx}: op "${op}" needs a value`);
    return { field, op, value: parseValue(src, valueEntry.value, valueEntry.keyNode, ctx, field, type, op) };
  });
}
