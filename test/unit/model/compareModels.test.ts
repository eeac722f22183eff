/**
 * Two models compared through the runtime, one after the other in one worker,
 * against independent computations: per-position KL(A ‖ B), same top and Δp
 * from both models' full distributions (fresh evaluations, float64
 * log-softmax) where they share a vocabulary; aligned Δ surprisal from two
 * independent heatmaps where they do not.
 */
import * as assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { LOG2E } from '../../../src/core/bits';
import type { ModelComparison } from '../../../src/core/compare/modelsComparison';
import { compareModels } from '../../../src/model/compareModels';
import type { RuntimeClient } from '../../../src/model/runtimeClient';
import { loadSpec, modelFile, runtime, UNICODE_CASES } from '../../support/fixtures';
import { reference, type Reference } from '../../support/reference';

const TOLERANCE_BITS = 1e-3;
const TEXTS: Record<string, string> = {
  fewShot: 'Review: the movie was great\nSentiment: positive\nReview: dull and slow\nSentiment: negative\nReview: a joy\nSentiment:',
  zwjEmoji: UNICODE_CASES.zwjEmoji,
  cjk: UNICODE_CASES.cjk,
};

async function compareSequentially(modelA: string, modelB: string, text: string): Promise<ModelComparison> {
  const client: RuntimeClient = runtime(loadSpec(modelA));
  try {
    return await compareModels(text, client, modelB, async () => {
      client.setModel(loadSpec(modelB));
      return { runtime: client, memory: 'one after the other' };
    }, { topK: 5 });
  } finally {
    await client.dispose();
  }
}

/** The lowest id among the largest entries. */
function argmax(x: Float64Array): number {
  let best = 0;
  for (let v = 1; v < x.length; v++) if (x[v] > x[best]) best = v;
  return best;
}

/** Median by sorting, as its textbook definition (the mean of the two middle values of an even sample). */
function median(values: number[]): number {
  const s = [...values].sort((x, y) => x - y);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m] : (s[m - 1] + s[m]) / 2;
}

describe('compare two models that share a vocabulary (tiny, tiny-alt)', () => {
  const modelA = modelFile('tiny');
  const modelB = modelFile('tiny-alt');

  for (const [name, text] of Object.entries(TEXTS)) {
    it(`KL(A‖B), same top and Δp equal a float64 computation from both full distributions (${name})`, async () => {
      const [c, refA, refB] = await Promise.all([compareSequentially(modelA, modelB, text), reference(modelA, text, 5), reference(modelB, text, 5)]);
      assert.equal(c.mode, 'kl', c.vocabulary);
      assert.deepEqual(refA.tokens, refB.tokens, 'the fixtures tokenize alike');
      const expected = refA.rows.flatMap((ra, j) => {
        const rb = refB.rows[j];
        if (ra === undefined || rb === undefined) return [];
        let kl = 0;
        for (let v = 0; v < ra.lnp.length; v++) kl += Math.exp(ra.lnp[v]) * (ra.lnp[v] - rb.lnp[v]);
        return [{ index: j, kl: kl * LOG2E, pA: Math.exp(ra.lnp[refA.tokens[j]]), pB: Math.exp(rb.lnp[refA.tokens[j]]), sameTop: argmax(ra.lnp) === argmax(rb.lnp) }];
      });
      assert.equal(c.positions.length, expected.length);
      assert.ok(expected.some((e) => e.kl > 0.01), 'the two models differ somewhere');
      c.positions.forEach((p, i) => {
        const e = expected[i];
        assert.equal(p.index, e.index);
        assert.ok(Math.abs(p.klBits - e.kl) <= TOLERANCE_BITS, `KL at token ${p.index}: ${p.klBits} vs ${e.kl}`);
        assert.ok(Math.abs(p.pA - e.pA) <= 1e-5 && Math.abs(p.pB - e.pB) <= 1e-5, `p at token ${p.index}`);
        assert.equal(p.topA === p.topB, e.sameTop, `same top at token ${p.index}`);
      });
      const kl = c.summary.kl!;
      const dp = expected.map((e) => e.pB - e.pA);
      assert.ok(Math.abs(kl.klBits.mean - expected.reduce((s, e) => s + e.kl, 0) / expected.length) <= TOLERANCE_BITS);
      assert.ok(Math.abs(kl.klBits.median - median(expected.map((e) => e.kl))) <= TOLERANCE_BITS);
      assert.ok(Math.abs(kl.klBits.max - Math.max(...expected.map((e) => e.kl))) <= TOLERANCE_BITS);
      assert.equal(kl.sameTop, expected.filter((e) => e.sameTop).length / expected.length);
      assert.ok(Math.abs(kl.deltaP.mean - dp.reduce((s, d) => s + d, 0) / dp.length) <= 1e-5);
      assert.ok(Math.abs(kl.deltaP.rms - Math.sqrt(dp.reduce((s, d) => s + d * d, 0) / dp.length)) <= 1e-5);
      assert.ok(Math.abs(kl.deltaP.median - median(dp)) <= 1e-5);
      assert.ok(Math.abs(kl.deltaP.max - Math.max(...dp)) <= 1e-5 && Math.abs(kl.deltaP.min - Math.min(...dp)) <= 1e-5);
      // What the editor paints is the KL of each token.
      assert.deepEqual(c.cells.map((x) => x.bits), c.positions.map((p) => p.klBits));
    });
  }

  it('a model compared with itself is 0 bits apart everywhere, with the same top', async () => {
    const c = await compareSequentially(modelA, modelA, TEXTS.fewShot);
    assert.equal(c.mode, 'kl');
    assert.ok(c.positions.every((p) => Math.abs(p.klBits) <= 1e-6 && p.topA === p.topB && Math.abs(p.pA - p.pB) <= 1e-6));
    assert.equal(c.summary.kl!.sameTop, 1);
  });
});

