/**
 * How the panel's host side keeps its messages few: each part of the snapshot
 * is rebuilt only when what it is built from changed (compared by identity, never
 * by walking its arrays), and changes arriving in a burst are coalesced into at
 * most one post per interval. No vscode here, so it is tested on its own.
 */

/** Whether two keys hold the same things, element by element, by identity. */
export function sameKey(a: readonly unknown[], b: readonly unknown[]): boolean {
  return a.length === b.length && a.every((x, i) => Object.is(x, b[i]));
}

/**
 * One part of the snapshot with the key it was built from: rebuilt (and its
 * revision bumped) only when the key changes.
 */
export class SnapshotPart<T> {
  private key?: readonly unknown[];
  private value?: T;
  /** Bumped each time the part is rebuilt; the webview redraws a section only when its revision moved. */
  revision = 0;

  /** The part for `key`, built by `build` when the key differs from the last one. */
  get(key: readonly unknown[], build: () => T): T {
    if (!this.key || !sameKey(this.key, key)) {
      this.value = build();
      this.key = key;
      this.revision++;
    }
    return this.value as T;
  }
}

/** The timers a Coalescer uses (the global ones unless a test gives its own). */
export interface CoalescerClock {
  now(): number;
  setTimeout(run: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

const GLOBAL_CLOCK: CoalescerClock = {
  now: () => Date.now(),
  setTimeout: (run, ms) => setTimeout(run, ms),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

/**
 * Runs `run` at most once per `intervalMs` however often `request` is called:
 * the first request after a quiet interval runs on the next turn of the event
 * loop (so one burst of synchronous events is one run), later ones wait for the
 * interval's end and are merged.
 */
export class Coalescer {
  private timer: unknown;
  private last = -Infinity;

  constructor(private readonly intervalMs: number, private readonly run: () => void, private readonly clock: CoalescerClock = GLOBAL_CLOCK) {}

  request(): void {
    if (this.timer !== undefined) return;
    const wait = Math.max(0, this.last + this.intervalMs - this.clock.now());
    this.timer = this.clock.setTimeout(() => {
      this.timer = undefined;
      this.last = this.clock.now();
      this.run();
    }, wait);
  }

  /** Drop a pending run (the caller just did the work itself). */
  cancel(): void {
    if (this.timer === undefined) return;
    this.clock.clearTimeout(this.timer);
    this.timer = undefined;
  }

  dispose(): void {
    this.cancel();
  }
}
