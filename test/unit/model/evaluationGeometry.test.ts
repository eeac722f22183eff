/**
 * The geometry's arithmetic: batches cover what is evaluated, none longer than
 * the batch or shorter than the minimum (unless all is shorter); restarts never
 * come after the first row to recompute and never leave a short last batch; new
 * contexts leave a batch of margin. (That the rule gives bit-identical numbers
 * is editGeometry.test.ts's part, on the real runtime.)
 */
import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { batchesOf, evaluationGeometry, restartAt } from '../../../src/model/worker/evaluationGeometry';
import { contextSizeFor } from '../../../src/model/worker/loadedModel';

const settings = [evaluationGeometry(undefined), evaluationGeometry('f32'), evaluationGeometry('f16')];

describe('evaluation geometry', () => {
  it('is exact unless the fast cache is asked for', () => {
    assert.deepEqual(settings.map((g) => g.setting), ['exact', 'exact', 'fast']);
    for (const g of settings) assert.ok(g.batch >= 2 * g.minBatch, `${g.setting}: batch ${g.batch}, minimum ${g.minBatch}`);
  });

  it('splits any range into batches within the bounds, in order, covering it', () => {
    for (const g of settings) {
      for (const from of [0, 1, 5, 100, 127, 128, 300]) {
        for (let length = 0; length <= 3 * g.batch + 5; length++) {
          const batches = batchesOf(g, from, from + length);
          let at = from;
          for (const [s, e] of batches) {
            assert.equal(s, at, `${g.setting} [${from}, ${from + length}): contiguous`);
            assert.ok(e - s <= g.batch, `${g.setting} [${from}, ${from + length}): batch [${s}, ${e}) too long`);
            if (length >= g.minBatch) assert.ok(e - s >= g.minBatch, `${g.setting} [${from}, ${from + length}): batch [${s}, ${e}) too short`);
            at = e;
          }
          assert.equal(at, from + length, `${g.setting} [${from}, ${from + length}): covered`);
          if (length < g.minBatch) assert.ok(batches.length <= 1);
        }
      }
    }
  });

  it('restarts at or before the first row to recompute, leaving a last batch of the minimum', () => {
    for (const g of settings) {
      for (const origin of [0, 1]) {
        for (let length = 0; length < 300; length += 7) {
          for (let n = 0; n <= length; n++) {
            const at = restartAt(g, n, length, origin);
            assert.ok(at <= n, `${g.setting}: restart ${at} after row ${n}`);
            assert.ok(at === 0 || (at - origin >= g.minBatch && length - at >= g.minBatch), `${g.setting} origin ${origin}: restart ${at} of ${length}`);
            // No earlier than needed: the first row itself, or a minimum before the end.
            if (at > 0) assert.equal(at, Math.min(n, length - g.minBatch));
          }
        }
      }
    }
  });

  it('sizes new contexts with a batch of margin, a power of two, within the limit', () => {
    assert.equal(contextSizeFor(100, 128, 4096), 512);
    assert.equal(contextSizeFor(501, 128, 4096), 1024, 'a 500-token document gets room to grow past 512');
    assert.equal(contextSizeFor(501, 128, 512), 512, 'never past the limit');
    assert.equal(contextSizeFor(900, 256, 4096), 2048);
    for (let needed = 1; needed < 5000; needed += 37) {
      const size = contextSizeFor(needed, 128, 4096);
      assert.ok(size >= Math.min(needed + 128, 4096) && size <= 4096 && (size & (size - 1)) === 0, `${needed} → ${size}`);
    }
  });
});
