/**
 * The Bayesian scaling law's fit and the forecast: parameters recovered from
 * curves the law generates, the analytic references (Laplace's rule for a
 * coin, the noisy-labels posterior) forecast exactly from their first points,
 * and no forecast where the data cannot support one.
 */
import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fitScalingLaw, fitScalingLawForm, lawP, type ScalingLawParams } from '../../../../src/core/fewShot/bayesianScalingLaw';
import { parseFewShot } from '../../../../src/core/fewShot/fewShotParser';
import { crossing, forecastCurve, forecastVerdict, MIN_FORECAST_POINTS } from '../../../../src/core/fewShot/forecast';
import { referencePosterior } from '../../../../src/core/fewShot/sweep';

const curve = (p: (k: number) => number, n: number) => Array.from({ length: n }, (_, k) => ({ k, bits: -Math.log2(p(k)) }));
const close = (actual: number, expected: number, rel: number, what: string) =>
  assert.ok(Math.abs(actual - expected) <= rel * Math.abs(expected), `${what}: ${actual} vs ${expected}`);

/** The analytic reference's P(first candidate) at k = 0..K of a prompt that declares one. */
function referenceCurve(text: string): number[] {
  const s = parseFewShot(text).structure!;
  return Array.from({ length: s.examples.length + 1 }, (_, k) => referencePosterior(text, s, k)[0]);
}

/** The first k at which an analytic curve reaches `level` (exact rationals compared with a 1e-12 slack). */
const analyticCrossing = (ps: readonly number[], level: number) => ps.findIndex((p) => p >= level - 1e-12);

describe('Bayesian scaling law: the fit recovers what generated the curve', () => {
  it('two tasks: ρ, K, γ, β from 12 points of the law itself', () => {
    const truth: ScalingLawParams = { form: 'two tasks', prior: 0.05, efficiency: 0.7, inDistribution: 0.95, outOfDistribution: 0.2 };
    const fit = fitScalingLaw(curve((k) => lawP(truth, k), 12));
    assert.equal(fit.params.form, 'two tasks');
    close(fit.params.prior, 0.05, 0.01, 'ρ');
    close(fit.params.efficiency, 0.7, 0.01, 'K');
    close(fit.params.inDistribution, 0.95, 0.001, 'γ');
    close(fit.params.outOfDistribution!, 0.2, 0.01, 'β');
    assert.ok(fit.rmsResidualBits < 1e-6);
  });

  it('a task continuum: ρ, K, γ from 10 points', () => {
    const truth: ScalingLawParams = { form: 'task continuum', prior: 0.2, efficiency: 3, inDistribution: 0.8, outOfDistribution: null };
    const fit = fitScalingLaw(curve((k) => lawP(truth, k), 10));
    assert.equal(fit.params.form, 'task continuum');
    close(fit.params.prior, 0.2, 0.01, 'ρ');
    close(fit.params.efficiency, 3, 0.01, 'K');
    close(fit.params.inDistribution, 0.8, 0.001, 'γ');
  });

  it('a target the model barely expects at first (P_0 ≈ 1e-4) is fitted in bits, not swamped', () => {
    const truth: ScalingLawParams = { form: 'two tasks', prior: 1e-4, efficiency: 2, inDistribution: 0.9, outOfDistribution: 0.3 };
    const fit = fitScalingLaw(curve((k) => lawP(truth, k), 10));
    assert.ok(fit.maxAbsResidualBits < 1e-4, `residual ${fit.maxAbsResidualBits}`);
    close(fit.params.prior, 1e-4, 0.05, 'ρ');
  });

  it('is deterministic: the same curve gives the same numbers', () => {
    const pts = curve((k) => 0.3 + 0.5 * (1 - Math.exp(-k / 3)) + (k % 2 ? 0.01 : -0.01), 9);
    assert.deepEqual(fitScalingLaw(pts), fitScalingLaw(pts));
  });

  it('Laplace\'s rule is the continuum with a uniform prior and K = 1; two tasks cannot draw it', () => {
    const laplace = curve((k) => (k + 1) / (k + 2), 8);
    const fit = fitScalingLaw(laplace);
    assert.equal(fit.params.form, 'task continuum');
    close(fit.params.prior, 0.5, 1e-4, 'ρ');
    close(fit.params.efficiency, 1, 1e-4, 'K');
    close(fit.params.inDistribution, 1, 1e-6, 'γ');
    assert.ok(fitScalingLawForm('two tasks', laplace).rmsResidualBits > 1e3 * fit.rmsResidualBits);
  });
});

