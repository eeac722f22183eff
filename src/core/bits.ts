/** Information-theory helpers, all in bits. */
import type { TokenStat } from './analysis';

export const LOG2E = Math.LOG2E;

/** Summary of an analysed span. */
export interface StatSummary {
  readonly tokens: number;
  /** Tokens that have statistics and are the user's text (all but an unpredicted first token and a chat template's tokens). */
  readonly scored: number;
  /** 2^(mean surprisal); null when nothing was scored. */
  readonly perplexity: number | null;
  readonly meanSurprisal: number | null;
  /** Null also when a scored token's entropy was not computed (the `surprisal` reading). */
  readonly meanEntropy: number | null;
}

/**
 * Mean surprisal, mean entropy and perplexity of the scored tokens. A chat
 * template's tokens (role headers, special tokens) are counted in `tokens` but
 * not in the means: they are not the user's text, and a template the model was
 * not trained on would make a readable text look unreadable.
 */
export function summarize(tokens: readonly TokenStat[]): StatSummary {
  let s = 0, h = 0, n = 0, withEntropy = 0;
  for (const t of tokens) {
    if (t.surprisal === null || t.template) continue;
    s += t.surprisal;
    n++;
    if (t.entropy === null) continue;
    h += t.entropy;
    withEntropy++;
  }
  if (n === 0) return { tokens: tokens.length, scored: 0, perplexity: null, meanSurprisal: null, meanEntropy: null };
  return { tokens: tokens.length, scored: n, perplexity: 2 ** (s / n), meanSurprisal: s / n, meanEntropy: withEntropy === n ? h / n : null };
}
