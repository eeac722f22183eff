/**
 * Chats rendered independently of ICL Lens's renderer: straight through
 * node-llama-cpp's own chat wrapper (the model's Jinja template, or a named
 * wrapper) and LlamaText.tokenize, as LlamaChat sends a conversation with the
 * model's reply open at the end.
 */
import type { ChatContext, ChatTemplateChoice } from '../../src/core/chat/chatTypes';

type NodeLlamaCpp = typeof import('node-llama-cpp', { with: { 'resolution-mode': 'import' } });
type ChatHistoryItem = import('node-llama-cpp', { with: { 'resolution-mode': 'import' } }).ChatHistoryItem;
type ChatWrapper = import('node-llama-cpp', { with: { 'resolution-mode': 'import' } }).ChatWrapper;
type LlamaModel = import('node-llama-cpp', { with: { 'resolution-mode': 'import' } }).LlamaModel;
let nlc: Promise<NodeLlamaCpp> | undefined;
let llama: Promise<Awaited<ReturnType<NodeLlamaCpp['getLlama']>>> | undefined;
/** Vocabulary-only models by path, loaded once: a real vocabulary takes a while to load. */
const vocabularies = new Map<string, Promise<LlamaModel>>();
/** Wrappers by model and template: a Jinja wrapper renders its template several times to learn it. */
const wrappers = new Map<string, ChatWrapper>();

/** Unload the vocabularies {@link renderedTokens} loaded. */
export async function disposeRenderers(): Promise<void> {
  const loaded = [...vocabularies.values()];
  vocabularies.clear();
  wrappers.clear();
  for (const m of loaded) await (await m).dispose();
}

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
  const ready = llama;
  if (!vocabularies.has(modelPath)) vocabularies.set(modelPath, ready.then((l) => l.loadModel({ modelPath, vocabOnly: true })));
  const model = await vocabularies.get(modelPath)!;
  const key = `${modelPath}\u0000${template}`;
  const wrapper = wrappers.get(key) ?? (template === 'auto'
    ? new lib.JinjaTemplateChatWrapper({ template: model.fileInfo.metadata.tokenizer!.chat_template!, tokenizer: model.tokenizer })
    : lib.resolveChatWrapper({
      type: template as (typeof lib.specializedChatWrapperTypeNames)[number],
      bosString: model.tokens.bosString, filename: model.filename, fileInfo: model.fileInfo, tokenizer: model.tokenizer, warningLogs: false,
    })!);
  wrappers.set(key, wrapper);
  const chatHistory: ChatHistoryItem[] = context.turns.map((t) => (
    t.role === 'system' ? { type: 'system' as const, text: t.content }
      : t.role === 'user' ? { type: 'user' as const, text: t.content }
        : { type: 'model' as const, response: [t.content] }));
  chatHistory.push({ type: 'model', response: context.reply ? [context.reply] : [] });
  return [...wrapper.generateContextState({ chatHistory }).contextText.tokenize(model.tokenizer)];
}
