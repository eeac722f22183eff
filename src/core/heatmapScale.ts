/**
 * Maps a per-token metric (bits) to one of a fixed number of colour levels, and
 * describes the scale for legends.
 */
import type { Metric, TokenStat } from './analysis';

export const HEATMAP_LEVELS = 8;

/** The metric's value for a token, or null when the token has no statistics. */
export function metricValue(token: TokenStat, metric: Metric): number | null {
  return metric === 'entropy' ? token.entropy : token.surprisal;
}

/** Level 0..HEATMAP_LEVELS−1 of `bits` on a linear scale from 0 to `maxBits`. */
export function levelOf(bits: number, maxBits: number): number {
  if (!(bits > 0)) return 0;
  const level = Math.floor((bits / maxBits) * HEATMAP_LEVELS);
  return Math.min(HEATMAP_LEVELS - 1, level);
}

/** The range of bits each level stands for, for legends. */
export function levelBounds(maxBits: number): Array<{ level: number; from: number; to: number }> {
  const step = maxBits / HEATMAP_LEVELS;
  return Array.from({ length: HEATMAP_LEVELS }, (_, level) => ({
    level,
    from: level * step,
    to: level === HEATMAP_LEVELS - 1 ? Infinity : (level + 1) * step,
  }));
}

/** A token range and its level: what the heatmap paints. Empty spans are skipped. */
export interface LevelRange {
  readonly start: number;
  readonly end: number;
  readonly level: number;
  readonly index: number;
}

/** Ranges to paint for `tokens`, one per token with statistics and a non-empty span. */
export function heatmapRanges(tokens: readonly TokenStat[], metric: Metric, maxBits: number): LevelRange[] {
  const out: LevelRange[] = [];
  for (const t of tokens) {
    const v = metricValue(t, metric);
    if (v === null || t.end <= t.start) continue;
    out.push({ start: t.start, end: t.end, level: levelOf(v, maxBits), index: t.index });
  }
  return out;
}
