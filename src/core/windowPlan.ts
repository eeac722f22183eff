/**
 * Plans the analysis of a sequence longer than the context: overlapping windows,
 * each evaluated fresh, where every position is reported from exactly one window
 * and (after the first) has at least half a window of history.
 */

export interface Window {
  /** First position evaluated. */
  readonly start: number;
  /** One past the last position evaluated. */
  readonly end: number;
  /** Positions [reportFrom, end) take their numbers from this window. */
  readonly reportFrom: number;
}

/** Windows over `length` positions with at most `capacity` positions each. */
export function planWindows(length: number, capacity: number): Window[] {
  if (!Number.isInteger(capacity) || capacity < 2) throw new RangeError(`window capacity must be an integer ≥ 2, got ${capacity}`);
  if (length <= capacity) return [{ start: 0, end: length, reportFrom: 0 }];
  const stride = Math.floor(capacity / 2);
  const windows: Window[] = [];
  let reportFrom = 0;
  for (let start = 0; ; start += stride) {
    const end = Math.min(start + capacity, length);
    windows.push({ start, end, reportFrom });
    if (end === length) return windows;
    reportFrom = end;
  }
}
