/**
 * Chat rendering in the worker: turns rendered by the model's chat template
 * (or a named node-llama-cpp wrapper, or raw), tokenized the way node-llama-cpp
 * sends them (template text with special tokens, content as plain text).
 *
 * It mirrors node-llama-cpp's own chat path (LlamaChat, LlamaChatSession): the
 * history goes to the chat wrapper's `generateContextState` with an open model
 * turn at the end (the generation prompt), and the resulting LlamaText is
 * tokenized as `LlamaText.tokenize` does it: each plain-text run without special
 * tokens and with "trimLeadingSpace", each template run with special tokens
 * (trimLeadingSpace unless it opens the prompt), each SpecialToken (BOS, EOS,
 * EOT) as the model's token. LlamaChat prepends nothing: the BOS is there only
 * where the template or wrapper writes it, so it is never doubled. See
 * docs/runtime.md.
 */
import type { ChatHistoryItem, ChatWrapper, LlamaText, Token } from 'node-llama-cpp' with { 'resolution-mode': 'import' };
import { CHAT_WRAPPER_NAMES, type ChatContext, type ChatTemplateChoice, type ChatTurn, type RenderedChat } from '../../core/chat/chatTypes';
import { locateContentSegments, type RenderedRun } from '../../core/chat/renderedSegments';
import { tokenSpans, type Span } from '../../core/tokenSpans';
import { NO_CHAT_TEMPLATE, RuntimeError } from '../runtimeError';
import type { LoadedModel } from './loadedModel';

type NodeLlamaCpp = typeof import('node-llama-cpp', { with: { 'resolution-mode': 'import' } });

export interface RenderedTokens {
  readonly rendered: RenderedChat;
  /** The tokens the model receives, BOS included where the model wants one. */
  readonly tokens: readonly number[];
  /** Each token's UTF-16 span in `rendered.text` (empty for a BOS the text does not show). */
  readonly spans: ReadonlyArray<{ readonly start: number; readonly end: number }>;
}

/** How many tokens before a run anchor its detokenization (SentencePiece keeps a leading space after one). */
const ANCHOR_TOKENS = 4;

/** A chat wrapper ready for a model, with how the user reads its name and what to say when it throws. */
interface ResolvedWrapper {
  readonly wrapper: ChatWrapper;
  readonly template: string;
  readonly kind: 'model' | 'wrapper';
  readonly failure: string;
}

/** Wrappers per loaded model and choice: a Jinja wrapper renders its template a dozen times to learn it. */
const wrapperCache = new WeakMap<LoadedModel, Map<string, ResolvedWrapper>>();

let nodeLlamaCpp: Promise<NodeLlamaCpp> | undefined;

/**
 * Render `context` with `choice`: the turns, the generation prompt for the
 * assistant's reply, then `context.reply` as plain text when given.
 * Throws RuntimeError('input') with a clear message when the model has no
 * template (under `auto`), the wrapper name is unknown, or the template throws.
 */
export async function renderChat(loaded: LoadedModel, context: ChatContext, choice: ChatTemplateChoice): Promise<RenderedTokens> {
  if (context.turns.length === 0 && context.reply === undefined) throw new RuntimeError('input', 'The conversation has no messages.');
  // Turn i's content is contents[i]; the reply is the turn after the last.
  const contents = [...context.turns.map((t) => t.content), ...(context.reply === undefined ? [] : [context.reply])];
  if (choice === 'raw') return renderRaw(loaded, contents);

  nodeLlamaCpp ??= import('node-llama-cpp');
  const nlc = await nodeLlamaCpp;
  const resolved = resolveWrapper(nlc, loaded, choice);
  const chatHistory: ChatHistoryItem[] = context.turns.map(historyItem);
  // The open model turn, as LlamaChat adds it: the reply so far, or nothing. A history that
  // already ends with a model turn is continued (node-llama-cpp merges adjacent model turns).
  if (context.reply !== undefined) chatHistory.push({ type: 'model', response: context.reply === '' ? [] : [context.reply] });
  else if (chatHistory.at(-1)?.type !== 'model') chatHistory.push({ type: 'model', response: [] });
  let contextText: LlamaText;
  try {
    contextText = resolved.wrapper.generateContextState({ chatHistory }).contextText;
  } catch (err) {
    throw new RuntimeError('input', `${resolved.failure}: ${errorText(err)}`);
  }
  return tokenizeRuns(nlc, loaded, contextText, contents, resolved);
}

function historyItem(turn: ChatTurn): ChatHistoryItem {
  switch (turn.role) {
    case 'system': return { type: 'system', text: turn.content };
    case 'user': return { type: 'user', text: turn.content };
    case 'assistant': return { type: 'model', response: [turn.content] };
  }
}

