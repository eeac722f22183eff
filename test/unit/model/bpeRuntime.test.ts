/**
 * A real BPE vocabulary (starcoder's, 49,152 tokens, copied from llama.cpp's vocab
 * file onto random weights) through the runtime: tokens and spans as the real
 * tokenizer makes them, numbers against the float64 reference.
 */
import * as assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { RuntimeClient } from '../../../src/model/runtimeClient';
import { loadSpec, modelFile, runtime } from '../../support/fixtures';
import { reference, type Reference } from '../../support/reference';

/**
 * Both routes must agree with the float64 reference within 1e-3 bits. The exact-map
 * route reads node-llama-cpp's float32 probabilities, whose sum over 49k entries is
 * off by ~1.5e-4; unless renormalised in float64 that moved entropy by ~1.1e-3 bits.
 */
const TOLERANCE_BITS = { native: 1e-3, 'exact-map': 1e-3 } as const;
const TOP_K = 5;
// Leading-space tokens, a merge across "_", indentation and punctuation runs; short,
// because the reference builds a 49k-entry map per position.
const TEXT = 'def hello_world():\n    return " Hello, world!"';

for (const scorer of ['auto', 'exact-map'] as const) {
  describe(`a real BPE vocabulary (bpe-starcoder, ${scorer} scorer)`, () => {
    const model = modelFile('bpe-starcoder');
    let client: RuntimeClient;
    let ref: Promise<Reference>;
    before(() => {
      client = runtime(loadSpec(model, { scorer }));
      ref = reference(model, TEXT, TOP_K);
    });
    after(() => client.dispose());

    it('tokenizes " Hello world" into starcoder\'s tokens and back', async () => {
      const loaded = await client.ensureLoaded();
      assert.equal(loaded.model.vocabSize, 49152);
      const analysis = await client.analyze({ text: ' Hello world', topK: TOP_K });
      assert.deepEqual(analysis.tokens.map((t) => t.id), [12009, 5810]);
      assert.deepEqual(analysis.tokens.map((t) => t.text), [' Hello', ' world']);
      assert.deepEqual(analysis.tokens.map((t) => [t.start, t.end]), [[0, 6], [6, 12]]);
    });

    it('matches the float64 reference on code', async () => {
      const [analysis, r, loaded] = await Promise.all([client.analyze({ text: TEXT, topK: TOP_K }), ref, client.ensureLoaded()]);
      if (scorer === 'auto' && process.platform === 'linux' && process.arch === 'x64') assert.equal(loaded.scorer, 'native', loaded.scorerNote);
      assert.deepEqual(analysis.tokens.map((t) => t.id), r.tokens);
      assert.ok(r.tokens.length >= 10, `${r.tokens.length} tokens`);
      assert.deepEqual(analysis.tokens.map((t) => ({ start: t.start, end: t.end })), r.spans);
      assert.equal(analysis.tokens.map((t) => t.text).join(''), TEXT);
      let maxError = 0;
      for (const t of analysis.tokens) {
        const row = r.rows[t.index];
        if (row === undefined) {
          assert.equal(t.entropy, null);
          continue;
        }
        maxError = Math.max(maxError, Math.abs(t.entropy! - row.entropy), Math.abs(t.surprisal! - row.surprisal));
        assert.equal(t.rank, row.rank, `rank of token ${t.index}`);
        assert.deepEqual(t.top.map((a) => a.id), row.topIds, `top-k of token ${t.index}`);
      }
      assert.ok(maxError <= TOLERANCE_BITS[loaded.scorer], `max error ${maxError} bits on the ${loaded.scorer} route`);
    });
  });
}

describe('the larger BPE presets load and tokenize like their models', () => {
  const cases = [
    { preset: 'bpe-qwen2', vocabSize: 151936, ids: [21927, 1879] },
    { preset: 'bpe-llama3', vocabSize: 128256, ids: [22691, 1917] },
  ] as const;
  for (const { preset, vocabSize, ids } of cases) {
    it(`${preset}: " Hello world" is ${JSON.stringify(ids)}`, async () => {
      const client = runtime(loadSpec(modelFile(preset)));
      try {
        assert.equal((await client.ensureLoaded()).model.vocabSize, vocabSize);
        const analysis = await client.analyze({ text: ' Hello world', topK: TOP_K });
        assert.deepEqual(analysis.tokens.map((t) => t.id), ids);
        assert.deepEqual(analysis.tokens.map((t) => t.text), [' Hello', ' world']);
        const last = analysis.tokens.at(-1)!;
        assert.ok(last.entropy! > 0 && last.entropy! <= Math.log2(vocabSize) && last.top.length === TOP_K);
      } finally {
        await client.dispose();
      }
    });
  }
});
