/**
 * A Chart.js canvas. The plotted numbers are mirrored into `data-chart` (JSON) on the wrapper so
 * end-to-end tests can assert what is drawn without reading pixels; a text summary is given to
 * screen readers through aria-label.
 */
import {
  ArcElement, BarController, BarElement, CategoryScale, Chart, DoughnutController, Filler, Legend,
  LinearScale, LineController, LineElement, PointElement, Tooltip,
} from 'chart.js';
import type { ChartType } from 'chart.js';
import { useEffect, useRef } from 'preact/hooks';

Chart.register(ArcElement, BarController, BarElement, CategoryScale, DoughnutController, Filler, Legend, LinearScale, LineController, LineElement, PointElement, Tooltip);

export const PALETTE = ['#4f46e5', '#0ea5e9', '#10b981', '#f59e0b', '#ef4444', '#8b5cf6', '#ec4899', '#14b8a6', '#84cc16', '#64748b'];

export interface Dataset {
  label: string;
  data: (number | null)[];
  color?: string;
  dashed?: boolean;
}

interface Props {
  type: 'line' | 'bar' | 'doughnut';
  labels: string[];
  datasets: Dataset[];
  height?: number;
  name: string;
  stacked?: boolean;
  /** Category labels (not time): show them all, tilted if needed. */
  categorical?: boolean;
}

function textColor(): string {
  return matchMedia('(prefers-color-scheme: dark)').matches ? '#cbd5e1' : '#475569';
}

export function ChartView({ type, labels, datasets, height = 280, name, stacked = false, categorical = false }: Props) {
  const canvas = useRef<HTMLCanvasElement>(null);
  const chart = useRef<Chart | null>(null);
  const chartType = useRef<string | null>(null);

  useEffect(() => {
    if (!canvas.current) return;
    const color = textColor();
    const grid = matchMedia('(prefers-color-scheme: dark)').matches ? 'rgba(148,163,184,0.15)' : 'rgba(100,116,139,0.15)';
    const sets = datasets.map((d, i) => {
      const c = d.color ?? PALETTE[i % PALETTE.length] ?? '#4f46e5';
      return {
        label: d.label,
        data: d.data,
        borderColor: type === 'doughnut' ? undefined : c,
        backgroundColor: type === 'doughnut' ? labels.map((_, j) => PALETTE[j % PALETTE.length] ?? c) : type === 'bar' ? c : `${c}22`,
        borderDash: d.dashed ? [5, 4] : undefined,
        borderWidth: type === 'doughnut' ? 0 : 2,
        pointRadius: labels.length > 48 ? 0 : 2,
        fill: type === 'line' && !d.dashed && datasets.length === 1,
        tension: 0.25,
      };
    });
    const scales =
      type === 'doughnut'
        ? {}
        : {
            x: { stacked, ticks: categorical ? { color, autoSkip: false, maxRotation: 50 } : { color, maxRotation: 0, autoSkip: true, maxTicksLimit: innerWidth < 600 ? 4 : 8 }, grid: { display: false } },
            y: { stacked, beginAtZero: true, ticks: { color }, grid: { color: grid } },
          };
    const options = {
      responsive: true,
      maintainAspectRatio: false,
      animation: { duration: 250 },
      interaction: { mode: 'index' as const, intersect: false },
      plugins: { legend: { display: datasets.length > 1 || type === 'doughnut', labels: { color, boxWidth: 12 } } },
      scales,
    };
    if (chart.current && chartType.current === type) {
      chart.current.data.labels = labels;
      chart.current.data.datasets = sets;
      chart.current.update();
    } else {
      chart.current?.destroy();
      chart.current = new Chart(canvas.current, { type: type as ChartType, data: { labels, datasets: sets }, options });
      chartType.current = type;
    }
  }, [type, labels, datasets, stacked, categorical]);

  useEffect(() => () => chart.current?.destroy(), []);

  const summary = datasets.map((d) => `${d.label}: ${d.data.length} points`).join(', ');
  return (
    <div class="chart" style={{ height: `${height}px` }} data-chart={JSON.stringify({ labels, datasets: datasets.map((d) => ({ label: d.label, data: d.data })) })} data-name={name}>
      <canvas ref={canvas} role="img" aria-label={`${name} chart. ${summary}`} />
    </div>
  );
}

/** A tiny line without axes for KPI cards. */
export function Sparkline({ values, color = '#4f46e5' }: { values: (number | null)[]; color?: string }) {
  const max = Math.max(...values.map((v) => v ?? 0), 0);
  const min = Math.min(...values.map((v) => v ?? 0), 0);
  const span = max - min || 1;
  const step = values.length > 1 ? 100 / (values.length - 1) : 100;
  const points = values.map((v, i) => `${(i * step).toFixed(2)},${(28 - (((v ?? 0) - min) / span) * 26).toFixed(2)}`).join(' ');
  return (
    <svg class="spark" viewBox="0 0 100 30" preserveAspectRatio="none" aria-hidden="true">
      <polyline points={points} fill="none" stroke={color} stroke-width="2" vector-effect="non-scaling-stroke" />
    </svg>
  );
}
