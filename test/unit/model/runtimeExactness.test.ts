/**
 * The runtime's numbers against an independent computation from the full
 * distribution (fresh evaluation, float64 log-softmax), for both scoring routes,
 * and its offsets against O(n²) cumulative detokenization.
 */
import * as assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { loadSpec, modelFile, runtime, UNICODE_CASES } from '../../support/fixtures';
import { reference } from '../../support/reference';
import type { RuntimeClient } from '../../../src/model/runtimeClient';

const TOLERANCE_BITS = 1e-3;
const TOP_K = 5;

for (const scorer of ['auto', 'exact-map'] as const) {
  describe(`runtime numbers (${scorer} scorer)`, () => {
    let client: RuntimeClient;
    const model = modelFile('tiny');
    before(() => { client = runtime(loadSpec(model, { scorer })); });
    after(() => client.dispose());

    it(`uses the ${scorer === 'auto' ? 'native' : 'exact-map'} route`, async () => {
      const loaded = await client.ensureLoaded();
      // On linux-x64 the native addon is part of the build; elsewhere auto may fall back.
      const expected = scorer === 'exact-map' ? 'exact-map' : process.platform === 'linux' && process.arch === 'x64' ? 'native' : loaded.scorer;
      assert.equal(loaded.scorer, expected, loaded.scorerNote);
    });

    for (const [name, text] of Object.entries(UNICODE_CASES)) {
      it(`matches the reference on ${name}`, async () => {
        const [analysis, ref] = await Promise.all([client.analyze({ text, topK: TOP_K }), reference(model, text, TOP_K)]);
        assert.deepEqual(analysis.tokens.map((t) => t.id), ref.tokens);
        assert.deepEqual(analysis.tokens.map((t) => ({ start: t.start, end: t.end })), ref.spans, 'spans equal cumulative detokenization');
        assert.equal(analysis.tokens.at(-1)?.end ?? 0, text.length, 'spans cover the text');
        for (const t of analysis.tokens) {
          if (t.end > t.start) assert.equal(t.text, text.slice(t.start, t.end));
          const r = ref.rows[t.index];
          if (r === undefined) {
            assert.equal(t.entropy, null);
            continue;
          }
          assert.ok(Math.abs(t.entropy! - r.entropy) <= TOLERANCE_BITS, `entropy of token ${t.index}: ${t.entropy} vs ${r.entropy}`);
          assert.ok(Math.abs(t.surprisal! - r.surprisal) <= TOLERANCE_BITS, `surprisal of token ${t.index}: ${t.surprisal} vs ${r.surprisal}`);
          assert.ok(Math.abs(t.p! - 2 ** -r.surprisal) <= 1e-6);
          assert.equal(t.rank, r.rank, `rank of token ${t.index}`);
          assert.deepEqual(t.top.map((a) => a.id), r.topIds, `top-k of token ${t.index}`);
          const total = t.top.reduce((s, a) => s + a.p, 0);
          assert.ok(total <= 1 + 1e-9 && t.top.every((a, i) => i === 0 || a.p <= t.top[i - 1].p));
        }
      });
    }
  });
}