describe('compare two models that do not share a vocabulary (tiny, bpe-starcoder)', () => {
  const modelA = modelFile('tiny');
  const modelB = modelFile('bpe-starcoder');
  let refs: Record<string, [Reference, Reference]>;
  before(async () => {
    refs = {};
    for (const [name, text] of Object.entries(TEXTS)) refs[name] = [await reference(modelA, text, 5), await reference(modelB, text, 5)];
  });
  after(() => undefined);

  for (const [name, text] of Object.entries(TEXTS)) {
    it(`Δ surprisal over aligned spans equals two independent heatmaps summed per span (${name})`, async () => {
      const c = await compareSequentially(modelA, modelB, text);
      const [refA, refB] = refs[name];
      assert.equal(c.mode, 'spans', c.vocabulary);
      assert.equal(c.positions.length, 0);
      // The spans: every edge a token end in both tokenizations, and no shared token end inside a span (the coarsest such segmentation).
      const ends = (r: Reference) => new Set(r.spans.filter((s) => s.end > s.start).map((s) => s.end));
      const [endsA, endsB] = [ends(refA), ends(refB)];
      for (const s of c.spans) {
        assert.ok(s.end > s.start, 'spans are not empty');
        if (s.end < text.length) assert.ok(endsA.has(s.end) && endsB.has(s.end), `span end ${s.end} is a token end in both`);
        for (let x = s.start + 1; x < s.end; x++) assert.ok(!(endsA.has(x) && endsB.has(x)), `shared token end ${x} inside span [${s.start}, ${s.end})`);
      }
      assert.equal(c.spans[0].start, 0);
      assert.equal(c.spans.at(-1)!.end, text.length);
      const sum = (r: Reference, [from, to]: readonly [number, number]) => {
        let total = 0;
        for (let j = from; j < to; j++) {
          const row = r.rows[j];
          if (row === undefined) return null;
          total += row.surprisal;
        }
        return to > from ? total : null;
      };
      let checked = 0;
      for (const s of c.spans) {
        // The span's tokens are those whose spans start inside it, by the independent offsets.
        const inside = (r: Reference) => r.spans.map((sp, j) => [sp, j] as const).filter(([sp]) => sp.start >= s.start && sp.start < s.end).map(([, j]) => j);
        const ia = inside(refA);
        const ib = inside(refB);
        assert.deepEqual([s.a[0], s.a[1]], ia.length ? [ia[0], ia.at(-1)! + 1] : [0, 0]);
        assert.deepEqual([s.b[0], s.b[1]], ib.length ? [ib[0], ib.at(-1)! + 1] : [0, 0]);
        const [sa, sb] = [sum(refA, s.a), sum(refB, s.b)];
        if (sa === null || sb === null) {
          assert.equal(s.deltaBits, null);
          continue;
        }
        assert.ok(Math.abs(s.surprisalA! - sa) <= TOLERANCE_BITS * (s.a[1] - s.a[0]), `A over [${s.start}, ${s.end})`);
        assert.ok(Math.abs(s.surprisalB! - sb) <= TOLERANCE_BITS * (s.b[1] - s.b[0]), `B over [${s.start}, ${s.end})`);
        assert.ok(Math.abs(s.deltaBits! - (sb - sa)) <= TOLERANCE_BITS * (s.a[1] - s.a[0] + s.b[1] - s.b[0]), `Δ over [${s.start}, ${s.end})`);
        checked++;
      }
      assert.ok(checked > 0);
      assert.ok(c.spans.length < Math.max(refA.tokens.length, refB.tokens.length) + 1);
    });
  }
});
