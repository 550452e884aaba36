/**
 * Explore: metrics, a dimension, filters and a range, all kept in the URL so the view can be
 * shared; a chart that fits the shape (line over time, bar or doughnut by dimension), a table,
 * and exports of exactly the query on screen.
 */
import { useState } from 'preact/hooks';
import type { Filter, QuerySpec } from '../api';
import { downloadExport, query } from '../api';
import { ChartView } from '../components/chart';
import type { Dataset } from '../components/chart';
import { ModelPicker } from '../components/model-picker';
import { RangePicker, rangeFromUrl, rangeToUrl, timeRangeOf } from '../components/range-picker';
import { Empty, ErrorBox, Loading, Panel } from '../components/states';
import { useSession } from '../context';
import { formatBucket, formatValue } from '../format';
import { setParams, useLocation } from '../router';
import { useData } from '../use-data';

const OPS = ['eq', 'neq', 'contains', 'gt', 'gte', 'lt', 'lte', 'exists'];

function parseFilters(raw: string | null): Filter[] {
  try {
    const v = JSON.parse(raw ?? '[]') as unknown;
    return Array.isArray(v) ? (v as Filter[]) : [];
  } catch {
    return [];
  }
}

export function ExplorePage() {
  const { models, me } = useSession();
  const { search } = useLocation();
  const modelName = search.get('model') ?? models[0]?.name ?? '';
  const model = models.find((m) => m.name === modelName) ?? models[0];
  const range = rangeFromUrl(search, '30d');
  const metrics = (search.get('metrics') ?? model?.kpis.slice(0, 1).join(',') ?? 'count').split(',').filter(Boolean);
  const dimension = search.get('dim') ?? '';
  const filters = parseFilters(search.get('filters'));
  const chart = search.get('chart') ?? (dimension ? 'bar' : 'line');
  const [exportError, setExportError] = useState<string | null>(null);
  const [exporting, setExporting] = useState<string | null>(null);

  // Over time when there is no dimension (or a line chart); ranked by the first metric otherwise.
  const overTime = !dimension || chart === 'line';
  const spec: QuerySpec = {
    metrics: metrics.length ? metrics : ['count'],
    ...(dimension ? { dimensions: [dimension] } : {}),
    filters: filters.filter((f) => f.field && (f.op === 'exists' || (f.value !== undefined && f.value !== ''))),
    timeRange: timeRangeOf(range),
    timezone: range.timezone,
    ...(overTime ? { granularity: range.granularity } : { order: [{ by: metrics[0] ?? 'count', dir: 'desc' as const }], limit: 12 }),
  };
  const result = useData(() => query(spec), [JSON.stringify(spec)]);

  const fmt = (name: string): string => model?.metrics.find((m) => m.name === name)?.format ?? 'number';
  const label = (name: string): string => model?.metrics.find((m) => m.name === name)?.label ?? model?.dimensions.find((d) => d.name === name)?.label ?? name;
  const toggleMetric = (name: string): void => {
    const next = metrics.includes(name) ? metrics.filter((m) => m !== name) : [...metrics, name];
    setParams({ metrics: next.join(',') || null });
  };
  const setFilters = (next: Filter[]): void => setParams({ filters: next.length ? JSON.stringify(next) : null });

  const rows = result.data?.rows ?? [];
  let labels: string[] = [];
  let datasets: Dataset[] = [];
  if (result.data && rows.length) {
    if (overTime && dimension) {
      const times = [...new Set(rows.map((r) => String(r['time'])))];
      const groups = [...new Set(rows.map((r) => String(r[dimension])))].slice(0, 8);
      const m = spec.metrics[0] ?? 'count';
      labels = times.map((t) => formatBucket(t, result.data?.meta.granularity, range.timezone));
      datasets = groups.map((g) => ({ label: g, data: times.map((t) => { const r = rows.find((x) => String(x['time']) === t && String(x[dimension]) === g); return typeof r?.[m] === 'number' ? (r[m] as number) : null; }) }));
    } else {
      labels = rows.map((r) => (overTime ? formatBucket(String(r['time']), result.data?.meta.granularity, range.timezone) : String(r[dimension])));
      const shown = chart === 'doughnut' ? spec.metrics.slice(0, 1) : spec.metrics;
      datasets = shown.map((m) => ({ label: label(m), data: rows.map((r) => (typeof r[m] === 'number' ? (r[m] as number) : null)) }));
    }
  }

  const exportAs = (format: 'csv' | 'xlsx' | 'parquet'): void => {
    setExportError(null);
    setExporting(format);
    downloadExport(format, spec)
      .catch((err: unknown) => setExportError(err instanceof Error ? err.message : String(err)))
      .finally(() => setExporting(null));
  };
  const canExport = me.permissions.includes('export:run');

  return (
    <div class="page">
      <div class="page-head">
        <h1>Explore</h1>
        <ModelPicker models={models} value={modelName} onChange={(m) => setParams({ model: m, metrics: null, dim: null, filters: null })} />
        <RangePicker value={range} onChange={(s) => setParams(rangeToUrl(s))} />
      </div>
      <div class="explore">
        <aside class="panel pickers" aria-label="Query">
          <fieldset>
            <legend>Metrics</legend>
            <div class="chips">
              {model?.metrics.map((m) => (
                <label key={m.name} class={metrics.includes(m.name) ? 'chip on' : 'chip'}>
                  <input type="checkbox" checked={metrics.includes(m.name)} onChange={() => toggleMetric(m.name)} /> {m.label}
                </label>
              ))}
            </div>
          </fieldset>
          <label>
            Group by
            <select value={dimension} onChange={(e) => setParams({ dim: e.currentTarget.value || null, chart: null })}>
              <option value="">Nothing (over time)</option>
              {model?.dimensions.map((d) => (
                <option key={d.name} value={d.name}>
                  {d.label}
                </option>
              ))}
            </select>
          </label>
          <label>
            Chart
            <select value={chart} onChange={(e) => setParams({ chart: e.currentTarget.value })}>
              <option value="line">Line (over time)</option>
              {dimension && <option value="bar">Bar</option>}
              {dimension && <option value="doughnut">Doughnut</option>}
            </select>
          </label>
          <fieldset>
            <legend>Filters</legend>
            {filters.map((f, i) => (
              <div class="filter-row" key={i}>
                <select aria-label="Field" value={f.field} onChange={(e) => setFilters(filters.map((x, j) => (j === i ? { ...x, field: e.currentTarget.value } : x)))}>
                  <option value="event">Event</option>
                  <option value="actor">Actor</option>
                  {model?.props.map((p) => (
                    <option key={p.name} value={p.name}>
                      {p.label}
                    </option>
                  ))}
                </select>
                <select aria-label="Operator" value={f.op} onChange={(e) => setFilters(filters.map((x, j) => (j === i ? { ...x, op: e.currentTarget.value } : x)))}>
                  {OPS.map((o) => (
                    <option key={o}>{o}</option>
                  ))}
                </select>
                <input
                  aria-label="Value"
                  value={f.value === undefined || f.value === null ? '' : String(f.value)}
                  onChange={(e) => {
                    const raw = e.currentTarget.value;
                    const numeric = model?.props.find((p) => p.name === f.field)?.type === 'number' && raw !== '' && !Number.isNaN(Number(raw));
                    setFilters(filters.map((x, j) => (j === i ? { ...x, value: numeric ? Number(raw) : raw } : x)));
                  }}
                />
                <button type="button" class="link" aria-label="Remove filter" onClick={() => setFilters(filters.filter((_, j) => j !== i))}>
                  ✕
                </button>
              </div>
            ))}
            <button type="button" onClick={() => setFilters([...filters, { field: 'event', op: 'eq', value: '' }])}>
              Add filter
            </button>
          </fieldset>
        </aside>
        <div class="explore-main">
          <Panel
            title={spec.metrics.map(label).join(', ') + (dimension ? ` by ${label(dimension)}` : '')}
            wide
            actions={
              canExport && (
                <div class="exports" role="group" aria-label="Export">
                  {(['csv', 'xlsx', 'parquet'] as const).map((f) => (
                    <button type="button" key={f} data-export={f} disabled={exporting !== null} onClick={() => exportAs(f)}>
                      {exporting === f ? 'Exporting…' : f.toUpperCase()}
                    </button>
                  ))}
                </div>
              )
            }
          >
            {exportError && <ErrorBox error={`Export failed: ${exportError}`} />}
            {result.error ? (
              <ErrorBox error={result.error} retry={result.reload} />
            ) : !result.data ? (
              <Loading />
            ) : rows.length === 0 ? (
              <Empty>Nothing matches this query. Try a longer range or fewer filters.</Empty>
            ) : (
              <ChartView categorical={!overTime} type={chart === 'doughnut' ? 'doughnut' : chart === 'bar' && !overTime ? 'bar' : 'line'} name="explore" labels={labels} datasets={datasets} />
            )}
          </Panel>
          {result.data && rows.length > 0 && (
            <Panel title="Table" wide>
              <div class="table-wrap">
                <table>
                  <thead>
                    <tr>
                      {result.data.columns.map((c) => (
                        <th key={c.name} scope="col" class={c.type === 'number' ? 'num' : ''}>
                          {c.name === 'time' ? 'Time' : label(c.name)}
                        </th>
                      ))}
                    </tr>
                  </thead>
                  <tbody>
                    {rows.slice(0, 200).map((r, i) => (
                      <tr key={i}>
                        {result.data?.columns.map((c) => {
                          const v = r[c.name];
                          return (
                            <td key={c.name} class={c.type === 'number' ? 'num' : ''}>
                              {c.name === 'time' ? formatBucket(String(v), result.data?.meta.granularity, range.timezone) : typeof v === 'number' ? formatValue(v, fmt(c.name)) : String(v ?? '—')}
                            </td>
                          );
                        })}
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            </Panel>
          )}
        </div>
      </div>
    </div>
  );
}
