/**
 * A chat file through the runtime: its messages rendered by the chat template
 * in the worker, analysed, and mapped back onto the file.
 */
import type { ChatDocument, ChatSourceAnalysis, ChatTemplateChoice } from '../core/chat/chatTypes';
import { toSourceAnalysis } from '../core/chat/sourceMapping';
import type { ModelRuntime, RequestOptions } from './runtimeClient';
import { RuntimeError } from './runtimeError';
import type { AnalyzeChatSpec } from './runtimeProtocol';

export type { AnalyzeChatSpec } from './runtimeProtocol';
export { isNoChatTemplateError } from './runtimeError';

/**
 * Analyse chat document `doc` (whose document text is `text`) with the template
 * `template`. Every message is sent; when the last one is an assistant message
 * it is the reply being written: the rest is rendered with the generation
 * prompt and its content follows as plain text, without an end of turn
 * (ChatContext.reply). Otherwise the generation prompt ends the prompt.
 * A document with errors is refused (RuntimeError 'input', naming the first)
 * before any model work.
 */
export async function analyzeChatDocument(
  runtime: Pick<ModelRuntime, 'analyzeChat'>,
  text: string, doc: ChatDocument, template: ChatTemplateChoice, topK: number, options: RequestOptions = {},
): Promise<ChatSourceAnalysis> {
  const error = doc.diagnostics.find((d) => d.severity === 'error');
  if (error !== undefined) throw new RuntimeError('input', `The chat file has errors: ${error.message}`);
  if (doc.messages.length === 0) throw new RuntimeError('input', 'The chat file has no messages.');
  const turns = doc.messages.map(({ role, content }) => ({ role, content }));
  const last = turns.at(-1)!;
  const spec: AnalyzeChatSpec = last.role === 'assistant'
    ? { turns: turns.slice(0, -1), reply: last.content, template, topK }
    : { turns, template, topK };
  const analysis = await runtime.analyzeChat(spec, options);
  return toSourceAnalysis(text, doc, analysis);
}
