import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { planWindows, windowOrder } from '../../../src/core/windowPlan';

describe('planWindows', () => {
  it('is one window when the sequence fits', () => {
    assert.deepEqual(planWindows(10, 10), [{ start: 0, end: 10, reportFrom: 0 }]);
  });
  it('reports every position exactly once, within capacity, with half a window of history', () => {
    for (let capacity = 2; capacity <= 40; capacity += 3) {
      for (let length = 0; length <= 130; length += 7) {
        const windows = planWindows(length, capacity);
        const seen = new Array(length).fill(0);
        windows.forEach((w, i) => {
          assert.ok(w.end - w.start <= capacity);
          for (let r = w.reportFrom; r < w.end; r++) {
            seen[r]++;
            if (i > 0) assert.ok(r - w.start >= capacity - Math.floor(capacity / 2), `history of ${r}`);
          }
        });
        assert.ok(seen.every((n) => n === 1), `length ${length}, capacity ${capacity}`);
      }
    }
  });
  it('rejects a capacity under 2', () => {
    assert.throws(() => planWindows(10, 1), RangeError);
  });
});

describe('windowOrder', () => {
  const none = () => false;
  const among = (xs: number[]) => (i: number) => xs.includes(i);
  it('is document order without hints', () => {
    assert.deepEqual(windowOrder(5, { ready: none, priority: none }), [0, 1, 2, 3, 4]);
  });
  it('puts the windows known already first, then the priority windows, then the rest, each in document order', () => {
    assert.deepEqual(windowOrder(7, { ready: among([0, 1]), priority: among([5, 3]) }), [0, 1, 3, 5, 2, 4, 6]);
  });
  it('puts a priority window that is ready among the ready ones', () => {
    assert.deepEqual(windowOrder(4, { ready: among([3]), priority: among([3]) }), [3, 0, 1, 2]);
  });
  it('evaluates the held window first when that delays no priority window', () => {
    assert.deepEqual(windowOrder(5, { ready: among([0]), priority: none, held: 4 }), [0, 4, 1, 2, 3]);
    assert.deepEqual(windowOrder(5, { ready: none, priority: among([3, 4]), held: 4 }), [4, 3, 0, 1, 2]);
    assert.deepEqual(windowOrder(5, { ready: none, priority: among([2]), held: 4 }), [2, 0, 1, 3, 4]);
    assert.deepEqual(windowOrder(5, { ready: among([2]), priority: among([2]), held: 4 }), [2, 4, 0, 1, 3]);
  });
  it('ignores a held window that is ready (its rows need no evaluation)', () => {
    assert.deepEqual(windowOrder(3, { ready: among([2]), priority: none, held: 2 }), [2, 0, 1]);
  });
  it('orders every window exactly once', () => {
    for (let n = 0; n < 12; n++) {
      for (let mask = 0; mask < 64; mask++) {
        const order = windowOrder(n, { ready: (i) => ((mask >> (i % 3)) & 1) === 1, priority: (i) => ((mask >> (3 + (i % 3))) & 1) === 1, held: mask % Math.max(1, n) });
        assert.deepEqual([...order].sort((a, b) => a - b), Array.from({ length: n }, (_, i) => i), `n ${n}, mask ${mask}`);
      }
    }
  });
});
