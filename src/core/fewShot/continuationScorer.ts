/**
 * What the few-shot sweep and probes need of a model: teacher-forced scores of
 * continuations after contexts, scored in batches so the runtime can share the
 * KV cache across them (see prefixPlan.ts).
 */

export interface ScoreRequest {
  readonly context: string;
  readonly continuation: string;
  /** Also read the whole distribution where the continuation starts (entropy, class mass). */
  readonly stats: boolean;
}

/** The token class whose probability mass is "format mass". */
export interface TokenClassSpec {
  /** Tokens that begin any of these continuations (in their contexts) are in the class. */
  readonly firstTokensOf: ReadonlyArray<{ readonly context: string; readonly continuation: string }>;
  /** Tokens whose text (as read mid-text) matches this regex are in the class instead. */
  readonly regex: string | null;
}

export interface ScoredContinuation {
  /** The whole sequence the model saw (BOS included), context then continuation. */
  readonly tokens: readonly number[];
  /** Position of the continuation's first token in `tokens`. */
  readonly scoreFrom: number;
  /** ln p of each continuation token given everything before it (teacher forced). */
  readonly lnp: readonly number[];
  /** Each continuation token's text. */
  readonly pieces: readonly string[];
  /** Entropy (bits) of the distribution where the continuation starts, when asked. */
  readonly entropyBits: number | null;
  /** Σ p over the token class where the continuation starts, when asked and a class is given. */
  readonly classMass: number | null;
  /**
   * How many of the context's own tokens the tokenizer merged into the
   * continuation at the boundary (0 normally); those are scored with it.
   */
  readonly retokenized: number;
}

export interface ScoreBatch {
  /** The last request is evaluated last, so the cache ends holding it for the next batch. */
  readonly requests: readonly ScoreRequest[];
  readonly tokenClass?: TokenClassSpec;
}

export interface ScoreBatchResult {
  readonly model: { readonly name: string; readonly path: string };
  readonly results: readonly ScoredContinuation[];
  /** Tokens this batch evaluated. */
  readonly tokensEvaluated: number;
  /** Size of the token class (0 when none was given). */
  readonly classSize: number;
}

export type ContinuationScorer = (batch: ScoreBatch) => Promise<ScoreBatchResult>;
