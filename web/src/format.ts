/** Number formatting by the model's metric format; one place so cards, tables and tests agree. */
const compact = new Intl.NumberFormat('en', { notation: 'compact', maximumFractionDigits: 1 });
const plain = new Intl.NumberFormat('en', { maximumFractionDigits: 2 });
const integer = new Intl.NumberFormat('en', { maximumFractionDigits: 0 });

export function formatValue(value: number | null | undefined, format = 'number'): string {
  if (value === null || value === undefined || Number.isNaN(value)) return '—';
  switch (format) {
    case 'percent':
      return `${(value * 100).toFixed(1)}%`;
    case 'currency':
      return Math.abs(value) >= 100_000 ? compact.format(value) : plain.format(Number(value.toFixed(2)));
    case 'hours':
      return `${plain.format(Number(value.toFixed(1)))} h`;
    case 'seconds':
      return `${plain.format(Number(value.toFixed(1)))} s`;
    case 'integer':
      return Math.abs(value) >= 1_000_000 ? compact.format(value) : integer.format(value);
    default:
      return Math.abs(value) >= 1_000_000 ? compact.format(value) : plain.format(Number(value.toFixed(2)));
  }
}

export function formatChange(change: number | null | undefined): string {
  if (change === null || change === undefined || !Number.isFinite(change)) return 'no previous data';
  const sign = change > 0 ? '+' : change < 0 ? '−' : '±';
  return `${sign}${Math.abs(change * 100).toFixed(1)}%`;
}

export function formatBucket(iso: string, granularity: string | undefined, timezone?: string): string {
  const d = new Date(iso);
  const tz = timezone && timezone !== 'UTC' ? timezone : 'UTC';
  if (granularity && /^(1m|5m|15m|30m|1h|6h)$/.test(granularity)) {
    return d.toLocaleString('en', { timeZone: tz, month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', hour12: false });
  }
  return d.toLocaleDateString('en', { timeZone: tz, month: 'short', day: 'numeric', year: granularity === '1mo' || granularity === '1y' ? 'numeric' : undefined });
}

export function formatBytes(n: number | null | undefined): string {
  if (n === null || n === undefined) return '—';
  return `${(n / 1024 / 1024).toFixed(0)} MB`;
}
