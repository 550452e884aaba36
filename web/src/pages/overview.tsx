/** Overview: the model's KPI cards and one main time series with a previous-period overlay. */
import { useState } from 'preact/hooks';
import type { QueryResult, Summary } from '../api';
import { get, query } from '../api';
import { ChartView } from '../components/chart';
import type { Dataset } from '../components/chart';
import { KpiCard } from '../components/kpi-card';
import { ModelPicker } from '../components/model-picker';
import { RangePicker, rangeFromUrl, rangeParams, rangeToUrl, timeRangeOf } from '../components/range-picker';
import type { RangeState } from '../components/range-picker';
import { Empty, ErrorBox, Loading, Panel } from '../components/states';
import { useSession } from '../context';
import { formatBucket } from '../format';
import { setParams, useLocation } from '../router';
import { useData } from '../use-data';

export function OverviewPage() {
  const { models } = useSession();
  const { search } = useLocation();
  const modelName = search.get('model') ?? models[0]?.name ?? '';
  const model = models.find((m) => m.name === modelName) ?? models[0];
  const range = rangeFromUrl(search);
  const [overlay, setOverlay] = useState(search.get('compare') !== 'off');
  const metric = search.get('metric') ?? model?.kpis[0] ?? 'count';
  const key = JSON.stringify(range);

  const summary = useData(() => get<Summary>('/dashboard/summary', { ...rangeParams(range), model: modelName }), [key, modelName]);
  const series = useData(
    () =>
      query({
        metrics: [metric],
        timeRange: timeRangeOf(range),
        granularity: range.granularity,
        timezone: range.timezone,
        ...(overlay ? { compare: 'previous_period' } : {}),
      }),
    [key, metric, overlay],
  );

  const setRange = (s: RangeState): void => setParams(rangeToUrl(s));
  const label = model?.metrics.find((m) => m.name === metric)?.label ?? metric;

  return (
    <div class="page">
      <div class="page-head">
        <h1>Overview</h1>
        <ModelPicker models={models} value={modelName} onChange={(m) => setParams({ model: m, metric: null })} />
        <RangePicker value={range} onChange={setRange} />
      </div>
      {summary.error ? (
        <ErrorBox error={summary.error} retry={summary.reload} />
      ) : !summary.data ? (
        <Loading label="Loading KPIs…" />
      ) : summary.data.kpis.length === 0 ? (
        <Empty>This model lists no KPIs.</Empty>
      ) : (
        <div class={summary.loading ? 'kpis stale' : 'kpis'} aria-busy={summary.loading}>
          {summary.data.kpis.map((k) => (
            <KpiCard key={k.metric} kpi={k} selected={k.metric === metric} onSelect={() => setParams({ metric: k.metric })} />
          ))}
        </div>
      )}
      <Panel
        title={label}
        wide
        actions={
          <label class="check">
            <input type="checkbox" checked={overlay} onChange={(e) => { setOverlay(e.currentTarget.checked); setParams({ compare: e.currentTarget.checked ? null : 'off' }); }} /> Previous period
          </label>
        }
      >
        <MainChart state={series} metric={metric} label={label} timezone={range.timezone} />
      </Panel>
    </div>
  );
}

function MainChart({ state, metric, label, timezone }: { state: { data: QueryResult | null; error: string | null; loading: boolean; reload: () => void }; metric: string; label: string; timezone: string }) {
  if (state.error) return <ErrorBox error={state.error} retry={state.reload} />;
  if (!state.data) return <Loading />;
  const rows = state.data.rows;
  if (rows.length === 0) return <Empty>No events in this range yet.</Empty>;
  const labels = rows.map((r) => formatBucket(String(r['time']), state.data?.meta.granularity, timezone));
  const datasets: Dataset[] = [{ label, data: rows.map((r) => (typeof r[metric] === 'number' ? (r[metric] as number) : null)) }];
  if (rows[0]?.previous) datasets.push({ label: 'Previous period', data: rows.map((r) => r.previous?.[metric] ?? null), color: '#94a3b8', dashed: true });
  return (
    <div class={state.loading ? 'stale' : ''} aria-busy={state.loading}>
      <ChartView type="line" name="main" labels={labels} datasets={datasets} height={300} />
    </div>
  );
}
