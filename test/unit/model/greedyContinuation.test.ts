/**
 * The greedy continuation and its branches through the real runtime: every
 * probability, entropy, rank and alternative against a fresh evaluation of the
 * text's tokens plus the chosen ones (float64 log-softmax of the full
 * distribution), on an SPM and a real BPE vocabulary, after the sequence held
 * other work; a branch continues from the tokens before it plus the alternative.
 */
import * as assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { LOG2E } from '../../../src/core/bits';
import { branchPath, type Continuation } from '../../../src/core/continuation';
import type { ModelPreset } from '../../../src/core/gguf/modelPresets';
import type { RuntimeClient } from '../../../src/model/runtimeClient';
import { RuntimeError } from '../../../src/model/runtimeError';
import { loadSpec, modelFile, runtime } from '../../support/fixtures';
import { referenceAfter, tokenFacts } from '../../support/reference';

const TOLERANCE_BITS = 1e-3;
const TOP_K = 5;

/** Checks every step of `c` against a fresh evaluation of `context` + its tokens. */
async function assertExact(model: string, context: number[], c: Continuation): Promise<void> {
  const ids = c.steps.map((s) => s.id);
  // Rows after the last context token and after every chosen token but the last.
  const ref = await referenceAfter(model, [...context, ...ids.slice(0, -1)], context.length - 1);
  assert.equal(ref.length, c.steps.length);
  c.steps.forEach((step, i) => {
    const r = ref[i];
    const bits = (lnp: number) => -lnp * LOG2E;
    assert.ok(Math.abs(-Math.log2(step.p) - bits(r.lnp[step.id])) <= TOLERANCE_BITS, `step ${i}: p ${step.p} vs ${Math.exp(r.lnp[step.id])}`);
    assert.ok(Math.abs(step.entropy - r.entropy) <= TOLERANCE_BITS, `step ${i}: entropy ${step.entropy} vs ${r.entropy}`);
    let greater = 0;
    let max = -Infinity;
    for (const l of r.lnp) {
      if (l > r.lnp[step.id]) greater++;
      max = Math.max(max, l);
    }
    assert.equal(step.rank, greater + 1, `step ${i}: rank`);
    if (!step.forced) assert.ok(r.lnp[step.id] >= max - 1e-9, `step ${i}: the greedy token is the most probable`);
    assert.equal(step.top.length, TOP_K);
    const order = [...r.lnp.keys()].sort((a, b) => r.lnp[b] - r.lnp[a]).slice(0, TOP_K);
    assert.deepEqual(step.top.map((a) => a.id), order, `step ${i}: alternatives`);
    for (const a of step.top) assert.ok(Math.abs(-Math.log2(a.p) - bits(r.lnp[a.id])) <= TOLERANCE_BITS, `step ${i}: p of alternative ${a.id}`);
  });
}

const CASES: Array<{ preset: ModelPreset; scorer: 'auto' | 'exact-map'; text: string }> = [
  { preset: 'tiny', scorer: 'auto', text: 'Input: the movie was great\nOutput:' },
  { preset: 'tiny', scorer: 'exact-map', text: 'Input: the movie was great\nOutput:' },
  { preset: 'bpe-starcoder', scorer: 'auto', text: 'def hello_world():\n    return' },
];

