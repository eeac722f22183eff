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
