/** Support: response and resolution percentiles, the SLA gauge, and distributions by status, priority, channel, category. */
import { get } from '../api';
import { BreakdownPanel } from '../components/breakdown-panel';
import { ChartView } from '../components/chart';
import { RangePicker, rangeFromUrl, rangeParams, rangeToUrl } from '../components/range-picker';
import { ErrorBox, Loading, Panel } from '../components/states';
import { formatValue } from '../format';
import { setParams, useLocation } from '../router';
import { useData } from '../use-data';

interface Percentiles {
  values: Record<string, number | null>;
  count: number;
  sla?: { threshold: number; within: number | null };
}

const SLA_HOURS = 24;

function PercentileTable({ title, data }: { title: string; data: Percentiles }) {
  return (
    <div class="pct">
      <h3>{title}</h3>
      <dl class="stats">
        {Object.entries(data.values).map(([p, v]) => (
          <div key={p}>
            <dt>{p}</dt>
            <dd>{formatValue(v, 'hours')}</dd>
          </div>
        ))}
        <div>
          <dt>tickets</dt>
          <dd>{formatValue(data.count, 'integer')}</dd>
        </div>
      </dl>
    </div>
  );
}

export function SupportPage() {
  const { search } = useLocation();
  const range = rangeFromUrl(search, '30d');
  const base = rangeParams(range);
  const key = JSON.stringify(range);
  const response = useData(() => get<Percentiles>('/percentiles', { ...base, field: 'response_hours', event: 'ticket.first_response', p: '50,90,95,99' }), [key]);
  const resolution = useData(() => get<Percentiles>('/percentiles', { ...base, field: 'resolution_hours', event: 'ticket.resolved', p: '50,90,95,99', threshold: SLA_HOURS }), [key]);
  const within = resolution.data?.sla?.within ?? null;
  return (
    <div class="page">
      <div class="page-head">
        <h1>Support</h1>
        <RangePicker value={range} onChange={(s) => setParams(rangeToUrl(s))} showGranularity={false} />
      </div>
      <div class="grid">
        <Panel title="Response and resolution times">
          {response.error || resolution.error ? (
            <ErrorBox error={response.error ?? resolution.error ?? ''} retry={() => { response.reload(); resolution.reload(); }} />
          ) : !response.data || !resolution.data ? (
            <Loading />
          ) : (
            <div class="pcts">
              <PercentileTable title="First response" data={response.data} />
              <PercentileTable title="Resolution" data={resolution.data} />
            </div>
          )}
        </Panel>
        <Panel title={`SLA: resolved within ${SLA_HOURS} h`}>
          {resolution.error ? (
            <ErrorBox error={resolution.error} />
          ) : !resolution.data ? (
            <Loading />
          ) : (
            <div class="gauge" data-sla={within ?? ''}>
              <ChartView type="doughnut" name="sla" height={200} labels={['Within SLA', 'Breached']} datasets={[{ label: 'SLA', data: within === null ? [0, 0] : [within, 1 - within] }]} />
              <p class="gauge-value">{formatValue(within, 'percent')}</p>
            </div>
          )}
        </Panel>
        <BreakdownPanel title="Events by ticket status" field="status" params={base} type="doughnut" />
        <BreakdownPanel title="Tickets by priority" field="priority" params={{ ...base, event: 'ticket.created' }} />
        <BreakdownPanel title="Tickets by channel" field="channel" params={{ ...base, event: 'ticket.created' }} type="doughnut" />
        <BreakdownPanel title="Tickets by category" field="category" params={{ ...base, event: 'ticket.created' }} />
      </div>
    </div>
  );
}
