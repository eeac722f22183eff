/**
 * The evaluation geometry: every analysis evaluates in 64-token batches aligned
 * to absolute positions, and an edit restarts at the boundary at or before the
 * first row to recompute, so it repeats a fresh pass's operations. Checked bit
 * for bit against a fresh pass after edits at many positions, with flash
 * attention on ('f16', llama.cpp's fast setting, whose CPU kernel rounds by
 * batch shape) and off (the exact default), on a SentencePiece vocabulary and a
 * real BPE one; and documents longer than the context re-analyse only the
 * windows from the edit on, within the edited window only from its change.
 */
import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Analysis } from '../../../src/core/analysis';
import { loadSpec, modelFile, runtime } from '../../support/fixtures';

const BATCH = 64;
const prompt = (lines: number) => Array.from({ length: lines }, (_, i) => `Input: the movie number ${i} was ${i % 2 ? 'great' : 'bad'}\nOutput: ${i % 2 ? 'positive' : 'negative'}\n`).join('\n');
const PROMPT = prompt(24);
/** Between 256 and 500 tokens on each preset: five batches or more, within the tiny model's 512-token context. */
const EDITED_PROMPT = { tiny: prompt(10), 'bpe-starcoder': prompt(24) };

/** Every number equal, not merely close. */
function assertIdentical(actual: Analysis, expected: Analysis, what: string): void {
  assert.equal(actual.tokens.length, expected.tokens.length, what);
  actual.tokens.forEach((t, i) => {
    const e = expected.tokens[i];
    assert.deepEqual(
      [t.id, t.start, t.end, t.entropy, t.surprisal, t.p, t.rank, t.top.map((a) => [a.id, a.p])],
      [e.id, e.start, e.end, e.entropy, e.surprisal, e.p, e.rank, e.top.map((a) => [a.id, a.p])],
      `${what}: token ${i}`,
    );
  });
  assert.deepEqual(actual.next, expected.next, `${what}: the distribution after the text`);
}

/** The first document-token index where two analyses differ (the shorter length when one extends the other). */
function firstChange(a: Analysis, b: Analysis): number {
  const n = Math.min(a.tokens.length, b.tokens.length);
  for (let i = 0; i < n; i++) if (a.tokens[i].id !== b.tokens[i].id) return i;
  return n;
}

for (const preset of ['tiny', 'bpe-starcoder'] as const) {
  for (const kvCache of ['f16', 'f32'] as const) {
    const mode = kvCache === 'f16' ? 'flash attention on, F16 cache' : 'flash attention off, F32 cache';
    describe(`edits re-analysed on the batch grid (${preset}, ${mode})`, () => {
      it('equal a fresh pass bit for bit wherever the edit falls, evaluating from the boundary before it', async () => {
        const model = modelFile(preset);
        const warm = runtime(loadSpec(model, { kvCache }));
        const fresh = runtime(loadSpec(model, { kvCache }));
        try {
          const base = EDITED_PROMPT[preset];
          let previous = await warm.analyze({ text: base, topK: 5 });
          assert.equal(previous.route.window, undefined, 'the text fits the context');
          const bos = previous.route.tokensEvaluated - previous.tokens.length;
          const n = previous.tokens.length;
          assert.ok(n > 4 * BATCH, `${n} tokens`);
          // Insertions before document tokens on both sides of batch boundaries, in the middle, near the end, and an append.
          const at = [0, 3, BATCH - 2, BATCH - 1, BATCH, 2 * BATCH + 5, Math.floor(n / 2), n - 12, n - 1];
          const texts = at.map((j) => `${base.slice(0, previous.tokens[j].start)} zq${base.slice(previous.tokens[j].start)}`);
          texts.push(`${base} and one more line`);
          for (const [k, text] of texts.entries()) {
            const incremental = await warm.analyze({ text, topK: 5 });
            // A one-token text in between makes the next analysis a full pass from position 0.
            await fresh.analyze({ text: 'Z', topK: 5 });
            const reference = await fresh.analyze({ text, topK: 5 });
            assert.equal(reference.route.tokensEvaluated, reference.tokens.length + bos, 'the reference is a full pass');
            assertIdentical(incremental, reference, `edit ${k}`);
            const c = firstChange(previous, incremental) + bos;
            const restart = Math.floor(Math.max(0, c - 1) / BATCH) * BATCH;
            assert.equal(incremental.route.tokensEvaluated, incremental.tokens.length + bos - restart, `edit ${k} at position ${c}`);
            previous = incremental;
          }
        } finally {
          await Promise.all([warm.dispose(), fresh.dispose()]);
        }
      });
    });
  }
}

describe('documents longer than the context, edited', () => {
  for (const kvCache of ['f16', 'f32'] as const) {
    it(`re-analyse only the windows from the edit on, each row equal to a fresh analysis (${kvCache})`, async () => {
      const model = modelFile('tiny');
      const spec = loadSpec(model, { maxContextSize: 256, kvCache });
      const warm = runtime(spec);
      const fresh = runtime(spec);
      const fresh2 = runtime(spec);
      try {
        const long = PROMPT.repeat(2);
        const first = await warm.analyze({ text: long, topK: 3 });
        assert.ok(first.route.window && first.tokens.length > 3 * 256, `${first.tokens.length} tokens, windowed`);
        // Same token count at the end: the window plan stays; the change is in the last window only.
        const lastEdit = long.replace(/positive\n$/, 'negative\n');
        const edited = await warm.analyze({ text: lastEdit, topK: 3 });
        assert.equal(edited.tokens.length, first.tokens.length);
        const change = firstChange(first, edited);
        assert.ok(change > first.tokens.length - 10, `the change is at token ${change} of ${first.tokens.length}`);
        assert.ok(edited.route.tokensEvaluated <= BATCH + (first.tokens.length - change) + 1, `an edit in the last window evaluated ${edited.route.tokensEvaluated} tokens`);
        assertIdentical(edited, await fresh.analyze({ text: lastEdit, topK: 3 }), 'edit in the last window');

        // An edit in the first window shifts every later window: all re-evaluated, still equal to a fresh analysis.
        const firstEdit = `Note. ${lastEdit}`;
        const shifted = await warm.analyze({ text: firstEdit, topK: 3 });
        assert.ok(shifted.route.tokensEvaluated >= shifted.tokens.length);
        assertIdentical(shifted, await fresh2.analyze({ text: firstEdit, topK: 3 }), 'edit in the first window');
      } finally {
        await Promise.all([warm.dispose(), fresh.dispose(), fresh2.dispose()]);
      }
    });
  }
});
