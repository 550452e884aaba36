/** Commerce: revenue by hour, day or week; the success / pending / failed payment flow; top products. */
import { useState } from 'preact/hooks';
import { query } from '../api';
import { BreakdownPanel } from '../components/breakdown-panel';
import { ChartView } from '../components/chart';
import { RangePicker, rangeFromUrl, rangeParams, rangeToUrl, timeRangeOf } from '../components/range-picker';
import { Empty, ErrorBox, Loading, Panel } from '../components/states';
import { formatBucket } from '../format';
import { setParams, useLocation } from '../router';
import { useData } from '../use-data';

const BUCKETS = [
  { g: '1h', label: 'Hour' },
  { g: '1d', label: 'Day' },
  { g: '1w', label: 'Week' },
];

export function CommercePage() {
  const { search } = useLocation();
  const range = rangeFromUrl(search, '30d');
  const [bucket, setBucket] = useState(search.get('by') ?? '1d');
  const key = JSON.stringify(range);
  const revenue = useData(() => query({ metrics: ['revenue'], timeRange: timeRangeOf(range), granularity: bucket, timezone: range.timezone }), [key, bucket]);
  const flow = useData(() => query({ metrics: ['orders', 'pending_payments', 'failed_payments'], timeRange: timeRangeOf(range), granularity: '1d', timezone: range.timezone }), [key]);
  return (
    <div class="page">
      <div class="page-head">
        <h1>Commerce</h1>
        <RangePicker value={range} onChange={(s) => setParams(rangeToUrl(s))} showGranularity={false} />
      </div>
      <div class="grid">
        <Panel
          title="Revenue"
          wide
          actions={
            <div class="segmented" role="radiogroup" aria-label="Revenue per">
              {BUCKETS.map((b) => (
                <button type="button" key={b.g} role="radio" aria-checked={bucket === b.g} class={bucket === b.g ? 'on' : ''} onClick={() => { setBucket(b.g); setParams({ by: b.g }); }}>
                  {b.label}
                </button>
              ))}
            </div>
          }
        >
          {revenue.error ? (
            <ErrorBox error={revenue.error} retry={revenue.reload} />
          ) : !revenue.data ? (
            <Loading />
          ) : revenue.data.rows.length === 0 ? (
            <Empty>No payments in this range.</Empty>
          ) : (
            <ChartView type="bar" name="revenue" labels={revenue.data.rows.map((r) => formatBucket(String(r['time']), bucket, range.timezone))} datasets={[{ label: 'Revenue', data: revenue.data.rows.map((r) => r['revenue'] as number | null) }]} />
          )}
        </Panel>
        <Panel title="Payments: success, pending, failed" wide>
          {flow.error ? (
            <ErrorBox error={flow.error} retry={flow.reload} />
          ) : !flow.data ? (
            <Loading />
          ) : (
            <ChartView
              type="bar"
              name="payments"
              stacked
              labels={flow.data.rows.map((r) => formatBucket(String(r['time']), '1d', range.timezone))}
              datasets={[
                { label: 'Succeeded', data: flow.data.rows.map((r) => r['orders'] as number | null), color: '#10b981' },
                { label: 'Pending', data: flow.data.rows.map((r) => r['pending_payments'] as number | null), color: '#f59e0b' },
                { label: 'Failed', data: flow.data.rows.map((r) => r['failed_payments'] as number | null), color: '#ef4444' },
              ]}
            />
          )}
        </Panel>
        <BreakdownPanel title="Top products by revenue" field="product" params={{ ...rangeParams(range), metric: 'revenue' }} />
        <BreakdownPanel title="Revenue by channel" field="channel" params={{ ...rangeParams(range), metric: 'revenue' }} type="doughnut" />
      </div>
    </div>
  );
}
