/**
 * Comparing a model with the analytic posterior predictive: the model's
 * distribution restricted to the task's symbols and renormalised (p̂), KL(q ‖ p̂)
 * and |H(p̂) − H(q)| in bits, per position and averaged.
 */

/** Entropy in bits (terms with p = 0 contribute 0). */
export function entropyBits(p: readonly number[]): number {
  let h = 0;
  for (const x of p) if (x > 0) h -= x * Math.log2(x);
  return h;
}

/** KL(q ‖ p) in bits; Infinity where p has no mass on something q expects. */
export function klBits(q: readonly number[], p: readonly number[]): number {
  let kl = 0;
  for (let i = 0; i < q.length; i++) {
    if (q[i] === 0) continue;
    if (p[i] === 0) return Infinity;
    kl += q[i] * Math.log2(q[i] / p[i]);
  }
  return Math.max(0, kl);
}

/** Renormalise `mass` (the model's probabilities of the symbols) and report what fell outside them. */
export function restrict(mass: readonly number[]): { p: number[]; outsideMass: number } {
  const total = mass.reduce((a, b) => a + b, 0);
  if (!(total > 0)) throw new RangeError('the model gives the task symbols no probability at all');
  return { p: mass.map((m) => m / total), outsideMass: Math.max(0, 1 - total) };
}

/** One slot's comparison. */
export interface SlotComparison {
  readonly t: number;
  readonly kl: number;
  readonly entropyError: number;
  readonly outsideMass: number;
  readonly analyticEntropy: number;
  readonly modelEntropy: number;
}

/** Compare the analytic predictive `q` with the model's symbol probabilities `mass` at position `t`. */
export function compareSlot(t: number, q: readonly number[], mass: readonly number[]): SlotComparison {
  const { p, outsideMass } = restrict(mass);
  const analyticEntropy = entropyBits(q);
  const modelEntropy = entropyBits(p);
  return { t, kl: klBits(q, p), entropyError: Math.abs(modelEntropy - analyticEntropy), outsideMass, analyticEntropy, modelEntropy };
}

/** Per-position means over sequences and the overall means, as the JSON report lists them. */
export function summarizeComparisons(perSequence: ReadonlyArray<readonly SlotComparison[]>): {
  positions: SlotComparison[];
  meanKl: number;
  meanEntropyError: number;
} {
  const byT = new Map<number, SlotComparison[]>();
  for (const seq of perSequence) for (const c of seq) byT.set(c.t, [...(byT.get(c.t) ?? []), c]);
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  const positions = [...byT.entries()].sort((a, b) => a[0] - b[0]).map(([t, cs]) => ({
    t,
    kl: mean(cs.map((c) => c.kl)),
    entropyError: mean(cs.map((c) => c.entropyError)),
    outsideMass: mean(cs.map((c) => c.outsideMass)),
    analyticEntropy: mean(cs.map((c) => c.analyticEntropy)),
    modelEntropy: mean(cs.map((c) => c.modelEntropy)),
  }));
  const all = perSequence.flat();
  return {
    positions,
    meanKl: all.length ? mean(all.map((c) => c.kl)) : NaN,
    meanEntropyError: all.length ? mean(all.map((c) => c.entropyError)) : NaN,
  };
}
