/**
 * Documents longer than the context, in windows: the windows that report what
 * the user sees are evaluated and streamed first (AnalyzeSpec.priority), with
 * the same numbers, bit for bit, as in document order; and an edit in the overlap
 * of the last two windows re-evaluates the window the sequence holds from the
 * change (only the other in full), equal to a fresh pass. On the tiny
 * SentencePiece-style preset and starcoder's real BPE vocabulary, with the
 * smallest context (asked for 128 tokens, llama.cpp makes it 256) so that windows are cheap.
 */
import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Analysis, TokenStat } from '../../../src/core/analysis';
import { planWindows, type Window } from '../../../src/core/windowPlan';
import type { RuntimeClient } from '../../../src/model/runtimeClient';
import type { TextRange } from '../../../src/model/runtimeProtocol';
import { evaluationGeometry, restartAt } from '../../../src/model/worker/evaluationGeometry';
import { loadSpec, modelFile, runtime } from '../../support/fixtures';

/** Asked for; llama.cpp pads the context to 256 cells (windows of 254 or 255 tokens). */
const CONTEXT = 128;
const TOP_K = 4;
const prompt = (lines: number) => Array.from({ length: lines }, (_, i) => `Input: the movie number ${i} was ${i % 3 ? 'great' : 'bad'}\nOutput: ${i % 3 ? 'positive' : 'negative'}\n`).join('\n');
const TEXT = prompt(40);

/** What an analysis says about the text, without how it was computed. */
const content = (a: Analysis) => ({ text: a.text, tokens: a.tokens, next: a.next });

/** Every number equal, not merely close. */
function assertIdentical(actual: Analysis, expected: Analysis, what: string): void {
  assert.equal(actual.tokens.length, expected.tokens.length, what);
  actual.tokens.forEach((t, i) => assert.deepEqual(t, expected.tokens[i], `${what}: token ${i}`));
  assert.deepEqual(actual.next, expected.next, `${what}: the distribution after the text`);
}

/** Tokens the model receives before the document (its BOS), from a short fresh analysis. */
async function bosCount(client: RuntimeClient): Promise<number> {
  const a = await client.analyze({ text: 'Input: a', topK: TOP_K });
  return a.route.tokensEvaluated - a.tokens.length;
}

/** The windows of `analysis` (positions count the BOS), as the worker planned them. */
function windowsOf(analysis: Analysis, bos: number): Window[] {
  assert.ok(analysis.route.window, 'the analysis is windowed');
  return planWindows(analysis.tokens.length + bos, analysis.route.window.size);
}

/** The document tokens window `w` reports: row r scores token r − bos + 1 (token 0 without BOS goes with the first window). */
function reportedTokens(w: Window, bos: number, count: number): [number, number] {
  return [w.reportFrom === 0 ? 0 : w.reportFrom - bos + 1, Math.min(count, w.end - bos + 1)];
}

const meets = (t: TokenStat, r: TextRange) => t.start < r.end && t.end > r.start;

