/**
 * A chat file through the runtime: its messages rendered by the chat template
 * in the worker, analysed, and mapped back onto the file.
 * STUB: the contract only; the implementation replaces it.
 */
import type { ChatAnalysis, ChatDocument, ChatSourceAnalysis, ChatTemplateChoice, ChatTurn } from '../core/chat/chatTypes';
import type { RequestOptions } from './runtimeClient';

export interface AnalyzeChatSpec {
  readonly turns: readonly ChatTurn[];
  readonly template: ChatTemplateChoice;
  readonly topK: number;
}

/**
 * Analyse chat document `doc` (whose document text is `text`) with the template
 * `template`. Every message is sent; when the last one is an assistant message
 * it is the reply being written: the rest is rendered with the generation
 * prompt and its content follows as plain text, without an end of turn
 * (ChatContext.reply). Otherwise the generation prompt ends the prompt.
 */
export async function analyzeChatDocument(
  runtime: { analyzeChat(spec: AnalyzeChatSpec, options?: RequestOptions): Promise<ChatAnalysis> },
  text: string, doc: ChatDocument, template: ChatTemplateChoice, topK: number, options: RequestOptions = {},
): Promise<ChatSourceAnalysis> {
  void runtime; void text; void doc; void template; void topK; void options;
  throw new Error('analyzeChatDocument: not implemented yet');
}
