/**
 * Chat rendering in the worker: turns rendered by the model's chat template
 * (or a named node-llama-cpp wrapper, or raw), tokenized the way node-llama-cpp
 * sends them (template text with special tokens, content as plain text).
 * STUB: the contract only; the implementation replaces it.
 */
import type { ChatContext, ChatTemplateChoice, RenderedChat } from '../../core/chat/chatTypes';
import type { LoadedModel } from './loadedModel';

export interface RenderedTokens {
  readonly rendered: RenderedChat;
  /** The tokens the model receives, BOS included where the model wants one. */
  readonly tokens: readonly number[];
  /** Each token's UTF-16 span in `rendered.text` (empty for a BOS the text does not show). */
  readonly spans: ReadonlyArray<{ readonly start: number; readonly end: number }>;
}

/**
 * Render `context` with `choice`: the turns, the generation prompt for the
 * assistant's reply, then `context.reply` as plain text when given.
 * Throws RuntimeError('input') with a clear message when the model has no
 * template (under `auto`), the wrapper name is unknown, or the template throws.
 */
export async function renderChat(loaded: LoadedModel, context: ChatContext, choice: ChatTemplateChoice): Promise<RenderedTokens> {
  void loaded; void context; void choice;
  throw new Error('renderChat: not implemented yet');
}
