/** A KPI: value, change against the previous period (green up, red down) and a sparkline. */
import type { Kpi } from '../api';
import { formatChange, formatValue } from '../format';
import { Sparkline } from './chart';

export function KpiCard({ kpi, selected, onSelect }: { kpi: Kpi; selected?: boolean; onSelect?: () => void }) {
  const trend = kpi.change === null ? 'flat' : kpi.change > 0 ? 'up' : kpi.change < 0 ? 'down' : 'flat';
  return (
    <button
      type="button"
      class={selected ? 'kpi selected' : 'kpi'}
      data-kpi={kpi.metric}
      data-value={kpi.value === null ? '' : String(kpi.value)}
      aria-pressed={selected}
      onClick={onSelect}
      title={`Previous period: ${formatValue(kpi.previous, kpi.format)}`}
    >
      <span class="kpi-label">{kpi.label}</span>
      <span class="kpi-value">{formatValue(kpi.value, kpi.format)}</span>
      <span class={`kpi-change ${trend}`}>
        {trend === 'up' ? '▲ ' : trend === 'down' ? '▼ ' : ''}
        {formatChange(kpi.change)}
        <span class="sr-only"> versus the previous period</span>
      </span>
      <Sparkline values={kpi.series} color={trend === 'down' ? '#ef4444' : '#4f46e5'} />
    </button>
  );
}
