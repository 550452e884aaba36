/** System (admins): process health, latency percentiles, cache hit rate and live connections from GET /system. */
import { useEffect } from 'preact/hooks';
import { get } from '../api';
import { ErrorBox, Loading, Panel } from '../components/states';
import { useSession } from '../context';
import { formatBytes, formatValue } from '../format';
import { useData } from '../use-data';

interface RouteStats {
  route: string;
  requests: number | null;
  perSecond: number | null;
  p50Ms: number | null;
  p95Ms: number | null;
  p99Ms: number | null;
  errorRate: number;
}
interface SystemInfo {
  windowSeconds: number;
  process: { cpu: number; memory: { rssBytes: number | null; heapUsedBytes: number | null }; eventLoopLagMs: { mean: number | null; p99: number | null }; uptimeSeconds: number | null };
  requests: { overall: RouteStats; routes: RouteStats[] };
  errorRate: number;
  ingest: { eventsPerSecond: number | null };
  cache: { configured: boolean; hitRate: number | null };
  live: { configured: boolean; connections: number | null };
}

function Stat({ label, value }: { label: string; value: string }) {
  return (
    <div>
      <dt>{label}</dt>
      <dd>{value}</dd>
    </div>
  );
}

const ms = (v: number | null | undefined): string => (v === null || v === undefined ? '—' : `${v.toFixed(1)} ms`);

export function SystemPage() {
  const { me } = useSession();
  const state = useData(() => get<SystemInfo>('/system'), []);
  useEffect(() => {
    const t = setInterval(state.reload, 3000);
    return () => clearInterval(t);
  }, [state.reload]);
  if (!me.permissions.includes('system:read')) return <ErrorBox error="Only admins can see the system panel." />;
  return (
    <div class="page">
      <div class="page-head">
        <h1>System</h1>
      </div>
      {state.error ? (
        <ErrorBox error={state.error} retry={state.reload} />
      ) : !state.data ? (
        <Loading />
      ) : (
        <div class="grid">
          <Panel title="Process">
            <dl class="stats">
              <Stat label="CPU" value={formatValue(state.data.process.cpu, 'percent')} />
              <Stat label="Memory (RSS)" value={formatBytes(state.data.process.memory.rssBytes)} />
              <Stat label="Heap used" value={formatBytes(state.data.process.memory.heapUsedBytes)} />
              <Stat label="Event-loop lag p99" value={ms(state.data.process.eventLoopLagMs.p99)} />
              <Stat label="Uptime" value={`${Math.round((state.data.process.uptimeSeconds ?? 0) / 60)} min`} />
            </dl>
          </Panel>
          <Panel title={`Traffic (last ${state.data.windowSeconds} s)`}>
            <dl class="stats">
              <Stat label="Requests/s" value={formatValue(state.data.requests.overall.perSecond)} />
              <Stat label="Latency p50" value={ms(state.data.requests.overall.p50Ms)} />
              <Stat label="p95" value={ms(state.data.requests.overall.p95Ms)} />
              <Stat label="p99" value={ms(state.data.requests.overall.p99Ms)} />
              <Stat label="Error rate" value={formatValue(state.data.errorRate, 'percent')} />
              <Stat label="Cache hit rate" value={state.data.cache.configured ? formatValue(state.data.cache.hitRate, 'percent') : 'off'} />
              <Stat label="Live connections" value={formatValue(state.data.live.connections, 'integer')} />
              <Stat label="Ingest events/s" value={formatValue(state.data.ingest.eventsPerSecond)} />
            </dl>
          </Panel>
          <Panel title="Slowest routes" wide>
            <div class="table-wrap">
              <table>
                <thead>
                  <tr>
                    <th scope="col">Route</th>
                    <th scope="col" class="num">Requests</th>
                    <th scope="col" class="num">p50</th>
                    <th scope="col" class="num">p95</th>
                    <th scope="col" class="num">p99</th>
                  </tr>
                </thead>
                <tbody>
                  {[...state.data.requests.routes]
                    .sort((a, b) => (b.p95Ms ?? 0) - (a.p95Ms ?? 0))
                    .slice(0, 10)
                    .map((r) => (
                      <tr key={r.route}>
                        <td>{r.route}</td>
                        <td class="num">{formatValue(r.requests, 'integer')}</td>
                        <td class="num">{ms(r.p50Ms)}</td>
                        <td class="num">{ms(r.p95Ms)}</td>
                        <td class="num">{ms(r.p99Ms)}</td>
                      </tr>
                    ))}
                </tbody>
              </table>
            </div>
          </Panel>
        </div>
      )}
    </div>
  );
}
