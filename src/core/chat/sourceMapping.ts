/**
 * The rendered prompt's tokens mapped back onto the chat file.
 * STUB: the contract only; the implementation replaces it.
 */
import type { TokenStat } from '../analysis';
import type { ChatAnalysis, ChatDocument, ChatSourceAnalysis } from './chatTypes';

/**
 * `analysis` (over the rendered text of `doc`'s messages, turn i = message i)
 * re-expressed over the document `text` (see ChatSourceAnalysis).
 */
export function toSourceAnalysis(text: string, doc: ChatDocument, analysis: ChatAnalysis): ChatSourceAnalysis {
  void text; void doc;
  return { ...analysis, rendered: analysis };
}

/** The chat template's tokens on either side of a content token, in token order. */
export interface TemplateNeighbours {
  /** The run of template tokens right before it (role header, special tokens), nearest last. */
  readonly before: readonly TokenStat[];
  /** The run right after it (end of turn, the next header), nearest first. */
  readonly after: readonly TokenStat[];
}

/**
 * The template tokens next to `tokens[position]`: the consecutive template
 * tokens that precede it and those that follow it (at most `limit` each, the
 * nearest kept). Empty for a token inside a message, and for a template token.
 */
export function templateNeighbours(tokens: readonly TokenStat[], position: number, limit = Infinity): TemplateNeighbours {
  const token = tokens[position];
  if (token === undefined || token.template) return { before: [], after: [] };
  let from = position;
  while (from > 0 && tokens[from - 1].template && position - from < limit) from--;
  let to = position + 1;
  while (to < tokens.length && tokens[to].template && to - position - 1 < limit) to++;
  return { before: tokens.slice(from, position), after: tokens.slice(position + 1, to) };
}
