/**
 * The rendered prompt's tokens mapped back onto the chat file.
 * STUB: the contract only; the implementation replaces it.
 */
import type { ChatAnalysis, ChatDocument, ChatSourceAnalysis } from './chatTypes';

/**
 * `analysis` (over the rendered text of `doc`'s messages, turn i = message i)
 * re-expressed over the document `text` (see ChatSourceAnalysis).
 */
export function toSourceAnalysis(text: string, doc: ChatDocument, analysis: ChatAnalysis): ChatSourceAnalysis {
  void text; void doc;
  return { ...analysis, rendered: analysis };
}
