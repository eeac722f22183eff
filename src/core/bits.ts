/** Information-theory helpers, all in bits. */
import type { TokenStat } from './analysis';

export const LOG2E = Math.LOG2E;

/** Summary of an analysed span. */
export interface StatSummary {
  readonly tokens: number;
  /** Tokens that have statistics (all but an unpredicted first token). */
  readonly scored: number;
  /** 2^(mean surprisal); null when nothing was scored. */
  readonly perplexity: number | null;
  readonly meanSurprisal: number | null;
  readonly meanEntropy: number | null;
}

/** Mean surprisal, mean entropy and perplexity of the scored tokens. */
export function summarize(tokens: readonly TokenStat[]): StatSummary {
  let s = 0, h = 0, n = 0;
  for (const t of tokens) {
    if (t.surprisal === null || t.entropy === null) continue;
    s += t.surprisal;
    h += t.entropy;
    n++;
  }
  if (n === 0) return { tokens: tokens.length, scored: 0, perplexity: null, meanSurprisal: null, meanEntropy: null };
  return { tokens: tokens.length, scored: n, perplexity: 2 ** (s / n), meanSurprisal: s / n, meanEntropy: h / n };
}

/** Entropy in bits of a distribution given as probabilities (terms with p = 0 contribute 0). */
export function entropyOfProbabilities(ps: Iterable<number>): number {
  let h = 0;
  for (const p of ps) if (p > 0) h -= p * Math.log2(p);
  return h;
}

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
