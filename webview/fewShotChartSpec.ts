// What a few-shot chart is, independent of the DOM: an id, a title, and a pure
// function from the view and theme to a chart.js configuration (or nothing, when
// the view has no data for it). Shared axis and number helpers live here too.
import type { ChartConfiguration, ChartType, ScaleOptions } from 'chart.js';
import type { FewShotProbe, FewShotView, VerdictView } from '../src/shared/protocol';
import { paddedBounds, type AxisBounds } from '../src/shared/chartAxes';
import type { ChartTheme } from './chartTheme';

/** A chart.js configuration of any chart type (the few-shot charts mix bar, line and scatter). */
export type AnyChartConfiguration = ChartConfiguration<ChartType, unknown[], unknown>;

/** One drawable chart for a view. */
export interface FewShotChartBuild {
  readonly config: AnyChartConfiguration;
  /** The canvas's accessible name: what the chart shows, in a sentence. */
  readonly description: string;
  /** What the chart found, in one plain line (coloured by its tone). */
  readonly verdict?: VerdictView;
  /** A line of details under the verdict (totals, tolerances), if any. */
  readonly note?: string;
  /** The 1-based example a clicked element stands for, if it stands for one. */
  readonly exampleAt?: (datasetIndex: number, index: number) => number | undefined;
}

/** A few-shot chart: `id` matches /^[\w-]{1,40}$/ and names it in PNG exports and `fewShot/measured`. */
export interface FewShotChartSpec {
  readonly id: string;
  readonly title: string;
  /** The probe whose report the chart draws, if one does: out of date, the chart is marked and offers Re-run. */
  readonly probe?: FewShotProbe;
  /** The chart for `view`, or undefined when the view has nothing to draw (the chart is hidden). */
  build(view: FewShotView, theme: ChartTheme): FewShotChartBuild | undefined;
}

/** A number as tooltips and notes show it: four significant digits (trailing zeros dropped), or a dash. */
export const exact = (x: number | null | undefined): string => (x === null || x === undefined || !Number.isFinite(x) ? '—' : String(Number(x.toPrecision(4))));

/** A tooltip line: the dataset's label and the exact value. */
export const exactLabel = (item: { dataset: { label?: string }; raw: unknown }): string => `${item.dataset.label}: ${exact(item.raw as number | null)}`;

/** Axis labels are short; tooltips carry the full text. */
export const shorten = (s: string, max = 14): string => (s.length <= max ? s : `${s.slice(0, max - 1)}…`);

/** A themed axis with an optional title; `extra` overrides or adds options. */
export function axis(theme: ChartTheme, title: string | undefined, extra: Record<string, unknown> = {}): ScaleOptions {
  return {
    title: { display: title !== undefined, text: title ?? '', color: theme.foreground },
    // Bounds are padded past the values: ticks only at round values inside them.
    ticks: { color: theme.foreground, includeBounds: false },
    grid: { color: theme.grid },
    border: { color: theme.grid },
    ...extra,
  } as ScaleOptions;
}

/** Fixed axis bounds for chart.js. */
export const bounds = (b: AxisBounds): { min: number; max: number } => ({ min: b.min, max: b.max });

/** `toleranceRange`, padded so no value sits on the plot's border. */
export function paddedToleranceRange(values: ReadonlyArray<number | null | undefined>, tolerance: number, center?: number): AxisBounds {
  const r = toleranceRange(values, tolerance, center);
  return paddedBounds(r.suggestedMin, r.suggestedMax);
}

/** Options every few-shot chart shares: no animation, fill the container, a themed legend. */
export function baseOptions(theme: ChartTheme): Record<string, unknown> {
  return {
    animation: false,
    maintainAspectRatio: false,
    // Legend in dataset order (chart.js sorts by the drawing `order` otherwise).
    plugins: { legend: { labels: { color: theme.foreground, boxWidth: 12, sort: (a: { datasetIndex?: number }, b: { datasetIndex?: number }) => (a.datasetIndex ?? 0) - (b.datasetIndex ?? 0) } } },
  };
}

/** Whether any value is a number. */
export const anyNumber = (values: ReadonlyArray<number | null | undefined>): boolean => values.some((v) => typeof v === 'number' && Number.isFinite(v));

/** A small deterministic vertical offset for strip plots, so equal values do not hide each other. */
export const jitter = (i: number): number => (((i * 7) % 11) - 5) / 12;

/**
 * Axis bounds that never zoom into a range narrower than ± `tolerance` around
 * the values (or around `center`): an effect inside the tolerance must not look
 * large because the axis shrank to fit it.
 */
export function toleranceRange(values: ReadonlyArray<number | null | undefined>, tolerance: number, center?: number): { suggestedMin: number; suggestedMax: number } {
  const xs = values.filter((v): v is number => typeof v === 'number' && Number.isFinite(v));
  const mid = center ?? (xs.length > 0 ? (Math.min(...xs) + Math.max(...xs)) / 2 : 0);
  const half = Math.max(tolerance, 1e-9);
  return { suggestedMin: Math.min(mid - half, ...xs), suggestedMax: Math.max(mid + half, ...xs) };
}
