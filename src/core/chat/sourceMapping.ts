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

/**
 * The template tokens next to content token `tokenIndex` of `analysis`: the
 * run of template tokens between the previous content token and it (`before`)
 * and the run after it up to the next content token or the end (`after`).
 * Both empty for a template token or an index out of range.
 */
export function templateNeighbours(analysis: ChatSourceAnalysis, tokenIndex: number): { before: readonly TokenStat[]; after: readonly TokenStat[] } {
  const tokens = analysis.tokens;
  const t = tokens[tokenIndex] as TokenStat | undefined;
  if (t === undefined || t.template === true) return { before: [], after: [] };
  let i = tokenIndex - 1;
  while (i >= 0 && tokens[i].template === true) i--;
  let j = tokenIndex + 1;
  while (j < tokens.length && tokens[j].template === true) j++;
  return { before: tokens.slice(i + 1, tokenIndex), after: tokens.slice(tokenIndex + 1, j) };
}
