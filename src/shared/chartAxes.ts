/**
 * Axis bounds for the panel's charts, pure so they are tested without a canvas:
 * a series never sits on the plot's border (a line at exactly 0 or 1 stays
 * visible), and two y-axes of one chart put their zeros at the same height.
 */

/** An axis's drawn range. */
export interface AxisBounds {
  readonly min: number;
  readonly max: number;
}

/** The fraction of the range added on each side of the values. */
export const AXIS_PADDING = 0.05;

/**
 * Bounds holding [lo, hi] with `fraction` of the span (or of 1, when the span
 * is 0) added on each side, so no value lands on the border.
 */
export function paddedBounds(lo: number, hi: number, fraction = AXIS_PADDING): AxisBounds {
  if (!Number.isFinite(lo) || !Number.isFinite(hi)) return { min: 0, max: 1 };
  const [a, b] = lo <= hi ? [lo, hi] : [hi, lo];
  const span = b - a > 0 ? b - a : Math.max(Math.abs(a), 1);
  return { min: a - fraction * span, max: b + fraction * span };
}

/** The finite values' range, or undefined when there is none. */
export function valueRange(values: ReadonlyArray<number | null | undefined>): { lo: number; hi: number } | undefined {
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of values) {
    if (typeof v !== 'number' || !Number.isFinite(v)) continue;
    lo = Math.min(lo, v);
    hi = Math.max(hi, v);
  }
  return lo <= hi ? { lo, hi } : undefined;
}

/**
 * Two axes' bounds widened (never narrowed) so that 0 sits at the same height
 * on both: each includes 0, and both have the same share of their range below
 * it. The share is the larger of the two (an axis with negative values keeps
 * its room below zero); where one axis is all below zero and the other is not,
 * zero sits at mid-height or above, so both keep their values.
 */
export function alignZeros(a: AxisBounds, b: AxisBounds): [AxisBounds, AxisBounds] {
  const withZero = (x: AxisBounds): AxisBounds => ({ min: Math.min(x.min, 0), max: Math.max(x.max, 0) });
  const [x, y] = [withZero(a), withZero(b)];
  const below = (r: AxisBounds) => (r.max - r.min > 0 ? -r.min / (r.max - r.min) : 0);
  const shares = [below(x), below(y)];
  let share = Math.max(...shares);
  // One axis entirely below zero, the other not: zero mid-height at least, so both keep their values.
  if (share >= 1 && (x.max > 0 || y.max > 0)) share = Math.max(0.5, Math.min(...shares));
  if (share >= 1) return [x, y];
  const fit = (r: AxisBounds): AxisBounds => {
    if (r.max - r.min <= 0) return r;
    // below / (below + above) = share, widening whichever side is short.
    const needBelow = (share * r.max) / (1 - share);
    if (-r.min < needBelow) return { min: -needBelow, max: r.max };
    const needAbove = share > 0 ? (-r.min * (1 - share)) / share : r.max;
    return { min: r.min, max: Math.max(r.max, needAbove) };
  };
  return [fit(x), fit(y)];
}

/** The height (0 bottom, 1 top) at which `value` sits on an axis with `bounds`. */
export function heightOf(bounds: AxisBounds, value: number): number {
  return (value - bounds.min) / (bounds.max - bounds.min);
}
