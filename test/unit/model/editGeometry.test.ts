/**
 * The evaluation geometry (src/model/worker/evaluationGeometry.ts): an edit
 * restarts at the first row to recompute (earlier only so that no batch is
 * shorter than the setting's minimum), and its re-analysis equals a fresh pass
 * bit for bit. Checked after edits at many positions (seeded random ones and the
 * neighbours of batch boundaries, insertions and deletions), with flash
 * attention off (the exact default: minimum batch 2) and on ('f16', whose CPU
 * kernel takes another path below 64 tokens: minimum 64), on a SentencePiece
 * vocabulary and a real BPE one. Documents longer than the context re-analyse only the windows
 * from the edit on, within the edited window only from its change; a document
 * that grows past a power of two keeps its cache (the context's margin).
 */
import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Analysis } from '../../../src/core/analysis';
import { loadSpec, modelFile, runtime } from '../../support/fixtures';

/** The fewest tokens each setting evaluates per batch (unless fewer are evaluated in all). */
const MIN_BATCH = { f32: 2, f16: 64 } as const;
const prompt = (lines: number) => Array.from({ length: lines }, (_, i) => `Input: the movie number ${i} was ${i % 2 ? 'great' : 'bad'}\nOutput: ${i % 2 ? 'positive' : 'negative'}\n`).join('\n');
const PROMPT = prompt(24);
/** Between 256 and 500 tokens on each preset: several batches, within the tiny model's 512-token context. */
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

/** A seeded generator of integers in [0, n) (mulberry32), so a failure names an edit that repeats. */
function seeded(seed: number): (n: number) => number {
  let a = seed >>> 0;
  return (n) => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return Math.floor((((t ^ (t >>> 14)) >>> 0) / 2 ** 32) * n);
  };
}

/**
 * Document-token positions to edit at: the neighbours of batch boundaries (of both
 * settings' grains and batches) and 20 seeded random ones, interleaved.
 */
function editPositions(n: number): number[] {
  const random = seeded(11);
  const grid = [32, 64, 96, 128, 256].flatMap((g) => [g - 2, g - 1, g, g + 1]).filter((j) => j < n - 2);
  const out: number[] = [0, 1];
  for (let k = 0; k < 20; k++) {
    out.push(random(n - 2));
    if (grid.length > 0) out.push(grid.shift()!);
  }
  return [...out, ...grid];
}

