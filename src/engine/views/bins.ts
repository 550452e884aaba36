/**
 * Round histogram edges: a width of 1, 2, 2.5 or 5 × 10^k and a first edge that is a multiple of
 * it, so bins read 0–10, 10–20 … instead of 3.17–9.84. At most `requested` bins cover [min, max];
 * the last bin includes its upper edge (the maximum). One bin over values on both sides of 0 is
 * min…max (no aligned bin can hold them).
 */

export interface BinLayout {
  start: number;
  width: number;
  bins: number;
}

const STEPS = [1, 2, 2.5, 5, 10];

/** Rounds away binary noise (0.1 × 3 = 0.30000000000000004) from computed edges. */
export function tidy(x: number): number {
  return Number(x.toPrecision(12));
}

/** The smallest round width ≥ raw. */
export function niceWidth(raw: number): number {
  if (!(raw > 0) || !Number.isFinite(raw)) return 1;
  const scale = 10 ** Math.floor(Math.log10(raw));
  const step = STEPS.find((s) => s * scale >= raw * (1 - 1e-12)) ?? 10;
  return tidy(step * scale);
}

function nextWidth(width: number): number {
  return niceWidth(width * 1.000001);
}

export function binLayout(min: number, max: number, requested: number): BinLayout {
  if (min === max) return { start: min, width: 0, bins: 1 };
  // One bin starting at a multiple of its width never holds values on both sides of 0 (it would
  // be [−w, 0) or [0, w)); asked for one bin, such values get min…max.
  if (requested === 1 && min < 0 && max > 0) return { start: min, width: max - min, bins: 1 };
  let width = niceWidth((max - min) / requested);
  for (;;) {
    const start = tidy(Math.floor(min / width) * width);
    const bins = Math.max(1, Math.ceil(tidy((max - start) / width)));
    if (bins <= requested) return { start, width, bins };
    width = nextWidth(width);
  }
}

/**
 * Edges of bin i; a single degenerate bin (min = max) is [min, min]. Aligned edges are computed as
 * multiples of the width (−73 × 0.025 + 73 × 0.025 would be 2.2e-16, not 0).
 */
export function binEdges(layout: BinLayout, i: number): { from: number; to: number } {
  if (layout.width === 0) return { from: layout.start, to: layout.start };
  const k = Math.round(layout.start / layout.width);
  const aligned = Math.abs(k * layout.width - layout.start) <= 1e-9 * layout.width;
  const edge = (j: number): number => tidy(aligned ? (k + j) * layout.width : layout.start + j * layout.width);
  return { from: edge(i), to: edge(i + 1) };
}
