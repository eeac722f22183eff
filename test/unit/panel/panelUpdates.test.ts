/** The panel host's update discipline: sections rebuilt only when their inputs change, posts coalesced in time. */
import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Coalescer, SnapshotPart, sameKey, type CoalescerClock } from '../../../src/panel/panelUpdates';

/** A clock the test moves by hand: timers run when `advance` passes their time. */
class ManualClock implements CoalescerClock {
  private t = 0;
  private timers: Array<{ at: number; run: () => void; id: number }> = [];
  private ids = 0;
  now(): number { return this.t; }
  setTimeout(run: () => void, ms: number): unknown {
    const id = ++this.ids;
    this.timers.push({ at: this.t + ms, run, id });
    return id;
  }
  clearTimeout(handle: unknown): void { this.timers = this.timers.filter((x) => x.id !== handle); }
  advance(ms: number): void {
    const end = this.t + ms;
    for (;;) {
      const due = this.timers.filter((x) => x.at <= end).sort((a, b) => a.at - b.at)[0];
      if (!due) break;
      this.timers = this.timers.filter((x) => x !== due);
      this.t = due.at;
      due.run();
    }
    this.t = end;
  }
}

describe('sameKey', () => {
  it('compares element by element by identity, not by contents', () => {
    const a = [1, 2];
    assert.equal(sameKey([a, 'x', undefined], [a, 'x', undefined]), true);
    assert.equal(sameKey([a], [[1, 2]]), false, 'an equal copy is another input');
    assert.equal(sameKey([a], [a, undefined]), false);
    assert.equal(sameKey([Number.NaN], [Number.NaN]), true);
  });
});

describe('SnapshotPart', () => {
  it('builds once per key and bumps its revision only when the key changes', () => {
    const part = new SnapshotPart<string[]>();
    let builds = 0;
    const sweep = { ks: [1] };
    const first = part.get([sweep, 3], () => { builds++; return ['a']; });
    assert.equal(part.get([sweep, 3], () => { builds++; return ['b']; }), first);
    assert.equal(builds, 1);
    assert.equal(part.revision, 1);
    // The runner replaces the sweep with a new partial result: a new key.
    part.get([{ ks: [1, 2] }, 3], () => { builds++; return ['c']; });
    assert.equal(builds, 2);
    assert.equal(part.revision, 2);
  });
});

describe('Coalescer', () => {
  it('merges a synchronous burst into one run on the next turn', () => {
    const clock = new ManualClock();
    let runs = 0;
    const c = new Coalescer(150, () => runs++, clock);
    for (let i = 0; i < 50; i++) c.request();
    assert.equal(runs, 0);
    clock.advance(0);
    assert.equal(runs, 1);
  });

  it('runs at most once per interval through a stream of changes, and runs the last one', () => {
    const clock = new ManualClock();
    let runs = 0;
    let seen = 0;
    let latest = 0;
    const c = new Coalescer(150, () => { runs++; seen = latest; }, clock);
    // A sweep streaming 200 results, one every 10 ms (2 s): before, one post each.
    for (let i = 1; i <= 200; i++) {
      latest = i;
      c.request();
      clock.advance(10);
    }
    clock.advance(150);
    assert.equal(seen, 200, 'the last change reached the panel');
    // 2,000 ms / 150 ms, plus the first (immediate) run and the trailing one.
    assert.ok(runs <= Math.ceil(2000 / 150) + 2, `${runs} runs`);
    assert.ok(runs >= Math.floor(2000 / 150), `${runs} runs: it keeps the panel moving while the stream lasts`);
  });

  it('drops a pending run when cancelled (the caller posted itself)', () => {
    const clock = new ManualClock();
    let runs = 0;
    const c = new Coalescer(150, () => runs++, clock);
    c.request();
    c.cancel();
    clock.advance(1000);
    assert.equal(runs, 0);
    c.request();
    clock.advance(0);
    assert.equal(runs, 1);
  });
});
