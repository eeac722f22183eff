/** The few-shot maths against brute force, and the --expect and CSV formats. */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { checkExpectation, parseExpectation } from '../../../../src/core/fewShot/expectations';
import { bitsOf, calibrate, candidatePosterior, klBits, softmax } from '../../../../src/core/fewShot/posteriorMath';
import { permutations } from '../../../../src/core/fewShot/probes';
import { referencePosterior, type SweepResult } from '../../../../src/core/fewShot/sweep';
import { sweepCsv } from '../../../../src/core/fewShot/sweepCsv';
import { parseFewShot } from '../../../../src/core/fewShot/fewShotParser';
import { FORMAT_ALPHA, formatPredictive, labelsPredictive } from '../../../../src/core/windTunnel/tasks';
import { REPO_ROOT } from '../../../support/fixtures';

const close = (a: number, b: number, tol = 1e-12) => assert.ok(Math.abs(a - b) <= tol, `${a} vs ${b}`);

describe('posterior maths', () => {
  it('bits of a product of probabilities', () => {
    close(bitsOf([Math.log(0.5), Math.log(0.25)]), 3);
  });

  it('posterior equals P(c_j) / Σ P(c_i), and its length-normalised form uses geometric means', () => {
    const lnp = [[Math.log(0.2), Math.log(0.5)], [Math.log(0.3)], [Math.log(0.01), Math.log(0.9), Math.log(0.9)]];
    const p = lnp.map((t) => t.reduce((a, b) => a * Math.exp(b), 1));
    const z = p.reduce((a, b) => a + b, 0);
    candidatePosterior(lnp, false).forEach((v, i) => close(v, p[i] / z));
    const g = lnp.map((t) => Math.exp(t.reduce((a, b) => a + b, 0) / t.length));
    const zg = g.reduce((a, b) => a + b, 0);
    candidatePosterior(lnp, true).forEach((v, i) => close(v, g[i] / zg));
  });

  it('softmax survives huge and -Infinity scores', () => {
    assert.deepEqual(softmax([-1e6, -1e6]), [0.5, 0.5]);
    assert.deepEqual(softmax([0, -Infinity]), [1, 0]);
    assert.deepEqual(softmax([-Infinity, -Infinity]), [0.5, 0.5]);
  });

  it('KL in bits against the definition, zero for equal distributions', () => {
    close(klBits([0.5, 0.5], [0.25, 0.75]), 0.5 * Math.log2(2) + 0.5 * Math.log2(0.5 / 0.75));
    close(klBits([0.3, 0.7], [0.3, 0.7]), 0);
    close(klBits([1, 0], [0.5, 0.5]), 1);
  });

  it('contextual calibration divides out the content-free bias', () => {
    const c = calibrate([0.9, 0.1], [0.9, 0.1]);
    close(c[0], 0.5);
    const d = calibrate([0.6, 0.4], [0.8, 0.2]);
    close(d[0], (0.6 / 0.8) / (0.6 / 0.8 + 0.4 / 0.2));
  });

  it('the labels reference follows the analytic posterior predictive of the examples seen', () => {
    const text = '---\nheader: "labels:"\nseparator: " "\nreference: labels\nalpha: 0.8\n---\nlabels: A B A A B';
    const s = parseFewShot(text).structure!;
    for (let k = 0; k <= 4; k++) {
      const seen = ['A', 'B', 'A', 'A'].slice(0, k);
      const nA = seen.filter((x) => x === 'A').length;
      close(referencePosterior(text, s, k)[0], labelsPredictive(nA, k - nA, 0.8));
    }
  });

  it('the coin reference counts examples by the candidates\' continuations, whatever their names', () => {
    const text = '---\nheader: "flips:"\nseparator: " "\nreference: coin\ncandidates:\n  heads: "H"\n  tails: "T"\n---\nflips: H H T H';
    const s = parseFewShot(text).structure!;
    close(referencePosterior(text, s, 3)[0], (2 + 1) / (3 + 2));
  });

  it('the format reference counts examples by their answer\'s first word: the demo\'s dip at its English answer', () => {
    const text = fs.readFileSync(path.join(REPO_ROOT, 'demo', 'fewshot', 'cricket-sweep.icl.txt'), 'utf8');
    const { structure, diagnostics } = parseFewShot(text);
    const s = structure!;
    assert.deepEqual(diagnostics, []);
    assert.deepEqual(s.reference, { task: 'format', alpha: FORMAT_ALPHA });
    assert.equal(s.examples.length, 6);
    // The examples' formats, read off the text: D D E D D D.
    const formats = 'DDEDDD';
    for (let k = 0; k <= 6; k++) {
      const seen = formats.slice(0, k);
      const d = [...seen].filter((x) => x === 'D').length;
      // The closed form is checked against enumerating the hidden format in test/unit/core/windTunnel/analytic.test.ts.
      close(referencePosterior(text, s, k)[0], formatPredictive(d, k - d, FORMAT_ALPHA));
    }
  });

  it('the format reference says which example counts for neither candidate, and needs candidates that start differently', () => {
    const body = 'Q: a\nA: SUM(x)\n\nQ: b\nA: maybe so\n\nQ: c\nA:';
    const fm = (candidates: string) => `---\nreference: format\ncandidates:\n${candidates}\n---\n`;
    const stray = parseFewShot(fm('  dsl: " SUM(y)"\n  english: " total y"') + body);
    assert.ok(stray.diagnostics.some((d) => d.message === 'The format reference counts each example\'s answer by its first word, "SUM" (dsl) or "total" (english); example 2 starts with "maybe" and counts for neither.'), JSON.stringify(stray.diagnostics));
    const same = parseFewShot(fm('  a: " SUM(y)"\n  b: " SUM(z)"') + body);
    assert.ok(same.diagnostics.some((d) => /both candidates start with "SUM"/.test(d.message)), JSON.stringify(same.diagnostics));
  });

  it('permutations: the written order first, seeded, distinct, capped at n!', () => {
    const p = permutations(4, 24, 3);
    assert.deepEqual(p[0], [0, 1, 2, 3]);
    assert.equal(new Set(p.map((x) => x.join())).size, 24);
    assert.deepEqual(permutations(4, 24, 3), p);
    assert.equal(permutations(3, 24, 1).length, 6);
    for (const x of p) assert.deepEqual([...x].sort(), [0, 1, 2, 3]);
  });
});

