/** Reference information-theory computations for tests, in float64 and bits. */
import { LOG2E } from '../../src/core/bits';

/** Log-softmax statistics of a logit vector, in float64: the reference computation. */
export function logitStats(logits: ArrayLike<number>): { maxLogit: number; lnZ: number; entropyBits: number } {
  let max = -Infinity;
  for (let i = 0; i < logits.length; i++) if (logits[i] > max) max = logits[i];
  let z = 0, s = 0;
  for (let i = 0; i < logits.length; i++) {
    const d = logits[i] - max;
    const e = Math.exp(d);
    z += e;
    s += e * d;
  }
  const lnZ = Math.log(z);
  return { maxLogit: max, lnZ, entropyBits: (lnZ - s / z) * LOG2E };
}

/** Entropy in bits of a distribution given as probabilities (terms with p = 0 contribute 0). */
export function entropyOfProbabilities(ps: Iterable<number>): number {
  let h = 0;
  for (const p of ps) if (p > 0) h -= p * Math.log2(p);
  return h;
}
