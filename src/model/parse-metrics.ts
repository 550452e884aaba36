/** The `metrics:` section: aggregate metrics (`aggregate:`) and ratios of two metrics (`ratio:`). */
import { isSeq } from 'yaml';
import type { Node, YAMLMap } from 'yaml';
import { ModelError } from './errors.js';
import type { SourcePos } from './errors.js';
import { AGGREGATE_SPELLINGS, EVENT_NAME_RE, humanize, NAME_RE, parseAggregate, RESERVED_METRIC_NAMES } from './names.js';
import { parseWhere } from './parse-filters.js';
import type { AggregateMetric, MetricDef, MetricFormat, PropDef, RatioMetric } from './types.js';
import type { Entry, YamlSource } from './yaml-source.js';

const FORMAT_SET = {
  number: true, integer: true, percent: true, currency: true, hours: true, seconds: true,
} as const satisfies Record<MetricFormat, true>;
const FORMATS = Object.keys(FORMAT_SET) as MetricFormat[];

const AGGREGATE_KEYS = ['label', 'format', 'aggregate', 'prop', 'event', 'where'] as const;
const RATIO_KEYS = ['label', 'format', 'ratio'] as const;

/** A ratio operand that names no metric of its own file; the catalog may still define it. */
export interface PendingRef {
  metric: string;
  ref: string;
  pos: SourcePos;
}

export interface MetricsSection {
  metrics: MetricDef[];
  byName: Map<string, MetricDef>;
  locations: Map<string, SourcePos>;
  pending: PendingRef[];
}

export interface MetricScope {
  props: ReadonlyMap<string, PropDef>;
  /** Event names declared by the model; metrics may only filter on these (catches typos). */
  events: ReadonlySet<string>;
}

function parseFormat(src: YamlSource, e: Entry | undefined, name: string, fallback: MetricFormat): MetricFormat {
  if (!e) return fallback;
  const v = src.string(e.value, `metric "${name}": format`, e.keyNode);
  const f = FORMATS.find((x) => x === v);
  if (!f) return src.fail(e.value, `metric "${name}": unknown format "${v}" (expected one of ${FORMATS.join(', ')})`);
  return f;
}

function parseLabel(src: YamlSource, e: Entry | undefined, name: string): string {
  return e ? src.string(e.value, `metric "${name}": label`, e.keyNode) : humanize(name);
}

function parseEvents(src: YamlSource, e: Entry | undefined, name: string, scope: MetricScope): string[] {
  if (!e) return [];
  const out: string[] = [];
  for (const { value, node } of src.strings(e.value, `metric "${name}": event`, e.keyNode)) {
    if (!EVENT_NAME_RE.test(value)) src.fail(node, `metric "${name}": "${value}" is not a valid event name`);
    if (scope.events.size > 0 && !scope.events.has(value)) {
      src.fail(node, `metric "${name}": event "${value}" is not listed in events`);
    }
    if (!out.includes(value)) out.push(value);
  }
  if (out.length === 0) src.fail(e.value, `metric "${name}": event must name at least one event (omit it for all events)`, e.keyNode);
  return out;
}

function parseField(
  src: YamlSource, e: Entry | undefined, aggNode: Node | null, name: string, word: string, scope: MetricScope,
): string | null {
  if (word === 'count') {
    if (e) src.fail(e.keyNode, `metric "${name}": count takes no prop (use count_distinct, or a where filter)`);
    return null;
  }
  // A missing prop has no node of its own; point at the aggregate that needs it.
  if (!e) return src.fail(aggNode, `metric "${name}": ${word} needs a prop`);
  const field = src.string(e.value, `metric "${name}": prop`, e.keyNode);
  const type = field === 'actor' || field === 'event' ? 'string' : scope.props.get(field)?.type;
  if (!type) return src.fail(e.value, `metric "${name}": prop "${field}" is not declared`);
  if (word !== 'count_distinct' && type !== 'number') {
    src.fail(e.value, `metric "${name}": ${word} needs a number prop, "${field}" is ${type}`);
  }
  return field;
}

