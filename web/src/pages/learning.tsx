/**
 * Learning: the XP leaderboard and a class overview at /learning; a student's insights (streak,
 * per-course mastery, daily activity) at /learning/students/{actor}.
 */
import { useState } from 'preact/hooks';
import { get } from '../api';
import { ChartView } from '../components/chart';
import { RangePicker, rangeFromUrl, rangeParams, rangeToUrl } from '../components/range-picker';
import type { RangeState } from '../components/range-picker';
import { Empty, ErrorBox, Loading, Panel } from '../components/states';
import { useSession } from '../context';
import { formatBucket, formatChange, formatValue } from '../format';
import { navigate, setParams, useLocation } from '../router';
import { useData } from '../use-data';

interface Leaderboard {
  metric: string;
  entries: { rank: number; actor: string; value: number; percentile: number }[];
  participants: number;
}
interface Insights {
  actor: string;
  totals: Record<string, number | null>;
  change: Record<string, number | null>;
  series: { buckets: string[]; values: Record<string, (number | null)[]> };
  streak: { current: number; longest: number; activeToday: boolean };
  activeDays: number;
  rank: { rank: number | null; percentile: number | null; participants: number };
  breakdown: { dimension: string; items: { value: string | number | boolean | null; metrics: Record<string, number | null> }[] } | null;
  lastSeen: string;
}
interface Group {
  members: number;
  activeMembers: number;
  metrics: { metric: string; label: string; format: string; value: number | null; perActiveMember: number | null }[];
  top: { actor: string; value: number | null }[];
  bottom: { actor: string; value: number | null }[];
}

const M = 'learning';

export function LearningPage() {
  const { path, search } = useLocation();
  const range = rangeFromUrl(search, '30d');
  const student = /^\/learning\/students\/(.+)$/.exec(path)?.[1];
  return (
    <div class="page">
      <div class="page-head">
        <h1>{student ? `Student ${decodeURIComponent(student)}` : 'Learning'}</h1>
        {student && (
          <a href="/learning" class="back" onClick={(e) => { e.preventDefault(); navigate('/learning'); }}>
            ← All students
          </a>
        )}
        <RangePicker value={range} onChange={(s) => setParams(rangeToUrl(s))} showGranularity={false} />
      </div>
      {student ? <StudentView actor={decodeURIComponent(student)} range={range} /> : <LearningHome range={range} />}
    </div>
  );
}

