/**
 * The exact-map route's surprisal reading (AnalyzeSpec.needs 'surprisal'):
 * surprisal and p of every token and p of the most probable token against a
 * fresh float64 log-softmax of the whole distribution, on a toy and a real BPE
 * vocabulary; what it leaves out is null, not guessed; and rows of that reading
 * never serve an analysis that needs everything (prefix reuse, windows).
 */
import * as assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Analysis } from '../../../src/core/analysis';
import { LOG2E } from '../../../src/core/bits';
import type { ModelPreset } from '../../../src/core/gguf/modelPresets';
import type { RuntimeClient } from '../../../src/model/runtimeClient';
import { loadSpec, modelFile, runtime } from '../../support/fixtures';
import { reference, referenceAfter, tokenFacts, type Reference } from '../../support/reference';

const TOP_K = 5;
const TEXT = Array.from({ length: 6 }, (_, i) => `Input: the film number ${i} was ${i % 2 ? 'great' : 'dull'}\nOutput: ${i % 2 ? 'positive' : 'negative'}\n`).join('\n');

/**
 * How far the reading's surprisal may be from float64: node-llama-cpp's total
 * logit weight is a float32 sum of V terms (each expf, within an ulp), whose
 * relative error is below V·2⁻²³ (the recursive-summation bound, doubled for expf).
 * Measured: 2.9e-6 bits at V = 512, 2.2e-4 bits at V = 49,152.
 */
const sumBoundBits = (vocabSize: number) => vocabSize * 2 ** -23 * LOG2E;
/** The full (Map) reading renormalises in float64; what the exactness tests allow it. */
const FULL_TOLERANCE_BITS = 1e-3;

/** Checks `analysis` (the surprisal reading) against the reference, token by token. */
function assertSurprisalReading(analysis: Analysis, ref: Reference, tolerance: number): void {
  assert.equal(analysis.route.scorer, 'exact-map');
  assert.equal(analysis.route.reading, 'surprisal');
  assert.deepEqual(analysis.tokens.map((t) => t.id), ref.tokens);
  let scored = 0;
  for (const t of analysis.tokens) {
    const r = ref.rows[t.index];
    if (r === undefined) {
      assert.equal(t.surprisal, null);
      continue;
    }
    scored++;
    assert.ok(Math.abs(t.surprisal! - r.surprisal) <= tolerance, `surprisal of token ${t.index}: ${t.surprisal} vs ${r.surprisal}`);
    assert.ok(Math.abs(Math.log2(t.p!) + r.surprisal) <= tolerance, `p of token ${t.index}`);
    assert.equal(t.entropy, null, `entropy of token ${t.index} is not computed`);
    assert.equal(t.rank, r.rank === 1 ? 1 : null, `rank of token ${t.index} (reference ${r.rank})`);
    assert.equal(t.top.length, 1, `token ${t.index}: the most probable token alone`);
    const argmax = r.topIds[0];
    assert.equal(t.top[0].id, argmax, `argmax at token ${t.index}`);
    assert.ok(Math.abs(Math.log2(t.top[0].p) - r.lnp[argmax] * LOG2E) <= tolerance, `p of the argmax at token ${t.index}`);
  }
  assert.ok(scored > 20, `${scored} tokens checked`);
  assert.ok(analysis.tokens.some((t) => t.rank === null && t.surprisal !== null), 'some tokens are not the argmax (the test can tell)');
}

/** The full reading: entropy, rank and top-k of every predicted token. */
function assertFullReading(analysis: Analysis, ref: Reference): void {
  assert.equal(analysis.route.reading, 'all');
  for (const t of analysis.tokens) {
    const r = ref.rows[t.index];
    if (r === undefined) continue;
    assert.ok(t.entropy !== null && Math.abs(t.entropy - r.entropy) <= FULL_TOLERANCE_BITS, `entropy of token ${t.index}: ${t.entropy} vs ${r.entropy}`);
    // The Map's float32 probabilities tie deep in a 49k tail (rank 17,400 against 17,401 seen): exact near the top.
    if (r.rank <= 100) assert.equal(t.rank, r.rank, `rank of token ${t.index}`);
    else assert.ok(t.rank !== null && Math.abs(t.rank - r.rank) <= r.rank * 1e-3, `rank of token ${t.index}: ${t.rank} vs ${r.rank}`);
    assert.deepEqual(t.top.map((a) => a.id), r.topIds, `top-k of token ${t.index}`);
  }
}