function parseAggregateMetric(src: YamlSource, name: string, map: YAMLMap, f: Map<string, Entry>, scope: MetricScope): AggregateMetric {
  const aggEntry = f.get('aggregate');
  if (!aggEntry) return src.fail(map, `metric "${name}": aggregate or ratio is required`);
  const word = src.string(aggEntry.value, `metric "${name}": aggregate`, aggEntry.keyNode);
  const agg = parseAggregate(word);
  if (!agg) return src.fail(aggEntry.value, `metric "${name}": unknown aggregate "${word}" (expected ${AGGREGATE_SPELLINGS})`);
  const field = parseField(src, f.get('prop'), aggEntry.value, name, word, scope);
  const whereEntry = f.get('where');
  const counts = agg.fn === 'count' || agg.fn === 'count_distinct';
  return {
    kind: 'aggregate',
    name,
    label: parseLabel(src, f.get('label'), name),
    fn: agg.fn,
    field,
    percentile: agg.percentile,
    events: parseEvents(src, f.get('event'), name, scope),
    filters: whereEntry ? parseWhere(src, whereEntry.value, whereEntry.keyNode, name, scope.props) : [],
    format: parseFormat(src, f.get('format'), name, counts ? 'integer' : 'number'),
  };
}

function parseRatioMetric(src: YamlSource, name: string, map: YAMLMap, f: Map<string, Entry>, pending: PendingRef[]): RatioMetric {
  const e = f.get('ratio');
  if (!e) return src.fail(map, `metric "${name}": aggregate or ratio is required`);
  if (!isSeq(e.value) || e.value.items.length !== 2) {
    return src.fail(e.value, `metric "${name}": ratio must be a list of two metric names [numerator, denominator]`, e.keyNode);
  }
  const [num, den] = src.strings(e.value, `metric "${name}": ratio`, e.keyNode);
  if (!num || !den) return src.fail(e.value, `metric "${name}": ratio needs two metric names`);
  pending.push({ metric: name, ref: num.value, pos: src.at(num.node) }, { metric: name, ref: den.value, pos: src.at(den.node) });
  return {
    kind: 'ratio',
    name,
    label: parseLabel(src, f.get('label'), name),
    numerator: num.value,
    denominator: den.value,
    format: parseFormat(src, f.get('format'), name, 'number'),
  };
}

/**
 * Ratio operands are resolved here when they name a metric of this file; the rest stay pending
 * for the catalog. Operands must be aggregates: that keeps the SQL one level deep and rules out cycles.
 */
export function parseMetrics(src: YamlSource, node: Node | null, fallback: Node, scope: MetricScope): MetricsSection {
  const out: MetricsSection = { metrics: [], byName: new Map(), locations: new Map(), pending: [] };
  const map = src.map(node, 'metrics', fallback);
  const refs: PendingRef[] = [];
  for (const { key: name, keyNode, value } of src.entries(map, 'metrics')) {
    if (!NAME_RE.test(name)) {
      src.fail(keyNode, `metric "${name}": names are lower case letters, digits and _ (at most 63), starting with a letter`);
    }
    if (RESERVED_METRIC_NAMES.has(name)) src.fail(keyNode, `metric "${name}": the name is reserved`);
    if (scope.props.has(name)) src.fail(keyNode, `metric "${name}": a prop has the same name; metric and prop names must differ`);
    const def = src.map(value, `metric "${name}"`, keyNode);
    const keys = src.entries(def, `metric "${name}"`).map((e) => e.key);
    const isRatio = keys.includes('ratio');
    if (isRatio && keys.includes('aggregate')) src.fail(keyNode, `metric "${name}": use either aggregate or ratio, not both`);
    const fields = new Map(src.entries(def, `metric "${name}"`, isRatio ? RATIO_KEYS : AGGREGATE_KEYS).map((e) => [e.key, e]));
    const metric = isRatio ? parseRatioMetric(src, name, def, fields, refs) : parseAggregateMetric(src, name, def, fields, scope);
    out.metrics.push(metric);
    out.byName.set(name, metric);
    out.locations.set(name, src.at(keyNode));
  }
  for (const ref of refs) {
    const target = out.byName.get(ref.ref);
    if (!target) out.pending.push(ref);
    else if (target.kind !== 'aggregate') throw ratioOfRatio(src.file, ref);
  }
  return out;
}

export function ratioOfRatio(file: string, ref: PendingRef): ModelError {
  return new ModelError(file, ref.pos, `metric "${ref.metric}": ratio operand "${ref.ref}" is itself a ratio; name aggregate metrics`);
}