for (const preset of ['tiny', 'bpe-starcoder'] as const) {
  for (const kvCache of ['f16', 'f32'] as const) {
    const mode = kvCache === 'f16' ? 'flash attention on, F16 cache' : 'flash attention off, F32 cache';
    describe(`edits re-analysed in the evaluation geometry (${preset}, ${mode})`, () => {
      it('equal a fresh pass bit for bit wherever the edit falls, evaluating from the first changed row', async () => {
        const model = modelFile(preset);
        const warm = runtime(loadSpec(model, { kvCache }));
        const fresh = runtime(loadSpec(model, { kvCache }));
        const minBatch = MIN_BATCH[kvCache];
        try {
          let text = EDITED_PROMPT[preset];
          let previous = await warm.analyze({ text, topK: 5 });
          assert.equal(previous.route.window, undefined, 'the text fits the context');
          const bos = previous.route.tokensEvaluated - previous.tokens.length;
          const n = previous.tokens.length;
          assert.ok(n > 256 + 4, `${n} tokens`);
          const edits = editPositions(n);
          let unaligned = 0;
          for (const [k, j] of [...edits, -1].entries()) {
            // Edits accumulate: an insertion before token j, a deletion of token j (odd k), or an append (-1).
            const t = previous.tokens[Math.min(j, previous.tokens.length - 1)];
            const edit = j < 0 ? 'append' : k % 2 ? `delete token ${j}` : `insert before token ${j}`;
            text = j < 0 ? `${text} and one more line` : k % 2 ? text.slice(0, t.start) + text.slice(t.end) : `${text.slice(0, t.start)} zq${text.slice(t.start)}`;
            const incremental = await warm.analyze({ text, topK: 5 });
            // A one-token text in between makes the next analysis a full pass from position 0.
            await fresh.analyze({ text: 'Z', topK: 5 });
            const reference = await fresh.analyze({ text, topK: 5 });
            assert.equal(reference.route.tokensEvaluated, reference.tokens.length + bos, 'the reference is a full pass');
            assertIdentical(incremental, reference, `edit ${k} (${edit})`);
            // The first row to recompute is the one before the first changed token (it scored the old token).
            const length = incremental.tokens.length + bos;
            const firstRow = Math.max(0, firstChange(previous, incremental) + bos - 1);
            const fromFirstRow = length - firstRow;
            const evaluated = incremental.route.tokensEvaluated;
            // From the first changed row, or from as far before the end as one minimum batch; from 0 when that is within a minimum batch of the start.
            const restart = Math.min(firstRow, length - minBatch);
            assert.equal(evaluated, restart < minBatch ? length : length - restart, `edit ${k} (${edit}): ${evaluated} tokens evaluated, ${fromFirstRow} from the first changed row ${firstRow}`);
            if (firstRow >= minBatch) assert.ok(evaluated <= Math.max(fromFirstRow, minBatch), `edit ${k} (${edit}): ${evaluated} tokens evaluated`);
            if (firstRow % 32 !== 0) unaligned++;
            previous = incremental;
          }
          assert.ok(unaligned >= 10, `${unaligned} edits changed a row off the 32-token grid`);
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
        // The window holds BOS then its tokens: from the row before the change, or one minimum batch before the end.
        assert.ok(edited.route.tokensEvaluated <= Math.max(first.tokens.length - change + 1, MIN_BATCH[kvCache]), `an edit in the last window evaluated ${edited.route.tokensEvaluated} tokens`);
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

describe('a document that grows past a power of two', () => {
  for (const kvCache of ['f16', 'f32'] as const) {
    it(`keeps its cache: the context was created with a margin (${kvCache})`, async () => {
      // tiny-1k: the tiny model trained on 1,024-token contexts, so a context may grow past 512.
      const model = modelFile('tiny-1k');
      const warm = runtime(loadSpec(model, { kvCache }));
      const fresh = runtime(loadSpec(model, { kvCache }));
      try {
        let lines = 1;
        while ((await fresh.analyze({ text: prompt(lines + 1), topK: 3 })).tokens.length < 500) lines++;
        const base = prompt(lines);
        const first = await warm.analyze({ text: base, topK: 3 });
        const bos = first.route.tokensEvaluated - first.tokens.length;
        assert.ok(first.tokens.length + bos > 400 && first.tokens.length + bos < 510, `${first.tokens.length} tokens`);
        // Typing at the end, past 512 tokens: each step evaluates the new tokens (and the row before them) only.
        let previous = first;
        let text = base;
        for (const more of ['\nInput: and', '\nInput: and then the movie number 11 was great, really great, a very good one', ' indeed; the best of the year, the reviewer said, twice or three times over']) {
          text += more;
          const grown = await warm.analyze({ text, topK: 3 });
          const added = grown.tokens.length - firstChange(previous, grown);
          assert.ok(grown.route.tokensEvaluated <= Math.max(added + 1, MIN_BATCH[kvCache]), `${grown.route.tokensEvaluated} tokens evaluated for ${added} new ones (context ${grown.model.contextSize})`);
          await fresh.analyze({ text: 'Z', topK: 3 });
          assertIdentical(grown, await fresh.analyze({ text, topK: 3 }), `grown to ${grown.tokens.length} tokens`);
          previous = grown;
        }
        assert.ok(previous.tokens.length + bos > 512, `the document grew to ${previous.tokens.length} tokens, past 512`);
        assert.ok(first.model.contextSize > 512, `the first context (${first.model.contextSize}) left a margin`);
      } finally {
        await Promise.all([warm.dispose(), fresh.dispose()]);
      }
    });
  }
});