for (const preset of ['tiny', 'bpe-starcoder'] as const) {
  describe(`windows, visible first (${preset}, the smallest context)`, () => {
    it('evaluate and stream the visible windows first, and give the numbers of document order bit for bit', async () => {
      const spec = loadSpec(modelFile(preset), { maxContextSize: CONTEXT });
      const inOrder = runtime(spec);
      const visibleFirst = runtime(spec);
      try {
        const bos = await bosCount(visibleFirst);
        const streamedInOrder: number[] = [];
        const reference = await inOrder.analyze({ text: TEXT, topK: TOP_K }, { onPartial: (tokens) => streamedInOrder.push(tokens.at(-1)!.index) });
        const windows = windowsOf(reference, bos);
        assert.ok(windows.length >= 4, `${windows.length} windows`);
        // Streamed in document order: each partial is contiguous from token 0.
        assert.ok(streamedInOrder.every((last, i) => i === 0 || last > streamedInOrder[i - 1]));

        // What the user sees: a few lines near the end, reported by the last windows but not the first ones.
        const visible: TextRange = { start: TEXT.length - 160, end: TEXT.length - 60 };
        const partials: Array<{ tokens: TokenStat[]; from: number }> = [];
        const analysis = await visibleFirst.analyze({ text: TEXT, topK: TOP_K, priority: [visible] }, { onPartial: (tokens, _model, from) => partials.push({ tokens: [...tokens], from }) });
        assertIdentical(analysis, reference, 'visible first');
        assert.deepEqual(content(analysis), content(reference));
        assert.equal(analysis.route.tokensEvaluated, reference.route.tokensEvaluated, 'the same work in another order');

        const count = analysis.tokens.length;
        const seen = analysis.tokens.filter((t) => meets(t, visible)).map((t) => t.index);
        const seenWindows = windows.map((w, k) => ({ w, k })).filter(({ w }) => {
          const [a, b] = reportedTokens(w, bos, count);
          return seen.some((j) => j >= a && j < b);
        });
        assert.ok(seenWindows.length >= 1 && seenWindows[0].k > 1, `the visible tokens are in windows ${seenWindows.map((x) => x.k)}`);
        // The first part streamed is the first visible window's tokens: that window was evaluated first.
        const [a, b] = reportedTokens(seenWindows[0].w, bos, count);
        assert.deepEqual(partials[0].tokens.map((t) => t.index), Array.from({ length: b - a }, (_, i) => a + i), 'the first window streamed');
        // Every visible token is painted before the start of the document is known.
        const startKnown = partials.findIndex((p) => p.tokens[0].index === 0);
        assert.ok(startKnown > 0, 'the start of the document comes later');
        const before = new Set(partials[startKnown - 1].tokens.map((t) => t.index));
        assert.ok(seen.every((j) => before.has(j)), 'every visible token streamed before token 0');
        // Every partial: sorted, each token final, growing, all anew from token 0.
        for (const [i, p] of partials.entries()) {
          assert.equal(p.from, 0, 'a windowed analysis reports every token anew');
          p.tokens.forEach((t, k) => {
            if (k > 0) assert.ok(t.index > p.tokens[k - 1].index, `partial ${i} is sorted`);
            assert.deepEqual(t, analysis.tokens[t.index], `partial ${i}: token ${t.index} is final`);
          });
          if (i > 0) assert.ok(p.tokens.length > partials[i - 1].tokens.length, 'each partial adds tokens');
        }
        assert.equal(partials.at(-1)!.tokens.length, count, 'every token streamed');
      } finally {
        await Promise.all([inOrder.dispose(), visibleFirst.dispose()]);
      }
    });

    for (const kvCache of preset === 'tiny' ? ['f32', 'f16'] as const : ['f32'] as const) {
      it(`re-evaluate an edit in the overlap of the last two windows from the change in the held window, equal to a fresh pass (${kvCache})`, async (t) => {
        const spec = loadSpec(modelFile(preset), { maxContextSize: CONTEXT, kvCache });
        const warm = runtime(spec);
        try {
          const bos = await bosCount(warm);
          let previous = await warm.analyze({ text: TEXT, topK: TOP_K });
          const evaluatedFresh = previous.route.tokensEvaluated;
          let text = TEXT;
          const windows = windowsOf(previous, bos);
          const [a, b] = windows.slice(-2);
          const fullA = (a.start > 0 ? bos : 0) + a.end - a.start;
          const fullB = bos + b.end - b.start;
          // The window the sequence holds is evaluated from its first changed row (earlier only as the geometry's minimum batch needs).
          const geometry = evaluationGeometry(kvCache);
          const fromChange = (w: Window, c: number) => {
            const length = bos + w.end - w.start;
            return length - restartAt(geometry, bos + c - w.start - 1, length, bos);
          };
          // Two keystrokes in the overlap: the first finds the last window held, the second the one before it.
          const words = [...TEXT.matchAll(/\b(positive|negative)\b/g)].map((m) => m.index);
          const inOverlap = words.filter((at) => {
            const j = previous.tokens.findIndex((t) => t.end > at);
            // Past the held window's first batch, so that reusing it saves something.
            return j + bos >= b.start + geometry.minBatch + 2 && j + bos < a.end - 1;
          });
          assert.ok(inOverlap.length >= 2, `${inOverlap.length} words in the overlap [${b.start}, ${a.end})`);
          for (const [n, at] of inOverlap.slice(0, 2).entries()) {
            const word = text.slice(at, at + 8);
            text = `${text.slice(0, at)}${word === 'positive' ? 'negative' : 'positive'}${text.slice(at + 8)}`;
            const held = n === 0 ? b : a;
            const other = n === 0 ? a : b;
            const edited = await warm.analyze({ text, topK: TOP_K });
            assert.equal(edited.tokens.length, previous.tokens.length, 'the window plan stays');
            const c = previous.tokens.findIndex((t, i) => t.id !== edited.tokens[i].id) + bos;
            assert.ok(c >= b.start + geometry.minBatch + 2 && c < a.end - 1, `the change at position ${c} is in the overlap [${b.start}, ${a.end})`);
            const expected = fromChange(held, c) + (other === a ? fullA : fullB);
            const documentOrder = fullA + fullB;
            assert.equal(edited.route.tokensEvaluated, expected, `keystroke ${n}: the held window from the change, the other in full (bos ${bos}, change at ${c}, windows ${JSON.stringify([a, b])})`);
            t.diagnostic(`keystroke ${n}: ${edited.route.tokensEvaluated} tokens evaluated; ${documentOrder} in document order (both windows in full); windows of ${previous.route.window!.size}, change ${c - held.start} into the held window`);
            assert.ok(expected < documentOrder, `keystroke ${n}: ${expected} tokens evaluated, ${documentOrder} in document order (both windows in full)`);
            // A new worker: nothing cached, no window rows remembered.
            const reference = runtime(spec);
            try {
              const expectedAnalysis = await reference.analyze({ text, topK: TOP_K });
              // Fresh: every token evaluated at least once (windows may share a few leading rows within one analysis).
              assert.ok(expectedAnalysis.route.tokensEvaluated >= expectedAnalysis.tokens.length + bos, `the reference evaluates every token (${expectedAnalysis.route.tokensEvaluated}; first analysis ${evaluatedFresh})`);
              assertIdentical(edited, expectedAnalysis, `keystroke ${n}`);
            } finally {
              await reference.dispose();
            }
            previous = edited;
          }
        } finally {
          await warm.dispose();
        }
      });
    }
  });
}
