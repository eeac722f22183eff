/**
 * The fast precision setting (flash attention on, F16 KV cache) through the
 * runtime, against the exact float64 reference (a fresh evaluation with flash
 * attention off and an F32 cache, log-softmax of the whole distribution): every
 * surprisal and entropy within FAST_PRECISION_BITS, the bound the status bar,
 * the hover and the docs quote, and within FAST_PRECISION_MEAN_BITS on average.
 * On the tiny SentencePiece model, two real BPE vocabularies (49k and 152k
 * entries) on the tiny shape, and the benchmark's 135M-parameter shape. The
 * error depends on the model: under 0.02 bits at most on the tiny shape with
 * 512 or 49k entries, about 0.1 on the 135M shape, 0.2 with 152k entries. The
 * exact setting on the same text stays within 1e-3 bits, and the two differ,
 * so the fast run did run fast.
 */
import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Analysis } from '../../../src/core/analysis';
import { FAST_PRECISION_BITS, FAST_PRECISION_MEAN_BITS, PRECISIONS } from '../../../src/core/precision';
import { precisionSpec } from '../../../src/model/loadSpecs';
import { loadSpec, modelFile, runtime } from '../../support/fixtures';
import { reference, type Reference } from '../../support/reference';

const EXACT_BITS = 1e-3;
const TOP_K = 5;
/** Prose, code and few-shot blocks. */
const PARAGRAPHS = [
  'Input: the movie was great\nOutput: positive\n\nInput: the plot made no sense\nOutput: negative\n\nInput: I would watch it again\nOutput:',
  'def mean(xs):\n    return sum(xs) / len(xs)  # the average, 0 <= n',
  'Once upon a time, in a village by the sea, there lived an old fisherman.',
  'SELECT name, count(*) FROM orders WHERE total > 100 GROUP BY name;',
  'Q: What is 12 + 30?\nA: 42\n\nQ: Name a colour.\nA: blue',
].join('\n\n');
/**
 * The paragraphs `n` times (numbers varied): about 300 tokens on tiny (512-token
 * context) and on starcoder's vocabulary, 220 on the 135M model; on Qwen2's 152k
 * vocabulary, 120, so that its reference (a 152k-entry map per position) stays a
 * few seconds.
 */
const text = (n: number) => Array.from({ length: n }, (_, i) => PARAGRAPHS.replace(/12/g, String(12 + i))).join('\n\n');
const PRESETS = [
  { preset: 'tiny', text: text(1) },
  { preset: 'bpe-starcoder', text: text(2) },
  { preset: 'bpe-qwen2', text: text(1) },
  { preset: 'bench', text: text(1) },
] as const;

/** The largest and the mean |Δ| of the surprisals and entropies against the reference, after checking the tokens are the reference's. */
function deltas(analysis: Analysis, r: Reference): { max: number; mean: number; scored: number } {
  assert.deepEqual(analysis.tokens.map((t) => t.id), r.tokens);
  let max = 0;
  let sum = 0;
  let scored = 0;
  for (const t of analysis.tokens) {
    const row = r.rows[t.index];
    if (row === undefined) {
      assert.equal(t.entropy, null);
      continue;
    }
    scored++;
    const ds = Math.abs(t.surprisal! - row.surprisal);
    const de = Math.abs(t.entropy! - row.entropy);
    max = Math.max(max, ds, de);
    sum += ds + de;
  }
  return { max, mean: sum / (2 * scored), scored };
}

describe('fast evaluation against the exact reference', () => {
  for (const { preset, text: sample } of PRESETS) {
    it(`${preset}: every surprisal and entropy within ${FAST_PRECISION_BITS} bits (${FAST_PRECISION_MEAN_BITS} on average); exact within ${EXACT_BITS}`, async (t) => {
      const model = modelFile(preset);
      const ref = reference(model, sample, TOP_K);
      const found: Record<string, { max: number; mean: number }> = {};
      for (const precision of PRECISIONS) {
        const client = runtime(loadSpec(model, precisionSpec(precision)));
        try {
          const analysis = await client.analyze({ text: sample, topK: TOP_K });
          assert.equal(analysis.route.precision, precision, 'the route says what ran');
          const { max, mean, scored } = deltas(analysis, await ref);
          assert.ok(scored > 100, `${scored} scored tokens`);
          found[precision] = { max, mean };
        } finally {
          await client.dispose();
        }
      }
      const { fast, exact } = found;
      t.diagnostic(`${preset}: |Δ| vs the float64 reference: fast max ${fast.max.toExponential(2)} mean ${fast.mean.toExponential(2)} bits; exact max ${exact.max.toExponential(2)} bits`);
      assert.ok(exact.max <= EXACT_BITS, `exact: ${exact.max} bits`);
      assert.ok(fast.max <= FAST_PRECISION_BITS, `fast: ${fast.max} bits`);
      assert.ok(fast.mean <= FAST_PRECISION_MEAN_BITS, `fast: ${fast.mean} bits on average`);
      // Flash attention and the F16 cache move the numbers: had the setting not reached the context, fast would be exact.
      assert.ok(fast.max > 10 * exact.max, `fast ${fast.max} bits is no further off than exact ${exact.max} bits`);
    });
  }
});
