/**
 * The maths of the few-shot numbers (docs/numbers.md), on natural-log
 * probabilities from the model, reported in bits.
 */
import { LOG2E } from '../bits';

/** −log2 of a probability given as Σ ln p terms. */
export function bitsOf(lnp: readonly number[]): number {
  return -lnp.reduce((a, b) => a + b, 0) * LOG2E;
}

/**
 * The format posterior π(j) = P(c_j) / Σ_i P(c_i) from each candidate's
 * per-token ln p. Length-normalised, each P(c_j) is replaced by its per-token
 * geometric mean exp(mean ln p).
 */
export function candidatePosterior(perCandidate: ReadonlyArray<readonly number[]>, lengthNormalize: boolean): number[] {
  const scores = perCandidate.map((lnp) => {
    const sum = lnp.reduce((a, b) => a + b, 0);
    return lengthNormalize ? sum / Math.max(1, lnp.length) : sum;
  });
  return softmax(scores);
}

/**
 * Candidate coverage in log2: log2 Σ_j P(c_j) from each candidate's per-token
 * ln p, by log-sum-exp so it stays finite where P underflows float64.
 */
export function candidateCoverageLog2(perCandidate: ReadonlyArray<readonly number[]>): number {
  const sums = perCandidate.map((lnp) => lnp.reduce((a, b) => a + b, 0));
  const m = Math.max(...sums);
  if (m === -Infinity) return -Infinity;
  return (m + Math.log(sums.reduce((a, v) => a + Math.exp(v - m), 0))) * LOG2E;
}

/** Coverage below this (Σ_j P(c_j)) means the model expects none of the candidates: the posterior is no confidence. */
export const LOW_COVERAGE = 1e-6;

/** exp(x_i) / Σ exp(x_j), computed stably. */
export function softmax(x: readonly number[]): number[] {
  if (x.length === 0) return [];
  const m = Math.max(...x);
  if (m === -Infinity) return x.map(() => 1 / x.length);
  const e = x.map((v) => Math.exp(v - m));
  const z = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / z);
}

/** KL(p ‖ q) in bits; terms with p = 0 contribute nothing. */
export function klBits(p: readonly number[], q: readonly number[]): number {
  let kl = 0;
  for (let i = 0; i < p.length; i++) {
    if (p[i] > 0) kl += p[i] * Math.log2(p[i] / q[i]);
  }
  return Math.max(0, kl);
}

/**
 * Contextual calibration (Zhao et al. 2021): divide each raw posterior by the
 * posterior the content-free input gets (the label bias) and renormalise.
 */
export function calibrate(raw: readonly number[], contentFree: readonly number[]): number[] {
  const w = raw.map((p, i) => p / contentFree[i]);
  const z = w.reduce((a, b) => a + b, 0);
  return w.map((v) => v / z);
}

/** Mean and population standard deviation. */
export function meanStd(xs: readonly number[]): { mean: number; std: number } {
  if (xs.length === 0) return { mean: NaN, std: NaN };
  const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
  const variance = xs.reduce((a, b) => a + (b - mean) ** 2, 0) / xs.length;
  return { mean, std: Math.sqrt(variance) };
}