/** The chat wrapper for `choice` on this model (cached), or a clear input error. */
function resolveWrapper(nlc: NodeLlamaCpp, loaded: LoadedModel, choice: ChatTemplateChoice): ResolvedWrapper {
  let perModel = wrapperCache.get(loaded);
  if (perModel === undefined) wrapperCache.set(loaded, perModel = new Map());
  const cached = perModel.get(choice);
  if (cached !== undefined) return cached;
  const { model } = loaded;
  let resolved: ResolvedWrapper;
  if (choice === 'auto') {
    const template = model.fileInfo.metadata.tokenizer?.chat_template;
    if (typeof template !== 'string' || template.trim() === '') {
      throw new RuntimeError('input', `${NO_CHAT_TEMPLATE} (no tokenizer.chat_template in its GGUF): choose one of node-llama-cpp's chat wrappers (${CHAT_WRAPPER_NAMES.join(', ')}) or raw.`);
    }
    const failure = "The model's chat template failed";
    try {
      // As resolveChatWrapper builds it for a model's own template, without swapping in a look-alike wrapper.
      resolved = { wrapper: new nlc.JinjaTemplateChatWrapper({ template, tokenizer: model.tokenizer }), template: "the model's chat template", kind: 'model', failure };
    } catch (err) {
      throw new RuntimeError('input', `${failure}: ${errorText(err)}`);
    }
  } else if (CHAT_WRAPPER_NAMES.includes(choice)) {
    const wrapper = nlc.resolveChatWrapper({
      type: choice as (typeof nlc.specializedChatWrapperTypeNames)[number],
      bosString: model.tokens.bosString, filename: model.filename, fileInfo: model.fileInfo, tokenizer: model.tokenizer, warningLogs: false,
    });
    if (wrapper === null) throw new RuntimeError('internal', `node-llama-cpp has no chat wrapper "${choice}"`);
    resolved = { wrapper, template: `${choice} (node-llama-cpp)`, kind: 'wrapper', failure: `The chat wrapper ${choice} failed` };
  } else {
    throw new RuntimeError('input', `Unknown chat template "${choice}": use auto (the model's own), raw, or one of node-llama-cpp's chat wrappers: ${CHAT_WRAPPER_NAMES.join(', ')}.`);
  }
  perModel.set(choice, resolved);
  return resolved;
}

/** Raw: the contents joined by blank lines, tokenized as the text heatmap tokenizes a document (BOS where the model wants one). */
function renderRaw(loaded: LoadedModel, contents: readonly string[]): RenderedTokens {
  const { model, bos } = loaded;
  const text = contents.join('\n\n');
  const docTokens = model.tokenize(text, false);
  const { spans, exact } = tokenSpans(docTokens, text, (tokens, last) => model.detokenize(tokens as Token[], false, last as Token[]));
  if (!exact) loaded.log('warn', 'the tokenizer does not round-trip this chat; token offsets are aligned approximately');
  return {
    rendered: { template: 'raw text', kind: 'raw', text, segments: locateContentSegments([{ text, plain: true }], contents) },
    tokens: [...bos, ...docTokens],
    spans: [...bos.map(() => ({ start: 0, end: 0 })), ...spans],
  };
}

/** Tokenize the wrapper's LlamaText run by run, exactly as `LlamaText.tokenize(model.tokenizer)` does, with each token's span. */
function tokenizeRuns(nlc: NodeLlamaCpp, loaded: LoadedModel, contextText: LlamaText, contents: readonly string[], resolved: ResolvedWrapper): RenderedTokens {
  const { model } = loaded;
  const runs: RenderedRun[] = [];
  const tokens: Token[] = [];
  const spans: Span[] = [];
  let offset = 0;
  let approximate = false;
  let previousWasPlain = false;
  for (const value of contextText.values) {
    let runTokens: Token[];
    let text: string;
    let plain = false;
    if (value instanceof nlc.SpecialToken) {
      runTokens = model.tokenize(value.value, 'builtin');
      text = '';
    } else if (value instanceof nlc.SpecialTokensText) {
      // LlamaText.tokenize: trimLeadingSpace once anything precedes it.
      runTokens = model.tokenize(value.value, true, tokens.length > 0 || previousWasPlain ? 'trimLeadingSpace' : undefined);
      text = value.value;
    } else {
      // LlamaText.tokenize always tokenizes a non-empty text run with trimLeadingSpace.
      runTokens = model.tokenize(value, false, 'trimLeadingSpace');
      text = value;
      plain = true;
    }
    previousWasPlain = plain;
    if (runTokens.length === 0 && text === '') continue;
    const anchor = tokens.slice(Math.max(0, tokens.length - ANCHOR_TOKENS));
    const detokenize = (t: readonly number[], last: readonly number[]): string => model.detokenize(t as Token[], true, [...anchor, ...last] as Token[]);
    // Template text reads as the model receives it: a SentencePiece vocabulary without the
    // wrapper's control tokens may add a space piece after BOS that the template never wrote.
    // Content stays as written, so it can be found and mapped back onto the file.
    if (!plain) text = detokenize(runTokens, []);
    const run = tokenSpans(runTokens, text, detokenize);
    if (!run.exact) approximate = true;
    for (const s of tile(run.spans, text.length)) spans.push({ start: offset + s.start, end: offset + s.end });
    tokens.push(...runTokens);
    runs.push({ text, plain });
    offset += text.length;
  }
  if (approximate) loaded.log('warn', 'the tokenizer does not round-trip this rendered chat; token offsets are aligned approximately');
  const text = runs.map((r) => r.text).join('');
  return {
    rendered: { template: resolved.template, kind: resolved.kind, text, segments: locateContentSegments(runs, contents) },
    tokens,
    spans,
  };
}

/** Spans made to tile [0, length): each starts where the previous ended, the last ends at `length`. */
function tile(spans: readonly Span[], length: number): Span[] {
  const out: Span[] = [];
  let end = 0;
  for (let i = 0; i < spans.length; i++) {
    const next = i === spans.length - 1 ? length : Math.min(length, Math.max(end, spans[i].end));
    out.push({ start: end, end: next });
    end = next;
  }
  return out;
}

function errorText(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  return text.split('\n')[0].trim() || 'unknown error';
}
