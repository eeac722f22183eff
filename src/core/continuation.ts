/**
 * A short greedy continuation, as a playground shows it: from a position, the
 * model's most probable next tokens one at a time, each with its probability
 * and the alternatives at that step. A branch forces the tokens up to a step
 * and an alternative there, and continues greedily from it.
 */
import type { Alternative, ModelInfo } from './analysis';

/** What the worker continues. */
export interface ContinuationSpec {
  /** The text the model reads (the document's body up to the position). */
  readonly text: string;
  /** Tokens taken as given before the greedy ones (a branch's path); empty for the plain continuation. */
  readonly forced: readonly number[];
  /** Greedy tokens to generate after the forced ones (fewer where the model ends the text or the context is full). */
  readonly maxTokens: number;
  /** Alternatives to report per step. */
  readonly topK: number;
}

/** One token of a continuation and the distribution it was chosen from. */
export interface ContinuationStep {
  readonly id: number;
  /** The token's text in the continuation ("" for an end-of-generation token). */
  readonly text: string;
  /** How the token is labelled (its vocabulary name for special tokens). */
  readonly label: string;
  /** p of this token at this step, from the full distribution. */
  readonly p: number;
  /** 1 + the number of tokens with a strictly higher probability. */
  readonly rank: number;
  /** Entropy of the distribution at this step, bits. */
  readonly entropy: number;
  /** Whether the token was given (a branch's path) rather than chosen greedily. */
  readonly forced: boolean;
  /** Whether the token ends generation (EOS, end of turn). */
  readonly end: boolean;
  /** The most probable tokens at this step, highest first. */
  readonly top: readonly Alternative[];
}

/** Why a continuation stopped: it has its tokens, or the model ended the text. */
export type ContinuationStop = 'length' | 'end';

export interface Continuation {
  readonly model: ModelInfo;
  /** Tokens of the text the model read (BOS included). */
  readonly contextTokens: number;
  /** Tokens cut from the start of the text because the context could not hold them with the continuation. */
  readonly droppedTokens: number;
  readonly steps: readonly ContinuationStep[];
  /** The continuation's text: what Insert puts into the document. */
  readonly text: string;
  readonly stop: ContinuationStop;
}

/** The forced path of the branch that takes `altId` at step `step` of `steps`: the tokens before it, then the alternative. */
export function branchPath(steps: readonly ContinuationStep[], step: number, altId: number): number[] {
  if (!Number.isInteger(step) || step < 0 || step >= steps.length) throw new RangeError(`no step ${step} in a continuation of ${steps.length}`);
  return [...steps.slice(0, step).map((s) => s.id), altId];
}

/** Probability bands for colouring a step, most probable first (0: p ≥ 0.8 … 4: p < 0.05). */
export function probabilityBand(p: number): 0 | 1 | 2 | 3 | 4 {
  if (p >= 0.8) return 0;
  if (p >= 0.5) return 1;
  if (p >= 0.2) return 2;
  if (p >= 0.05) return 3;
  return 4;
}
