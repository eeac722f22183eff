/**
 * Chats rendered independently of ICL Lens's renderer: straight through
 * node-llama-cpp's own chat wrapper (the model's Jinja template, or a named
 * wrapper) and LlamaText.tokenize, as LlamaChat sends a conversation with the
 * model's reply open at the end.
 */
import type { ChatContext, ChatTemplateChoice } from '../../src/core/chat/chatTypes';

type NodeLlamaCpp = typeof import('node-llama-cpp', { with: { 'resolution-mode': 'import' } });
let nlc: Promise<NodeLlamaCpp> | undefined;
let llama: Promise<Awaited<ReturnType<NodeLlamaCpp['getLlama']>>> | undefined;

/**
 * The tokens the model receives for `context` rendered by `template` (auto: the
 * model's `tokenizer.chat_template`; else a node-llama-cpp wrapper name): the
 * turns, the assistant's open reply holding `context.reply` (nothing: the bare
 * generation prompt).
 */
export async function renderedTokens(modelPath: string, context: ChatContext, template: ChatTemplateChoice): Promise<number[]> {
  nlc ??= import('node-llama-cpp');
  const lib = await nlc;
  llama ??= lib.getLlama({ gpu: false, build: 'never', logLevel: lib.LlamaLogLevel.error });
  const model = await (await llama).loadModel({ modelPath, vocabOnly: true });
  try {
    const wrapper = template === 'auto'
      ? new lib.JinjaTemplateChatWrapper({ template: model.fileInfo.metadata.tokenizer!.chat_template!, tokenizer: model.tokenizer })
      : lib.resolveChatWrapper({
        type: template as (typeof lib.specializedChatWrapperTypeNames)[number],
        bosString: model.tokens.bosString, filename: model.filename, fileInfo: model.fileInfo, tokenizer: model.tokenizer, warningLogs: false,
      })!;
    const chatHistory: Array<import('node-llama-cpp', { with: { 'resolution-mode': 'import' } }).ChatHistoryItem> = context.turns.map((t) => (
      t.role === 'system' ? { type: 'system' as const, text: t.content }
        : t.role === 'user' ? { type: 'user' as const, text: t.content }
          : { type: 'model' as const, response: [t.content] }));
    chatHistory.push({ type: 'model', response: context.reply ? [context.reply] : [] });
    return [...wrapper.generateContextState({ chatHistory }).contextText.tokenize(model.tokenizer)];
  } finally {
    await model.dispose();
  }
}