function LearningHome({ range }: { range: RangeState }) {
  const key = JSON.stringify(range);
  const board = useData(() => get<Leaderboard>('/leaderboard', { ...rangeParams(range), model: M, limit: 10 }), [key]);
  const classes = useData(() => get<{ items?: { value: string | number | boolean | null }[] }>('/breakdown/class', { ...rangeParams(range), limit: 30 }), [key]);
  const [cls, setCls] = useState<string>('');
  // Events of other models carry no class: skip the null group.
  const classList = (classes.data?.items ?? []).filter((i) => i.value !== null && i.value !== '');
  const chosen = cls || String(classList[0]?.value ?? '');
  return (
    <div class="grid">
      <Panel title="Leaderboard (XP)">
        {board.error ? (
          <ErrorBox error={board.error} retry={board.reload} />
        ) : !board.data ? (
          <Loading />
        ) : board.data.entries.length === 0 ? (
          <Empty>No learners were active in this range.</Empty>
        ) : (
          <table class="leaderboard">
            <caption class="sr-only">Top learners of {board.data.participants}</caption>
            <thead>
              <tr>
                <th scope="col">#</th>
                <th scope="col">Learner</th>
                <th scope="col" class="num">XP</th>
                <th scope="col" class="num">Percentile</th>
              </tr>
            </thead>
            <tbody>
              {board.data.entries.map((e) => (
                <tr key={e.actor}>
                  <td>{e.rank}</td>
                  <td>
                    <a href={`/learning/students/${encodeURIComponent(e.actor)}`} onClick={(ev) => { ev.preventDefault(); navigate(`/learning/students/${encodeURIComponent(e.actor)}${location.search}`); }}>
                      {e.actor}
                    </a>
                  </td>
                  <td class="num">{formatValue(e.value, 'integer')}</td>
                  <td class="num">{e.percentile.toFixed(1)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </Panel>
      <Panel
        title="Class overview"
        actions={
          classList.length ? (
            <select aria-label="Class" value={chosen} onChange={(e) => setCls(e.currentTarget.value)}>
              {classList.map((i) => (
                <option key={String(i.value)} value={String(i.value)}>
                  {String(i.value)}
                </option>
              ))}
            </select>
          ) : null
        }
      >
        {classes.error ? <ErrorBox error={classes.error} /> : !classes.data ? <Loading /> : chosen ? <ClassView value={chosen} range={range} /> : <Empty>No classes in this range.</Empty>}
      </Panel>
    </div>
  );
}

function ClassView({ value, range }: { value: string; range: RangeState }) {
  const group = useData(() => get<Group>(`/groups/class/${encodeURIComponent(value)}`, { ...rangeParams(range), model: M }), [value, JSON.stringify(range)]);
  if (group.error) return <ErrorBox error={group.error} retry={group.reload} />;
  if (!group.data) return <Loading />;
  const g = group.data;
  return (
    <div>
      <dl class="stats">
        <div>
          <dt>Members</dt>
          <dd>{g.members}</dd>
        </div>
        <div>
          <dt>Active</dt>
          <dd>{g.activeMembers}</dd>
        </div>
        {g.metrics.slice(0, 4).map((m) => (
          <div key={m.metric}>
            <dt>{m.label}</dt>
            <dd>{formatValue(m.value, m.format)}</dd>
          </div>
        ))}
      </dl>
      <div class="two">
        <div>
          <h3>Top</h3>
          <ol>{g.top.map((p) => <li key={p.actor}>{p.actor} · {formatValue(p.value, 'integer')}</li>)}</ol>
        </div>
        <div>
          <h3>Needs help</h3>
          <ol>{g.bottom.map((p) => <li key={p.actor}>{p.actor} · {formatValue(p.value, 'integer')}</li>)}</ol>
        </div>
      </div>
    </div>
  );
}

function StudentView({ actor, range }: { actor: string; range: RangeState }) {
  const { models } = useSession();
  const model = models.find((m) => m.name === M);
  const state = useData(() => get<Insights>(`/actors/${encodeURIComponent(actor)}/insights`, { ...rangeParams(range), model: M }), [actor, JSON.stringify(range)]);
  if (state.error) return <ErrorBox error={state.error} retry={state.reload} />;
  if (!state.data) return <Loading />;
  const d = state.data;
  const fmt = (name: string): string => model?.metrics.find((m) => m.name === name)?.format ?? 'number';
  const label = (name: string): string => model?.metrics.find((m) => m.name === name)?.label ?? name;
  const first = Object.keys(d.series.values)[0] ?? 'xp_earned';
  const mastery = d.breakdown?.items ?? [];
  const masteryMetric = mastery[0] && 'avg_score' in mastery[0].metrics ? 'avg_score' : Object.keys(mastery[0]?.metrics ?? {})[0] ?? '';
  return (
    <div class="grid">
      <Panel title="Streak">
        <dl class="stats">
          <div>
            <dt>Current streak</dt>
            <dd data-streak={d.streak.current}>{d.streak.current} days{d.streak.activeToday ? ' · active today' : ''}</dd>
          </div>
          <div>
            <dt>Longest</dt>
            <dd>{d.streak.longest} days</dd>
          </div>
          <div>
            <dt>Rank</dt>
            <dd>{d.rank.rank === null ? '—' : `#${d.rank.rank} of ${d.rank.participants}`}</dd>
          </div>
          <div>
            <dt>Last seen</dt>
            <dd>{new Date(d.lastSeen).toLocaleDateString('en')}</dd>
          </div>
        </dl>
        <dl class="stats">
          {Object.entries(d.totals).map(([m, v]) => (
            <div key={m}>
              <dt>{label(m)}</dt>
              <dd>
                {formatValue(v, fmt(m))} <small class={(d.change[m] ?? 0) >= 0 ? 'up' : 'down'}>{formatChange(d.change[m])}</small>
              </dd>
            </div>
          ))}
        </dl>
      </Panel>
      <Panel title={`Mastery per ${d.breakdown?.dimension ?? 'course'}`}>
        {mastery.length === 0 ? (
          <Empty>No course activity in this range.</Empty>
        ) : (
          <ChartView categorical type="bar" name="mastery" height={240} labels={mastery.map((i) => String(i.value))} datasets={[{ label: label(masteryMetric), data: mastery.map((i) => i.metrics[masteryMetric] ?? null) }]} />
        )}
      </Panel>
      <Panel title={`${label(first)} per day`} wide>
        <ChartView type="bar" name="student-daily" height={220} labels={d.series.buckets.map((b) => formatBucket(b, '1d', range.timezone))} datasets={[{ label: label(first), data: d.series.values[first] ?? [] }]} />
      </Panel>
    </div>
  );
}
