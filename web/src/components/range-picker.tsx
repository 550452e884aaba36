/** Range presets, a custom from/to range, granularity and timezone: the controls every chart shares. */
import { useState } from 'preact/hooks';

export const PRESETS = ['24h', '7d', '30d', '90d'] as const;
export const GRANULARITIES = ['auto', '1h', '1d', '1w', '1mo'] as const;
export const TIMEZONES = ['UTC', 'Europe/Berlin', 'Europe/London', 'America/New_York', 'America/Los_Angeles', 'Asia/Tokyo', 'Australia/Sydney'];

export interface RangeState {
  range: string; // a preset, or "custom"
  from: string; // yyyy-mm-dd for custom
  to: string;
  granularity: string;
  timezone: string;
}

export function timeRangeOf(s: RangeState): { preset: string } | { from: string; to: string } {
  if (s.range === 'custom' && s.from && s.to) {
    // The end date is inclusive for people, exclusive for the API: add a day.
    const to = new Date(`${s.to}T00:00:00Z`);
    to.setUTCDate(to.getUTCDate() + 1);
    return { from: new Date(`${s.from}T00:00:00Z`).toISOString(), to: to.toISOString() };
  }
  return { preset: s.range === 'custom' ? '7d' : s.range };
}

/** Query-string parameters for GET views (range or from/to). */
export function rangeParams(s: RangeState): Record<string, string> {
  const tr = timeRangeOf(s);
  return 'preset' in tr ? { range: tr.preset, timezone: s.timezone } : { from: tr.from, to: tr.to, timezone: s.timezone };
}

export function RangePicker({ value, onChange, showGranularity = true }: { value: RangeState; onChange: (s: RangeState) => void; showGranularity?: boolean }) {
  const [custom, setCustom] = useState(value.range === 'custom');
  const set = (patch: Partial<RangeState>): void => onChange({ ...value, ...patch });
  return (
    <div class="toolbar" role="group" aria-label="Time range">
      <div class="segmented" role="radiogroup" aria-label="Range preset">
        {PRESETS.map((p) => (
          <button
            type="button"
            key={p}
            role="radio"
            aria-checked={value.range === p}
            class={value.range === p ? 'on' : ''}
            data-range={p}
            onClick={() => {
              setCustom(false);
              set({ range: p });
            }}
          >
            {p}
          </button>
        ))}
        <button type="button" role="radio" aria-checked={value.range === 'custom'} class={value.range === 'custom' ? 'on' : ''} onClick={() => setCustom(!custom)}>
          Custom
        </button>
      </div>
      {custom && (
        <form
          class="custom-range"
          onSubmit={(e) => {
            e.preventDefault();
            const data = new FormData(e.currentTarget);
            set({ range: 'custom', from: String(data.get('from')), to: String(data.get('to')) });
          }}
        >
          <label>
            From <input type="date" name="from" required defaultValue={value.from} />
          </label>
          <label>
            To <input type="date" name="to" required defaultValue={value.to} />
          </label>
          <button type="submit">Apply</button>
        </form>
      )}
      {showGranularity && (
        <label>
          <span class="sr-only">Granularity</span>
          <select aria-label="Granularity" value={value.granularity} onChange={(e) => set({ granularity: e.currentTarget.value })}>
            {GRANULARITIES.map((g) => (
              <option value={g} key={g}>
                {g === 'auto' ? 'Auto' : `Per ${g}`}
              </option>
            ))}
          </select>
        </label>
      )}
      <label>
        <span class="sr-only">Timezone</span>
        <select aria-label="Timezone" value={value.timezone} onChange={(e) => set({ timezone: e.currentTarget.value })}>
          {TIMEZONES.map((z) => (
            <option value={z} key={z}>
              {z}
            </option>
          ))}
        </select>
      </label>
    </div>
  );
}

/** Range state read from and written to the URL so a view can be shared. */
export function rangeFromUrl(search: URLSearchParams, fallback = '7d'): RangeState {
  return {
    range: search.get('range') ?? fallback,
    from: search.get('from') ?? '',
    to: search.get('to') ?? '',
    granularity: search.get('granularity') ?? 'auto',
    timezone: search.get('tz') ?? 'UTC',
  };
}

export function rangeToUrl(s: RangeState): Record<string, string | null> {
  return { range: s.range, from: s.range === 'custom' ? s.from : null, to: s.range === 'custom' ? s.to : null, granularity: s.granularity === 'auto' ? null : s.granularity, tz: s.timezone === 'UTC' ? null : s.timezone };
}