describe('Forecast against the analytic references', () => {
  const coinAllHeads = `---\nheader: "flips:"\nseparator: " "\nreference: coin\ncandidates:\n  H: " H"\n  T: " T"\n---\nflips:${' H'.repeat(12)} H`;

  it('coin, uniform prior, all heads: fitted on k = 0..5, the forecast is Laplace\'s k = 8 for 0.9', () => {
    const ref = referenceCurve(coinAllHeads);
    assert.equal(ref[8], 0.9);
    assert.equal(analyticCrossing(ref, 0.9), 8);
    const f = forecastCurve(ref.slice(0, MIN_FORECAST_POINTS).map((p, k) => ({ k, bits: -Math.log2(p) })), 0.9, 0.1);
    assert.equal(f.reason, null);
    assert.equal(f.k, 8);
    assert.equal(f.measuredK, null);
    assert.equal(f.form, 'task continuum');
    close(f.parameters!.prior, 0.5, 1e-4, 'ρ');
    close(f.parameters!.efficiency, 1, 1e-4, 'K');
    assert.match(forecastVerdict(f).text, /reaches 0\.9 at k = 8/);
  });

  it('coin: every level the analytic curve reaches within 10× the points is forecast at its crossing', () => {
    const ref = referenceCurve(coinAllHeads);
    const laplace = (k: number) => (k + 1) / (k + 2);
    for (const level of [0.8, 0.85, 0.9, 0.95]) {
      const f = forecastCurve(ref.slice(0, 6).map((p, k) => ({ k, bits: -Math.log2(p) })), level, 0.1);
      const truth = Array.from({ length: 100 }, (_, k) => laplace(k)).findIndex((p) => p >= level - 1e-12);
      assert.equal(f.k, truth, `level ${level}`);
    }
  });

  for (const alpha of [0.7, 0.8, 0.9]) {
    it(`noisy labels, α = ${alpha}, all A: two tasks with ρ = ½, γ = α, β = 1 − α, K = 1, and the analytic crossing`, () => {
      const text = `---\nheader: "labels:"\nseparator: " "\nreference: labels\nalpha: ${alpha}\ncandidates:\n  A: " A"\n  B: " B"\n---\nlabels:${' A'.repeat(15)} A`;
      const ref = referenceCurve(text);
      // A level between P_7 and P_8, two examples beyond the 6 points fitted: the analytic curve first reaches it at k = 8.
      const level = (ref[7] + ref[8]) / 2;
      const truth = analyticCrossing(ref, level);
      assert.equal(truth, 8);
      const f = forecastCurve(ref.slice(0, 6).map((p, k) => ({ k, bits: -Math.log2(p) })), level, 0.1);
      assert.equal(f.form, 'two tasks');
      close(f.parameters!.prior, 0.5, 1e-4, 'ρ');
      close(f.parameters!.efficiency, 1, 1e-4, 'K');
      close(f.parameters!.inDistribution, alpha, 1e-6, 'γ');
      close(f.parameters!.outOfDistribution!, 1 - alpha, 1e-4, 'β');
      assert.equal(f.k, truth);
      // A level above the ceiling α is never reached.
      const high = forecastCurve(ref.slice(0, 6).map((p, k) => ({ k, bits: -Math.log2(p) })), alpha + 0.05, 0.1);
      assert.equal(high.k, null);
      assert.equal(high.reason, 'ceiling below level');
    });
  }

  it('noisy labels as the demo writes them (A A B A A A B A A A): forecast not reached, the ceiling is α', () => {
    const text = `---\nheader: "labels:"\nseparator: " "\nreference: labels\nalpha: 0.8\n---\nlabels: A A B A A A B A A A`;
    const ref = referenceCurve(text);
    const f = forecastCurve(ref.map((p, k) => ({ k, bits: -Math.log2(p) })), 0.9, 0.1);
    assert.equal(f.k, null);
    assert.notEqual(f.reason, null);
  });
});

describe('No forecast where the data cannot give one', () => {
  it('a flat curve: the ceiling is where it is, and 0.9 is not reached', () => {
    const f = forecastCurve(curve(() => 0.5, 8), 0.9, 0.1);
    assert.equal(f.k, null);
    assert.equal(f.reason, 'ceiling below level');
    close(f.parameters!.inDistribution, 0.5, 1e-6, 'γ');
    assert.match(forecastVerdict(f).text, /not reached.*levels off at 0\.5/);
  });

  it('too few points: says so, fits nothing', () => {
    const f = forecastCurve(curve((k) => (k + 1) / (k + 2), MIN_FORECAST_POINTS - 1), 0.9, 0.1);
    assert.equal(f.reason, 'too few points');
    assert.equal(f.parameters, null);
    assert.deepEqual(f.fitted, []);
    assert.match(forecastVerdict(f).text, /needs at least 6/);
  });

  it('no target: no forecast', () => {
    const f = forecastCurve([0, 1, 2, 3, 4, 5, 6].map((k) => ({ k, bits: null })), 0.9, 0.1);
    assert.equal(f.reason, 'no target');
  });

  it('a curve the law cannot draw (it falls, then rises): a poor fit, no forecast', () => {
    const f = forecastCurve(curve((k) => [0.6, 0.2, 0.05, 0.2, 0.6, 0.2, 0.05, 0.2][k], 8), 0.9, 0.1);
    assert.equal(f.reason, 'poor fit');
    assert.ok(f.rmsResidualBits! > 0.1);
    assert.equal(f.residualBits.length, 8);
    assert.match(forecastVerdict(f).text, /No forecast.*tolerance/);
  });

  it('a level reached only far beyond the measured k: not reached within the horizon', () => {
    const slow: ScalingLawParams = { form: 'task continuum', prior: 0.01, efficiency: 0.01, inDistribution: 0.99, outOfDistribution: null };
    const f = forecastCurve(curve((k) => lawP(slow, k), 8), 0.9, 0.1);
    assert.equal(f.reason, 'beyond horizon');
    assert.equal(f.horizon, 70);
    assert.ok(crossing(slow, 0.9, 1e6)! > 70);
  });

  it('a level already reached: k is the fitted crossing, the measured one is named', () => {
    const f = forecastCurve(curve((k) => (k + 1) / (k + 2), 12), 0.8, 0.1);
    assert.equal(f.k, 3);
    assert.equal(f.measuredK, 3);
    assert.equal(f.fitted.length, 12);
  });
});
