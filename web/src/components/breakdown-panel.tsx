/** A breakdown (GET /breakdown/{field}) as a bar or doughnut chart with its own states. */
import { get } from '../api';
import { useData } from '../use-data';
import { ChartView } from './chart';
import { Empty, ErrorBox, Loading, Panel } from './states';

interface Breakdown {
  items?: { value: string | number | boolean | null; metric: number | null; share: number | null }[];
  other?: number | null;
}

export function BreakdownPanel({ title, field, params, type = 'bar' }: { title: string; field: string; params: Record<string, string>; type?: 'bar' | 'doughnut' }) {
  const state = useData(() => get<Breakdown>(`/breakdown/${encodeURIComponent(field)}`, { limit: 8, ...params }), [field, JSON.stringify(params)]);
  // Events of other models lack this field: their null group is not a value of it.
  const items = (state.data?.items ?? []).filter((i) => i.value !== null && i.value !== '');
  return (
    <Panel title={title}>
      {state.error ? (
        <ErrorBox error={state.error} retry={state.reload} />
      ) : !state.data ? (
        <Loading />
      ) : items.length === 0 ? (
        <Empty>No data in this range.</Empty>
      ) : (
        <ChartView categorical type={type} name={`breakdown-${field}`} height={240} labels={items.map((i) => String(i.value ?? '(none)'))} datasets={[{ label: title, data: items.map((i) => i.metric) }]} />
      )}
    </Panel>
  );
}