for (const preset of ['tiny', 'bpe-starcoder'] as ModelPreset[]) {
  describe(`surprisal reading on the exact-map route (${preset})`, () => {
    const model = modelFile(preset);
    let client: RuntimeClient;
    let ref: Reference;
    let tolerance: number;
    before(async () => {
      client = runtime(loadSpec(model, { scorer: 'exact-map' }));
      ref = await reference(model, TEXT, TOP_K);
      tolerance = sumBoundBits(ref.rows.find((r) => r !== undefined)!.lnp.length);
    });
    after(() => client.dispose());

    it('gives exact surprisal, p and the argmax, and null where it does not compute', async () => {
      const analysis = await client.analyze({ text: TEXT, topK: TOP_K, needs: 'surprisal' });
      assertSurprisalReading(analysis, ref, tolerance);
      // The distribution after the text is read in full ("what comes next").
      const facts = await tokenFacts(model, TEXT);
      const seq = [...facts.bos, ...facts.tokens];
      const [last] = await referenceAfter(model, seq, seq.length - 1);
      assert.ok(analysis.next !== null && Math.abs(analysis.next.entropy - last.entropy) <= FULL_TOLERANCE_BITS, 'entropy after the text');
      const lastTop = [...last.lnp.keys()].sort((a, b) => last.lnp[b] - last.lnp[a]).slice(0, TOP_K);
      assert.deepEqual(analysis.next.top.map((a) => a.id), lastTop);
    });

    it('hands a full analysis full rows after a surprisal one, and back', async () => {
      await client.analyze({ text: TEXT, topK: TOP_K, needs: 'surprisal' });
      const full = await client.analyze({ text: TEXT, topK: TOP_K });
      assertFullReading(full, ref);
      const again = await client.analyze({ text: TEXT, topK: TOP_K, needs: 'surprisal' });
      assertSurprisalReading(again, ref, tolerance);
    });

    it('reuses surprisal rows for a surprisal analysis of an edit, and never for a full one', async () => {
      const edited = TEXT.replace(/Output: negative\n$/, 'Output: negative, surely\n');
      const refEdited = await reference(model, edited, TOP_K);
      await client.analyze({ text: TEXT, topK: TOP_K, needs: 'surprisal' });
      const cheap = await client.analyze({ text: edited, topK: TOP_K, needs: 'surprisal' });
      assertSurprisalReading(cheap, refEdited, tolerance);
      assert.ok(cheap.route.tokensEvaluated < refEdited.tokens.length, `the prefix is reused (${cheap.route.tokensEvaluated} of ${refEdited.tokens.length} evaluated)`);
      const full = await client.analyze({ text: TEXT, topK: TOP_K });
      assertFullReading(full, ref);
    });
  });
}

describe('surprisal reading in windows (tiny, exact-map)', () => {
  it('never hands a window\'s surprisal rows to a full analysis', async () => {
    const model = modelFile('tiny');
    const client = runtime(loadSpec(model, { scorer: 'exact-map', maxContextSize: 256 }));
    try {
      const long = TEXT.repeat(2);
      const cheap = await client.analyze({ text: long, topK: 3, needs: 'surprisal' });
      assert.ok(cheap.route.window, 'the analysis was windowed');
      assert.equal(cheap.route.reading, 'surprisal');
      assert.ok(cheap.tokens.slice(1).every((t) => t.entropy === null && t.surprisal !== null));
      const full = await client.analyze({ text: long, topK: 3 });
      assert.ok(full.route.window);
      assert.equal(full.route.reading, 'all');
      assert.ok(full.tokens.slice(1).every((t) => t.entropy !== null && t.top.length === 3), 'every predicted token has entropy and 3 alternatives');
      assert.equal(full.route.tokensEvaluated >= full.tokens.length, true, 'nothing was taken from the surprisal windows');
      // The same surprisal either way, within the float32 sum's bound.
      cheap.tokens.forEach((t, i) => {
        if (t.surprisal !== null) assert.ok(Math.abs(t.surprisal - full.tokens[i].surprisal!) <= sumBoundBits(512), `token ${i}`);
      });
    } finally {
      await client.dispose();
    }
  });
});

describe('surprisal requests on the auto route', () => {
  it('get every number where the native addon computes them (at no extra cost)', async () => {
    const client = runtime(loadSpec(modelFile('tiny')));
    try {
      const a = await client.analyze({ text: TEXT, topK: 3, needs: 'surprisal' });
      // On linux-x64 the native addon is part of the build; elsewhere auto may fall back to the map route.
      if (process.platform === 'linux' && process.arch === 'x64') assert.equal(a.route.scorer, 'native');
      assert.equal(a.route.reading, a.route.scorer === 'native' ? 'all' : 'surprisal');
      if (a.route.scorer === 'native') assert.ok(a.tokens.slice(1).every((t) => t.entropy !== null && t.top.length === 3));
    } finally {
      await client.dispose();
    }
  });
});