for (const { preset, scorer, text } of CASES) {
  describe(`greedy continuation (${preset}, ${scorer} scorer)`, () => {
    const model = modelFile(preset);
    let client: RuntimeClient;
    let context: number[];
    before(async () => {
      client = runtime(loadSpec(model, { scorer }));
      const facts = await tokenFacts(model, text);
      context = [...facts.bos, ...facts.tokens];
    });
    after(() => client.dispose());

    it('gives each greedy token its probability, entropy, rank and alternatives from the full distribution', async () => {
      // The sequence first holds a longer text that shares the prefix: the continuation reuses and then leaves it.
      await client.analyze({ text: `${text} positive and more`, topK: TOP_K });
      const c = await client.greedyContinuation({ text, forced: [], maxTokens: 8, topK: TOP_K });
      assert.equal(c.contextTokens, context.length);
      assert.equal(c.droppedTokens, 0);
      assert.equal(c.steps.length, 8, 'random weights do not end the text this soon');
      assert.ok(c.steps.every((s) => !s.forced));
      assert.equal(c.steps.map((s) => s.text).join(''), c.text, 'the steps spell the text Insert inserts');
      await assertExact(model, context, c);
    });

    it('continues a branch from the tokens before it plus the alternative picked', async () => {
      const plain = await client.greedyContinuation({ text, forced: [], maxTokens: 6, topK: TOP_K });
      const at = Math.min(2, plain.steps.length - 1);
      const alt = plain.steps[at].top.find((a) => a.id !== plain.steps[at].id)!;
      const forced = branchPath(plain.steps, at, alt.id);
      assert.deepEqual(forced, [...plain.steps.slice(0, at).map((s) => s.id), alt.id]);
      const branch = await client.greedyContinuation({ text, forced, maxTokens: 6, topK: TOP_K });
      assert.deepEqual(branch.steps.slice(0, at + 1).map((s) => s.id), forced);
      assert.ok(branch.steps.slice(0, at + 1).every((s) => s.forced) && branch.steps.slice(at + 1).every((s) => !s.forced));
      assert.equal(branch.steps.length, forced.length + 6);
      // The alternative's probability is the one shown at that step of the plain continuation.
      assert.ok(Math.abs(Math.log2(branch.steps[at].p) - Math.log2(alt.p)) <= TOLERANCE_BITS);
      await assertExact(model, context, branch);
      // Going back: the plain continuation again, the same tokens and numbers.
      const again = await client.greedyContinuation({ text, forced: [], maxTokens: 6, topK: TOP_K });
      assert.deepEqual(again.steps.map((s) => s.id), plain.steps.map((s) => s.id));
    });
  });
}

describe('greedy continuation limits', () => {
  const model = modelFile('tiny');
  let client: RuntimeClient;
  before(() => { client = runtime(loadSpec(model)); });
  after(() => client.dispose());

  it('stops at an end-of-generation token, which adds no text', async () => {
    const { eos } = await tokenFacts(model, '');
    assert.notEqual(eos, null);
    const c = await client.greedyContinuation({ text: 'Input: a', forced: [eos!], maxTokens: 4, topK: TOP_K });
    assert.equal(c.stop, 'end');
    assert.equal(c.steps.length, 1);
    assert.equal(c.steps[0].end, true);
    assert.equal(c.text, '');
  });

  it('refuses a token outside the vocabulary and a continuation with no tokens', async () => {
    await assert.rejects(client.greedyContinuation({ text: 'a', forced: [1e9], maxTokens: 1, topK: 1 }), (e: unknown) => e instanceof RuntimeError && e.code === 'input');
    await assert.rejects(client.greedyContinuation({ text: 'a', forced: [], maxTokens: 0, topK: 1 }), (e: unknown) => e instanceof RuntimeError && e.code === 'input');
  });

  it('leaves out the start of a text the context cannot hold with the continuation, and says how much', async () => {
    const small = runtime(loadSpec(model, { maxContextSize: 256 }));
    try {
      const c = await small.greedyContinuation({ text: 'word '.repeat(400), forced: [], maxTokens: 16, topK: 2 });
      assert.ok(c.droppedTokens > 0);
      assert.ok(c.contextTokens + 16 + 1 <= 256 && c.steps.length === 16);
    } finally {
      await small.dispose();
    }
  });

  it('is cancelled by its signal', async () => {
    const controller = new AbortController();
    const run = client.greedyContinuation({ text: 'Input: a', forced: [], maxTokens: 200, topK: TOP_K }, {
      signal: controller.signal,
      onProgress: (done) => { if (done >= 2) controller.abort(); },
    });
    await assert.rejects(run, (e: unknown) => e instanceof RuntimeError && e.code === 'cancelled');
  });
});
