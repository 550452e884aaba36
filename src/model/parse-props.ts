/** The `props:` and `dimensions:` sections of a model file. */
import { isScalar } from 'yaml';
import type { Node } from 'yaml';
import { humanize, NAME_RE, RESERVED_PROP_NAMES } from './names.js';
import { PROP_TYPES } from './types.js';
import type { PropDef, PropType } from './types.js';
import type { YamlSource } from './yaml-source.js';
import type { SourcePos } from './errors.js';

export interface PropsSection {
  props: PropDef[];
  byName: Map<string, PropDef>;
  /** Where each prop is declared, for cross-file conflict messages. */
  locations: Map<string, SourcePos>;
}

function propType(src: YamlSource, node: Node | null, name: string, fallback: Node): PropType {
  const type = src.string(node, `prop "${name}": type`, fallback);
  const known = PROP_TYPES.find((t) => t === type);
  if (!known) return src.fail(node, `prop "${name}": unknown type "${type}" (expected one of ${PROP_TYPES.join(', ')})`);
  return known;
}

/** `amount: number` is shorthand for `amount: { type: number }`. */
export function parseProps(src: YamlSource, node: Node | null, fallback: Node): PropsSection {
  const section: PropsSection = { props: [], byName: new Map(), locations: new Map() };
  if (src.isNull(node)) return section;
  const map = src.map(node, 'props', fallback);
  for (const { key, keyNode, value } of src.entries(map, 'props')) {
    if (!NAME_RE.test(key)) {
      src.fail(keyNode, `prop "${key}": names are lower case letters, digits and _ (at most 63), starting with a letter`);
    }
    if (RESERVED_PROP_NAMES.has(key)) src.fail(keyNode, `prop "${key}": the name is reserved`);
    let type: PropType;
    let label = humanize(key);
    if (isScalar(value)) {
      type = propType(src, value, key, keyNode);
    } else {
      const def = src.map(value, `prop "${key}"`, keyNode);
      const fields = new Map(src.entries(def, `prop "${key}"`, ['type', 'label']).map((e) => [e.key, e]));
      const typeEntry = fields.get('type');
      if (!typeEntry) return src.fail(def, `prop "${key}": type is required`);
      type = propType(src, typeEntry.value, key, typeEntry.keyNode);
      const labelEntry = fields.get('label');
      if (labelEntry) label = src.string(labelEntry.value, `prop "${key}": label`, labelEntry.keyNode);
    }
    const prop: PropDef = { name: key, type, label, column: `p_${key}` };
    section.props.push(prop);
    section.byName.set(key, prop);
    section.locations.set(key, src.at(keyNode));
  }
  return section;
}

/** Time props are excluded: grouping by a raw timestamp is what granularity is for. */
export function parseDimensions(
  src: YamlSource, node: Node | null, fallback: Node, props: ReadonlyMap<string, PropDef>,
): string[] {
  if (src.isNull(node)) return [];
  const dims: string[] = [];
  for (const { value, node: item } of src.strings(src.seq(node, 'dimensions', fallback), 'dimensions')) {
    const prop = props.get(value);
    if (!prop) src.fail(item, `dimension "${value}" is not a declared prop`);
    if (prop.type === 'time') src.fail(item, `dimension "${value}" is a time prop; use granularity to group by time`);
    if (dims.includes(value)) src.fail(item, `dimension "${value}" is listed twice`);
    dims.push(value);
  }
  return dims;
}
