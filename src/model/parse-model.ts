/** One model file's text → SemanticModel, plus the source positions the catalog merge needs. */
import type { Node } from 'yaml';
import type { SourcePos } from './errors.js';
import { EVENT_NAME_RE, humanize, MODEL_NAME_RE } from './names.js';
import { parseMetrics } from './parse-metrics.js';
import type { PendingRef } from './parse-metrics.js';
import { parseDimensions, parseProps } from './parse-props.js';
import type { ActorView, MetricDef, SemanticModel } from './types.js';
import { YamlSource } from './yaml-source.js';
import type { Entry } from './yaml-source.js';

const TOP_KEYS = ['name', 'label', 'events', 'props', 'dimensions', 'metrics', 'kpis', 'actor'] as const;
const ACTOR_KEYS = ['metrics', 'dimension', 'rank_by', 'group'] as const;
/** Without a `kpis:` list the summary shows the first few metrics. */
const DEFAULT_KPI_COUNT = 4;

export interface ParsedModel {
  model: SemanticModel;
  /** Where the model's name, each prop and each metric are declared. */
  namePos: SourcePos;
  propPos: Map<string, SourcePos>;
  metricPos: Map<string, SourcePos>;
  /** Ratio operands not defined in this file. */
  pending: PendingRef[];
}

function parseEventList(src: YamlSource, e: Entry | undefined): string[] {
  if (!e || src.isNull(e.value)) return [];
  const out: string[] = [];
  for (const { value, node } of src.strings(src.seq(e.value, 'events', e.keyNode), 'events')) {
    if (!EVENT_NAME_RE.test(value)) src.fail(node, `"${value}" is not a valid event name ([A-Za-z0-9_.:/-], 1–200)`);
    if (out.includes(value)) src.fail(node, `event "${value}" is listed twice`);
    out.push(value);
  }
  return out;
}

function metricNames(src: YamlSource, node: Node | null, what: string, fallback: Node, metrics: ReadonlyMap<string, MetricDef>): string[] {
  const out: string[] = [];
  for (const { value, node: item } of src.strings(src.seq(node, what, fallback), what)) {
    if (!metrics.has(value)) src.fail(item, `${what}: metric "${value}" is not defined in this file`);
    if (!out.includes(value)) out.push(value);
  }
  return out;
}

function optionalDimension(src: YamlSource, e: Entry | undefined, what: string, dims: readonly string[]): string | null {
  if (!e || src.isNull(e.value)) return null;
  const dim = src.string(e.value, what, e.keyNode);
  if (!dims.includes(dim)) src.fail(e.value, `${what}: "${dim}" is not listed in dimensions`);
  return dim;
}

function parseActor(
  src: YamlSource, e: Entry | undefined, kpis: string[], metrics: ReadonlyMap<string, MetricDef>, dims: readonly string[],
): ActorView {
  const first = [...metrics.keys()][0] ?? '';
  if (!e || src.isNull(e.value)) return { metrics: kpis.length > 0 ? kpis : [first], dimension: null, rankBy: kpis[0] ?? first, group: null };
  const map = src.map(e.value, 'actor', e.keyNode);
  const f = new Map(src.entries(map, 'actor', ACTOR_KEYS).map((x) => [x.key, x]));
  const m = f.get('metrics');
  const list = m ? metricNames(src, m.value, 'actor.metrics', m.keyNode, metrics) : kpis;
  if (list.length === 0) src.fail(m?.value ?? map, 'actor.metrics must name at least one metric');
  const rank = f.get('rank_by');
  let rankBy = list[0] ?? first;
  if (rank) {
    rankBy = src.string(rank.value, 'actor.rank_by', rank.keyNode);
    if (!metrics.has(rankBy)) src.fail(rank.value, `actor.rank_by: metric "${rankBy}" is not defined in this file`);
  }
  return {
    metrics: list,
    dimension: optionalDimension(src, f.get('dimension'), 'actor.dimension', dims),
    rankBy,
    group: optionalDimension(src, f.get('group'), 'actor.group', dims),
  };
}

export function parseModel(file: string, text: string): ParsedModel {
  const src = new YamlSource(file, text);
  if (src.isNull(src.root)) src.fail(src.root, 'the model file is empty');
  const rootMap = src.map(src.root, 'a model file');
  const top = new Map(src.entries(rootMap, 'model', TOP_KEYS).map((x) => [x.key, x]));

  const nameEntry = top.get('name');
  if (!nameEntry) return src.fail(rootMap, 'name is required');
  const name = src.string(nameEntry.value, 'name', nameEntry.keyNode);
  if (!MODEL_NAME_RE.test(name)) src.fail(nameEntry.value, `model name "${name}" must be lower case letters, digits, _ and -`);
  const labelEntry = top.get('label');
  const label = labelEntry ? src.string(labelEntry.value, 'label', labelEntry.keyNode) : humanize(name);

  const events = parseEventList(src, top.get('events'));
  const propsEntry = top.get('props');
  const props = parseProps(src, propsEntry?.value ?? null, propsEntry?.keyNode ?? rootMap);
  const dimsEntry = top.get('dimensions');
  const dimensions = parseDimensions(src, dimsEntry?.value ?? null, dimsEntry?.keyNode ?? rootMap, props.byName);

  const metricsEntry = top.get('metrics');
  if (!metricsEntry) return src.fail(rootMap, 'metrics is required');
  const metrics = parseMetrics(src, metricsEntry.value, metricsEntry.keyNode, { props: props.byName, events: new Set(events) });
  if (metrics.metrics.length === 0) src.fail(metricsEntry.keyNode, 'metrics must define at least one metric');

  const kpisEntry = top.get('kpis');
  const kpis = kpisEntry
    ? metricNames(src, kpisEntry.value, 'kpis', kpisEntry.keyNode, metrics.byName)
    : metrics.metrics.slice(0, DEFAULT_KPI_COUNT).map((m) => m.name);
  const actor = parseActor(src, top.get('actor'), kpis, metrics.byName, dimensions);

  return {
    model: { name, label, file, events, props: props.props, dimensions, metrics: metrics.metrics, kpis, actor },
    namePos: src.at(nameEntry.value, nameEntry.keyNode),
    propPos: props.locations,
    metricPos: metrics.locations,
    pending: metrics.pending,
  };
}
