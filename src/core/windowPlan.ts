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

/** What decides the order in which windows are evaluated (windowOrder). */
export interface WindowOrderHints {
  /** Windows whose rows are known already (no evaluation): reported first, in document order. */
  readonly ready: (i: number) => boolean;
  /** Windows that report positions the user sees: evaluated before the others. */
  readonly priority: (i: number) => boolean;
  /** The window whose first rows the sequence holds (reusable only if it is evaluated before any other), if any. */
  readonly held?: number;
}

/**
 * The order in which to evaluate `count` windows. Windows are independent (each
 * is evaluated fresh), so any order gives the same numbers; this one paints what
 * the user sees first and wastes no cache: the ready windows, then the held one
 * when it needs evaluation and evaluating it first delays no priority window
 * (it is one, or every priority window is ready), then the priority windows,
 * then the rest, each group in document order.
 */
export function windowOrder(count: number, hints: WindowOrderHints): number[] {
  const all = Array.from({ length: count }, (_, i) => i);
  const ready = all.filter((i) => hints.ready(i));
  const pending = all.filter((i) => !hints.ready(i));
  const priority = pending.filter((i) => hints.priority(i));
  const held = hints.held !== undefined && pending.includes(hints.held) && (priority.length === 0 || priority.includes(hints.held)) ? hints.held : undefined;
  const first = held === undefined ? [] : [held];
  const rest = (xs: number[]) => xs.filter((i) => i !== held);
  return [...ready, ...first, ...rest(priority), ...rest(pending.filter((i) => !hints.priority(i)))];
}
