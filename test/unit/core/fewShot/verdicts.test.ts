/** Verdicts, coverage and the tolerance: what a user reads next to the numbers. */
import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { looEffect } from '../../../../src/core/fewShot/effects';
import { parseFewShot } from '../../../../src/core/fewShot/fewShotParser';
import { candidateCoverageLog2 } from '../../../../src/core/fewShot/posteriorMath';
import { whyShufflingCannotChange, type OrderReport, type RandomLabelsReport } from '../../../../src/core/fewShot/probes';
import { renderSweep } from '../../../../src/core/fewShot/sweepReport';
import type { SweepResult } from '../../../../src/core/fewShot/sweep';
import { orderVerdict, randomLabelsVerdict, sweepVerdicts } from '../../../../src/core/fewShot/verdicts';
import { unreadableNotice } from '../../../../src/core/readability';
import { windTunnelVerdict } from '../../../../src/core/windTunnel/windTunnelProbe';

function sweep(overrides: Partial<SweepResult> & { deltas?: number[]; coverage?: number }): SweepResult {
  const deltas = overrides.deltas ?? [-2, 0.05, 0.8];
  const coverage = overrides.coverage ?? 0.5;
  return {
    model: { path: 'm.gguf', name: 'm', vocabSize: 10, contextSize: 512, trainContextSize: 512 },
    structure: { shape: 'markers', header: { start: 0, end: 0 }, examples: [], query: { start: 0, inputStart: 0, inputEnd: 0, outputStart: 0, outputEnd: 0, appendNewline: false } },
    target: ' a', candidates: [{ name: 'dsl', text: ' a' }, { name: 'en', text: ' b' }], lengthNormalized: false,
    formatClass: { source: 'example outputs', regex: null, size: 2, outputsCapped: false }, reference: null, toleranceBits: 0.1,
    ks: [0, 1, 2, 3].map((k) => ({
      k, targetBits: 5 - k, targetTokenBits: [5 - k], targetTokens: [' a'], posterior: { dsl: 0.5 + 0.1 * k, en: 0.5 - 0.1 * k },
      coverage, coverageBits: -Math.log2(coverage), mergedContextTokens: 0, formatMass: 0.2 * k, answerEntropy: 3 - k, informationGainBits: k === 0 ? null : 0.1,
    })),
    examples: deltas.map((d, i) => ({ index: i + 1, start: 0, end: 0, prequentialBits: 6 - 2 * i, looDeltaBits: d, looEffect: looEffect(d, 0.1), informationGainBits: 0.1 })),
    tokensEvaluated: 10, tokensMinimum: 10, looTokensEvaluated: 5, retokenizedBoundary: false, complete: true,
    ...overrides,
  };
}

describe('tolerance', () => {
  it('an effect within ± the tolerance is no measurable effect, never helps or hurts', () => {
    assert.equal(looEffect(0.05, 0.1), 'none');
    assert.equal(looEffect(-0.1, 0.1), 'none');
    assert.equal(looEffect(-0.11, 0.1), 'helps');
    assert.equal(looEffect(0.3, 0.1), 'hurts');
    assert.equal(looEffect(null, 0.1), null);
  });

  it('leave-one-out verdict names the examples that hurt and what to try, and calls noise noise', () => {
    const v = sweepVerdicts(sweep({})).loo!;
    assert.equal(v.tone, 'bad');
    assert.match(v.text, /^E3 lowers P\(target\) \(by 0\.8 bits\): try the prompt without it\. E1 helps \(removing E1 costs 2 bits\)\. E2 has no measurable effect \(within ±0\.1 bits\)\.$/);
    const quiet = sweepVerdicts(sweep({ deltas: [0.01, -0.02] })).loo!;
    assert.equal(quiet.tone, 'neutral');
    assert.match(quiet.text, /No example has a measurable effect on its own/);
  });

  it('order and random labels within the tolerance read as no measurable effect', () => {
    const order: OrderReport = {
      probe: 'order', orders: [{ order: [1, 2], targetBits: 1, targetP: 0.5, posterior: {} }, { order: [2, 1], targetBits: 1.05, targetP: 0.48, posterior: {} }],
      targetP: { min: 0.48, max: 0.5, mean: 0.49, std: 0.01 }, targetBitsStd: 0.025, best: [1, 2], worst: [2, 1], maxPosteriorKlBits: 0, toleranceBits: 0.1, exchangeable: true,
    };
    assert.match(orderVerdict(order).text, /makes no measurable difference/);
    assert.match(orderVerdict({ ...order, exchangeable: false, targetBitsStd: 0.5, best: [2, 1] }).text, /The order matters.*Best order: 2 1 — try it/);
    const rl: RandomLabelsReport = {
      probe: 'random-labels', toleranceBits: 0.1, shuffleCannotChange: null, measurable: false,
      trueLabels: { targetBits: 1, posterior: {} }, shuffled: [], meanShuffledBits: 1.05, labelEffectBits: 0.05, meanPosteriorKlBits: 0,
    };
    assert.match(randomLabelsVerdict(rl).text, /no measurable difference/);
    assert.match(randomLabelsVerdict({ ...rl, measurable: true, labelEffectBits: 2 }).text, /uses the input→label mapping/);
  });

  it('random labels says when shuffling cannot change the input→label mapping', () => {
    const labels = '---\nheader: "labels:"\nseparator: " "\n---\nlabels: A B A A B';
    const s = parseFewShot(labels).structure!;
    assert.match(whyShufflingCannotChange(labels, s)!, /no inputs, so a shuffle only reorders the labels \(the counts stay the same\)/);
    const qa = 'Q: cat\nA: animal\n\nQ: oak\nA: plant\n\nQ: dog\nA:';
    assert.equal(whyShufflingCannotChange(qa, parseFewShot(qa).structure!), null);
    const same = 'Q: cat\nA: yes\n\nQ: oak\nA: yes\n\nQ: dog\nA:';
    assert.match(whyShufflingCannotChange(same, parseFewShot(same).structure!)!, /same output/);
  });
});

