/**
 * The shape of an analysis: every number the heatmap, hover, status bar and CLI
 * show. Bits throughout; offsets in UTF-16 code units, end exclusive.
 */
import type { Precision } from './precision';

/** One alternative in a next-token distribution. */
export interface Alternative {
  readonly id: number;
  readonly text: string;
  readonly p: number;
}

/**
 * A document token and the distribution the model gave for its slot before
 * seeing it. All statistics are null when nothing predicts the token (the first
 * token of a model without BOS).
 */
export interface TokenStat {
  readonly index: number;
  readonly id: number;
  readonly text: string;
  readonly start: number;
  readonly end: number;
  /** −log2 p(token). */
  readonly surprisal: number | null;
  /** −Σ p log2 p over the whole vocabulary. */
  readonly entropy: number | null;
  readonly p: number | null;
  /** 1 + the number of tokens with a strictly higher probability. */
  readonly rank: number | null;
  /** The most probable tokens for this slot, highest first. */
  readonly top: readonly Alternative[];
  /**
   * A chat template's token (role header, special token), not written in the
   * document: its span is empty, at the place it sits (core/chat/chatTypes.ts).
   */
  readonly template?: true;
}

/** The distribution after the last token of the document. */
export interface NextDistribution {
  readonly entropy: number;
  readonly top: readonly Alternative[];
}

export interface ModelInfo {
  readonly path: string;
  readonly name: string;
  readonly vocabSize: number;
  readonly contextSize: number;
  readonly trainContextSize: number;
}

/** How the statistics were computed, for the log and the benchmark. */
export interface AnalysisRoute {
  /** `native`: the row-statistics addon; `exact-map`: node-llama-cpp probability maps. */
  readonly scorer: 'native' | 'exact-map';
  /**
   * What was computed per token. `all`: entropy, rank and the top alternatives.
   * `surprisal` (the exact-map route asked for surprisal only): exact surprisal
   * and p, the most probable token as the only alternative, rank 1 where the token
   * is that one and null otherwise, entropy null. The native route always reads `all`.
   */
  readonly reading: Reading;
  /** How the model evaluated: `exact` (flash attention off, F32 cache) or `fast` (on, F16 cache; src/core/precision.ts). */
  readonly precision: Precision;
  /** Tokens evaluated by the model for this analysis (after KV-cache reuse). */
  readonly tokensEvaluated: number;
  /** Set when the document is longer than the context and was analysed in windows. */
  readonly window?: { readonly size: number; readonly stride: number };
}

export interface Analysis {
  readonly model: ModelInfo;
  readonly text: string;
  readonly tokens: readonly TokenStat[];
  readonly next: NextDistribution | null;
  readonly route: AnalysisRoute;
}

export type Metric = 'entropy' | 'surprisal';

/** What an analysis computes per token (AnalysisRoute.reading). */
export type Reading = 'all' | 'surprisal';

/** The reading a heatmap of `metric` needs: surprisal alone, or everything for entropy. */
export function readingFor(metric: Metric): Reading {
  return metric === 'surprisal' ? 'surprisal' : 'all';
}
