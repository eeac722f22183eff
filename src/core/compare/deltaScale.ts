/**
 * The diverging scale a comparison paints: a token's Δ (current − old, bits)
 * of the heatmap's metric goes to one of three steps up (more surprising or
 * uncertain now: red) or down (less: blue); within ±0.1 bits (the project's
 * noise tolerance) it is unchanged and not painted. Tokens with no old token
 * are marked new. Colours per step and theme kind are package.json's
 * `iclLens.compare.*` defaults (listed here so a test keeps them equal).
 */
import type { Metric } from '../analysis';
import type { RevisionComparison } from './revisions';

/** |Δ| from which a token is painted in step 1, 2, 3. */
export const DELTA_STEPS_BITS = [0.1, 1, 3] as const;

export type DeltaDirection = 'more' | 'less';

export interface DeltaRange {
  readonly start: number;
  readonly end: number;
  readonly direction: DeltaDirection;
  /** 1..3. */
  readonly step: number;
}

export interface ComparisonRanges {
  readonly deltas: readonly DeltaRange[];
  /** Spans of tokens with no old token. */
  readonly added: ReadonlyArray<{ readonly start: number; readonly end: number }>;
}

/** The step of |Δ|: 0 (unchanged, not painted) to 3. */
export function deltaStep(delta: number): number {
  const a = Math.abs(delta);
  let step = 0;
  for (const bound of DELTA_STEPS_BITS) if (a >= bound) step++;
  return step;
}

/** The colour id of a direction and step (contributes.colors). */
export function deltaColorId(direction: DeltaDirection, step: number): string {
  return `iclLens.compare.${direction}${step}`;
}

/** What to paint for `metric` over the current text's tokens (their spans from `tokens`). */
export function comparisonRanges(
  tokens: ReadonlyArray<{ readonly start: number; readonly end: number }>,
  comparison: RevisionComparison,
  metric: Metric,
): ComparisonRanges {
  const deltas: DeltaRange[] = [];
  const added: Array<{ start: number; end: number }> = [];
  for (const d of comparison.deltas) {
    const { start, end } = tokens[d.index];
    if (end <= start) continue;
    if (d.oldIndex === null) {
      added.push({ start, end });
      continue;
    }
    const value = metric === 'surprisal' ? d.deltaSurprisal : d.deltaEntropy;
    if (value === null) continue;
    const step = deltaStep(value);
    if (step > 0) deltas.push({ start, end, direction: value > 0 ? 'more' : 'less', step });
  }
  return { deltas, added };
}

/** Default colours per theme kind (package.json's contributes.colors), by direction and step 1..3. */
export const DELTA_COLOR_DEFAULTS: Readonly<Record<'dark' | 'light' | 'highContrast' | 'highContrastLight', Readonly<Record<DeltaDirection, readonly string[]>>>> = {
  dark: { more: ['#f1484830', '#f1484868', '#f14848a8'], less: ['#3794ff30', '#3794ff68', '#3794ffa8'] },
  light: { more: ['#e5140026', '#e5140055', '#e5140090'], less: ['#005fb826', '#005fb855', '#005fb890'] },
  highContrast: { more: ['#ff6b6b66', '#ff6b6baa', '#ff6b6bff'], less: ['#6bb5ff66', '#6bb5ffaa', '#6bb5ffff'] },
  highContrastLight: { more: ['#b5000055', '#b5000099', '#b50000dd'], less: ['#0045a055', '#0045a099', '#0045a0dd'] },
};
