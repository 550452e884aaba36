/**
 * Live: the activity feed (WebSocket `events`), active users now, and an events-per-minute chart
 * fed by a WebSocket live query, so everything moves without a reload.
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import type { ActivityEvent, QueryResult } from '../api';
import { get } from '../api';
import { ChartView } from '../components/chart';
import { Empty, ErrorBox, Loading, Panel } from '../components/states';
import { formatBucket, formatValue } from '../format';
import { live } from '../live';

interface Realtime {
  activeActors: number;
  eventsLastMinute: number;
}

const FEED_SIZE = 40;

function describe(e: ActivityEvent): string {
  const parts = Object.entries(e.props)
    .filter(([, v]) => v !== null && v !== '')
    .slice(0, 3)
    .map(([k, v]) => `${k}: ${String(v)}`);
  return parts.join(' · ');
}

export function LivePage() {
  const [feed, setFeed] = useState<ActivityEvent[] | null>(null);
  const [feedError, setFeedError] = useState<string | null>(null);
  const [series, setSeries] = useState<QueryResult | null>(null);
  const [seriesError, setSeriesError] = useState<string | null>(null);
  const [now, setNow] = useState<Realtime | null>(null);
  const fresh = useRef(new Set<string>());

  useEffect(() => {
    let alive = true;
    const refreshNow = (): void => {
      get<Realtime>('/realtime', { refresh: 'true' }).then((r) => alive && setNow(r), () => undefined);
    };
    refreshNow();
    const poll = setInterval(refreshNow, 5000);
    get<{ events: ActivityEvent[] }>('/activity', { limit: FEED_SIZE }).then(
      (r) => alive && setFeed((cur) => [...(cur ?? []), ...r.events].slice(0, FEED_SIZE)),
      (err: unknown) => alive && setFeedError(err instanceof Error ? err.message : String(err)),
    );
    let pending: ReturnType<typeof setTimeout> | null = null;
    // New events change "active now": refresh soon, once per burst.
    const soon = (): void => {
      if (!pending) pending = setTimeout(() => { pending = null; refreshNow(); }, 500);
    };
    let reloading: ReturnType<typeof setTimeout> | null = null;
    const offEvents = live.events(
      [],
      (e) => {
        const key = e.id ?? `${e.timestamp}-${e.event}-${e.actor ?? ''}`;
        fresh.current.add(key);
        setFeed((cur) => [e, ...(cur ?? [])].slice(0, FEED_SIZE));
        soon();
      },
      // Events the server did not send one by one (a large batch, an import): the newest are read again.
      () => {
        soon();
        if (reloading) return;
        reloading = setTimeout(() => {
          reloading = null;
          get<{ events: ActivityEvent[] }>('/activity', { limit: FEED_SIZE }).then((r) => alive && setFeed(r.events.slice(0, FEED_SIZE)), () => undefined);
        }, 300);
      },
    );
    const offSeries = live.subscribe(
      { metrics: ['count', 'count_distinct(actor)'], timeRange: { preset: '1h' }, granularity: '1m' },
      (data) => { setSeries(data); setSeriesError(null); },
      (message) => setSeriesError(message),
    );
    return () => {
      alive = false;
      clearInterval(poll);
      if (pending) clearTimeout(pending);
      if (reloading) clearTimeout(reloading);
      offEvents();
      offSeries();
    };
  }, []);

  const rows = series?.rows ?? [];
  return (
    <div class="page">
      <div class="page-head">
        <h1>Live</h1>
      </div>
      <div class="kpis">
        <div class="kpi static" data-kpi="active-now" data-value={now?.activeActors ?? ''}>
          <span class="kpi-label">Active users now (5 min)</span>
          <span class="kpi-value">{now ? formatValue(now.activeActors, 'integer') : '…'}</span>
        </div>
        <div class="kpi static" data-kpi="events-last-minute" data-value={now?.eventsLastMinute ?? ''}>
          <span class="kpi-label">Events in the last minute</span>
          <span class="kpi-value">{now ? formatValue(now.eventsLastMinute, 'integer') : '…'}</span>
        </div>
      </div>
      <div class="grid">
        <Panel title="Events per minute (last hour)" wide>
          {seriesError ? (
            <ErrorBox error={seriesError} />
          ) : !series ? (
            <Loading label="Waiting for the live query…" />
          ) : (
            <ChartView
              type="bar"
              name="live"
              height={220}
              labels={rows.map((r) => formatBucket(String(r['time']), '1m'))}
              datasets={[
                { label: 'Events', data: rows.map((r) => r['count'] as number | null) },
                { label: 'Active users', data: rows.map((r) => r['count_distinct(actor)'] as number | null), color: '#10b981' },
              ]}
            />
          )}
        </Panel>
        <Panel title="Activity" wide>
          {feedError ? (
            <ErrorBox error={feedError} />
          ) : !feed ? (
            <Loading />
          ) : feed.length === 0 ? (
            <Empty>No events yet. Send one to POST /api/v1/events and it appears here.</Empty>
          ) : (
            <ol class="feed" aria-live="polite" aria-label="Newest events first">
              {feed.map((e, i) => {
                const key = e.id ?? `${e.timestamp}-${e.event}-${e.actor ?? ''}`;
                return (
                  <li key={`${key}-${i}`} class={fresh.current.has(key) ? 'new' : ''} data-event-id={e.id ?? ''}>
                    <time dateTime={e.timestamp}>{new Date(e.timestamp).toLocaleTimeString('en', { hour12: false })}</time>
                    <strong>{e.event}</strong>
                    <span class="actor">{e.actor ?? 'anonymous'}</span>
                    <span class="props">{describe(e)}</span>
                  </li>
                );
              })}
            </ol>
          )}
        </Panel>
      </div>
    </div>
  );
}