const RESULT: SweepResult = {
  model: { path: 'm.gguf', name: 'm', vocabSize: 10, contextSize: 512, trainContextSize: 512 },
  structure: { shape: 'markers', header: { start: 0, end: 0 }, examples: [], query: { start: 0, inputStart: 0, inputEnd: 0, outputStart: 0, outputEnd: 0, appendNewline: false } },
  target: ' x', candidates: [{ name: 'dsl', text: ' a' }, { name: 'en', text: ' b' }], lengthNormalized: false,
  formatClass: { source: 'example outputs', regex: null, size: 1, outputsCapped: false }, reference: null, toleranceBits: 0.1,
  ks: [0, 1, 2].map((k) => ({
    k, targetBits: 3 - k, targetTokenBits: [3 - k], targetTokens: [' x'], posterior: { dsl: 0.5 + 0.2 * k, en: 0.5 - 0.2 * k },
    coverage: 0.5, coverageBits: 1, mergedContextTokens: 0, formatMass: 0.1 * k, answerEntropy: 2, informationGainBits: k === 0 ? null : 0.1,
  })),
  examples: [1, 2].map((index) => ({ index, start: 0, end: 0, prequentialBits: 4 / index, looDeltaBits: -index, looEffect: 'helps' as const, informationGainBits: 0.1 })),
  tokensEvaluated: 10, tokensMinimum: 10, looTokensEvaluated: 5, retokenizedBoundary: false, complete: true,
};

describe('--expect', () => {
  it('passes and fails as the numbers say', () => {
    assert.equal(checkExpectation(RESULT, parseExpectation('posterior.dsl>=0.9@k=2')).ok, true);
    assert.equal(checkExpectation(RESULT, parseExpectation('posterior.dsl>=0.9@k=1')).ok, false);
    assert.equal(checkExpectation(RESULT, parseExpectation('targetBits<=1')).ok, true, 'defaults to the last k');
    assert.equal(checkExpectation(RESULT, parseExpectation('targetP > 0.4')).ok, true);
    assert.equal(checkExpectation(RESULT, parseExpectation('prequentialBits<3@k=1')).ok, false);
    assert.equal(checkExpectation(RESULT, parseExpectation('looDeltaBits==-2')).ok, true);
  });

  it('fails with a reason when the metric is missing', () => {
    const o = checkExpectation(RESULT, parseExpectation('posterior.sql>=0.5'));
    assert.equal(o.ok, false);
    assert.match(o.message, /no candidate "sql"/);
    assert.match(checkExpectation(RESULT, parseExpectation('formatMass>0@k=9')).message, /out of range/);
  });

  it('rejects what it cannot read', () => {
    assert.throws(() => parseExpectation('posterior.dsl'), /cannot read/);
    assert.throws(() => parseExpectation('perplexity<3'), /unknown metric/);
    assert.throws(() => parseExpectation('targetBits=<3'), /cannot read/);
  });
});

describe('CSV export', () => {
  it('has one row per k with the documented columns', () => {
    const lines = sweepCsv(RESULT).trimEnd().split('\r\n');
    assert.equal(lines[0], 'k,targetBits,targetP,posterior.dsl,posterior.en,coverage,coverageBits,formatMass,answerEntropy,informationGainBits,prequentialBits,looDeltaBits,looEffect');
    assert.equal(lines.length, 4);
    assert.deepEqual(lines[2].split(','), ['1', '2', '0.25', '0.7', '0.3', '0.5', '1', '0.1', '2', '0.1', '4', '-1', 'helps']);
  });

  it('quotes names with commas and quotes', () => {
    const csv = sweepCsv({ ...RESULT, candidates: [{ name: 'a,"b"', text: 'x' }], ks: [{ ...RESULT.ks[0], posterior: { 'a,"b"': 1 } }] });
    assert.ok(csv.startsWith('k,targetBits,targetP,"posterior.a,""b"""'));
  });
});
