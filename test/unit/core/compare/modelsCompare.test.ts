/** The pure parts of Compare With Model: aligned spans, llama.cpp's percentiles, the summaries and the hover. */
import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { alignTokenizations } from '../../../../src/core/compare/modelsAlignment';
import { percentile, summarizeKl } from '../../../../src/core/compare/modelsSummary';

const tok = (start: number, end: number, surprisal: number | null = 1) => ({ start, end, surprisal });

describe('aligned spans', () => {
  it('cuts only where both tokenizations have a token end', () => {
    // "abcdef": A = ab|cd|ef, B = a|bcd|ef → spans abcd, ef
    const spans = alignTokenizations([tok(0, 2, 1), tok(2, 4, 2), tok(4, 6, 3)], [tok(0, 1, 0.5), tok(1, 4, 4), tok(4, 6, 1)]);
    assert.deepEqual(spans.map((s) => [s.start, s.end, s.a, s.b]), [[0, 4, [0, 2], [0, 2]], [4, 6, [2, 3], [2, 3]]]);
    assert.deepEqual(spans.map((s) => [s.surprisalA, s.surprisalB, s.deltaBits]), [[3, 4.5, 1.5], [3, 1, -2]]);
  });

  it('keeps byte pieces of one character (empty spans) with the piece that completes it', () => {
    // A: "x", then two byte pieces of "é" ([1,1) empty, [1,2)); B: "xé" whole.
    const spans = alignTokenizations([tok(0, 1), tok(1, 1), tok(1, 2)], [tok(0, 2, 5)]);
    assert.deepEqual(spans.map((s) => [s.start, s.end, s.a, s.b, s.deltaBits]), [[0, 2, [0, 3], [0, 1], 2]]);
  });

  it('gives a span with an unpredicted token no surprisal', () => {
    const spans = alignTokenizations([tok(0, 1, null), tok(1, 2)], [tok(0, 1), tok(1, 2)]);
    assert.equal(spans[0].deltaBits, null);
    assert.equal(spans[1].deltaBits, 0);
  });
});

describe('summary after llama.cpp', () => {
  it('reads percentiles at f·(n − 1), linearly between neighbours', () => {
    const sorted = [0, 1, 2, 3, 10];
    assert.equal(percentile(sorted, 0.5), 2);
    assert.ok(Math.abs(percentile(sorted, 0.9) - 7.2) < 1e-12);
    assert.equal(percentile(sorted, 0), 0);
    assert.equal(percentile(sorted, 1), 10);
    assert.equal(percentile([1, 2, 3, 4], 0.5), 2.5);
  });

  it('counts same top and takes Δp as p_B − p_A with its RMS', () => {
    const s = summarizeKl([
      { index: 0, klBits: 0.5, pA: 0.5, pB: 0.25, topA: 1, topB: 1 },
      { index: 1, klBits: 1.5, pA: 0.25, pB: 0.5, topA: 2, topB: 3 },
    ])!;
    assert.equal(s.sameTop, 0.5);
    assert.equal(s.klBits.mean, 1);
    assert.equal(s.deltaP.mean, 0);
    assert.equal(s.deltaP.rms, 0.25);
    assert.equal(s.deltaP.min, -0.25);
  });
});
