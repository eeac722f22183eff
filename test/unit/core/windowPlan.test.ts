import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { planWindows } from '../../../src/core/windowPlan';

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