describe('coverage', () => {
  it('is log2 Σ P over the candidates, finite where P underflows', () => {
    assert.ok(Math.abs(candidateCoverageLog2([[Math.log(0.25)], [Math.log(0.125), Math.log(0.5)]]) - Math.log2(0.3125)) < 1e-12);
    const tiny = candidateCoverageLog2([[-800], [-801]]);
    assert.ok(Number.isFinite(tiny) && Math.abs(tiny - (-800 + Math.log(1 + Math.exp(-1))) * Math.LOG2E) < 1e-9);
  });

  it('a posterior over answers the model does not expect is worded as such, in the verdict and the table', () => {
    const low = sweep({ coverage: 1e-9 });
    const v = sweepVerdicts(low).posterior!;
    assert.equal(v.tone, 'warn');
    assert.match(v.text, /hold only 1\.0e-9 of the model's probability.*not confidence/);
    const table = renderSweep(low);
    assert.match(table, /coverage/);
    assert.match(table, /0\.800!/, 'the posterior is marked where it is shown');
    assert.match(table, /!: coverage below 0\.000001/);
    assert.equal(sweepVerdicts(sweep({})).posterior!.tone, 'neutral');
  });
});

describe('verdicts in words', () => {
  it('target, learning and format lines follow the numbers', () => {
    const v = sweepVerdicts(sweep({}));
    assert.match(v.target!.text, /^The 3 examples raise P\(target\) by 3 bits, to 0\.25\.$/);
    assert.match(v.prequential!.text, /Later examples cost fewer bits/);
    assert.match(v.entropy!.text, /from 0 to 0\.6/);
  });

  it('the wind tunnel passes or fails against the 0.1-bit line and names its reference', () => {
    assert.match(windTunnelVerdict({ task: 'coin', meanKl: 1e-5, meanEntropyError: 0.002, pass: true }), /^PASS \(coin\): .*≤ the 0\.1-bit pass line.*0\.007 bits on bijection elimination: Misra et al\., arXiv 2512\.22471/);
    assert.match(windTunnelVerdict({ task: 'bijection', meanKl: 0.3, meanEntropyError: 0.2, pass: false }), /^FAIL \(bijection\): .*> the 0\.1-bit pass line/);
  });

  it('a text read worse than uniform guessing gets a notice; a readable one none', () => {
    assert.match(unreadableNotice({ meanSurprisal: 20.9, scored: 10 }, 303, 'm')!.message, /m cannot read this text: its mean surprisal \(20\.9 bits per token\) is no better than guessing uniformly among its 303 tokens \(8\.2 bits\)/);
    assert.equal(unreadableNotice({ meanSurprisal: 0.5, scored: 10 }, 303, 'm'), null);
    assert.equal(unreadableNotice({ meanSurprisal: null, scored: 0 }, 303, 'm'), null);
  });
});
