/**
 * What the few-shot sweep and probes need of a model: teacher-forced scores of
 * continuations after contexts, scored in batches so the runtime can share the
 * KV cache across them (see prefixPlan.ts).
 *
 * The token-boundary rule (docs/numbers.md): texts are tokenized whole. The
 * tokens of a continuation X after a context C start at b = LCP(tok(C),
 * tok(C+X)); context tokens after b that merged into X are scored as part of
 * X. Continuations compared at one context form a *group* and are all scored
 * from the group's common boundary b* = min over them of b, so every one is
 * conditioned on the same tokens tok(C)[0..b*) and the answer's statistics are
 * read at the row that predicts token b*. Otherwise a tokenizer that merges
 * " B" but not " A" would condition the two labels on different prefixes.
 *
 * A chat context (ChatContext) is tokenized as the chat template renders it,
 * up to the generation prompt of the assistant's reply; context + X is the
 * same conversation with X appended to the reply. The rule is the same on
 * those token sequences.
 */
import type { ModelInfo } from '../analysis';
import type { ChatTemplateChoice } from '../chat/chatTypes';
import { commonPrefixLength } from '../sequenceDiff';
import type { PromptContext } from './promptText';

/** Continuations compared at one context, all scored from one token boundary. */
export interface ScoreGroup {
  /** A text, or a chat conversation rendered by the batch's template. */
  readonly context: PromptContext;
  /** Scored teacher-forced from the group's boundary, in this order. */
  readonly continuations: readonly string[];
  /**
   * Further continuations that take part in the boundary (b* is the minimum
   * over these too) without being scored: the example outputs, which also
   * define the default format class (their tokens at b*).
   */
  readonly boundaryAlso?: readonly string[];
  /** Also read the whole distribution at the boundary row: entropy, and format mass when a class is given. */
  readonly stats: boolean;
}

/** The token class whose probability mass is "format mass". */
export interface TokenClassSpec {
  /**
   * Null: the tokens at the boundary of each group's `boundaryAlso`
   * continuations (the tokens that begin an example output there).
   * Otherwise tokens whose text (as read mid-text) matches this regex.
   */
  readonly regex: string | null;
}

/** One scored continuation of a group. */
export interface ScoredContinuation {
  /** The whole sequence the model saw (BOS included), context then continuation. */
  readonly tokens: readonly number[];
  /** ln p of each token from the group's boundary on, given everything before it (teacher forced). */
  readonly lnp: readonly number[];
  /** Each scored token's text. */
  readonly pieces: readonly string[];
}

/** A group's results: every continuation from the common boundary, and the distribution there. */
export interface ScoredGroup {
  /** b*: position (BOS included) of the first scored token; tokens before it are the common context. */
  readonly boundary: number;
  /** Tokens of the context alone (BOS included). */
  readonly contextTokens: number;
  readonly continuations: readonly ScoredContinuation[];
  /** Entropy (bits) of the distribution at the boundary row, when asked. */
  readonly entropyBits: number | null;
  /** Σ p over the token class at the boundary row, when asked and a class is given. */
  readonly classMass: number | null;
  /** How many tokens that class holds (0 when not asked). */
  readonly classSize: number;
  /**
   * How many of the context's own tokens lie at or after the boundary (0
   * normally): they merged into some continuation and are scored with every one.
   */
  readonly retokenized: number;
}

export interface ScoreBatch {
  /** The last group is evaluated last, so the cache ends holding it for the next batch. */
  readonly groups: readonly ScoreGroup[];
  readonly tokenClass?: TokenClassSpec;
  /**
   * Prompts that must fit the context: checked (tokenized, not evaluated) before
   * anything else, so a sweep whose longest prompt cannot fit fails at once.
   */
  readonly mustFit?: readonly PromptContext[];
  /** How chat contexts are rendered: `auto` (the model's own template) when not given. Text contexts ignore it. */
  readonly template?: ChatTemplateChoice;
}

export interface ScoreBatchResult {
  readonly model: ModelInfo;
  readonly groups: readonly ScoredGroup[];
  /** Tokens this batch evaluated. */
  readonly tokensEvaluated: number;
  /** Size of the regex token class (0 without one; the default class is per group). */
  readonly classSize: number;
  /** Which template rendered the batch's chat contexts, in words ("the model's chat template"); absent when it had none. */
  readonly template?: string;
}

export type ContinuationScorer = (batch: ScoreBatch) => Promise<ScoreBatchResult>;

/**
 * The common boundary of a group, from the tokenizations of the context and of
 * each context+continuation (all with the same BOS treatment): min over them of
 * LCP(tok(C), tok(C+X)). Returns the context's length when there is nothing to compare.
 */
export function commonBoundary(context: readonly number[], withContinuations: ReadonlyArray<readonly number[]>): number {
  let b = context.length;
  for (const full of withContinuations) b = Math.min(b, commonPrefixLength(context, full));
  return b;
}
