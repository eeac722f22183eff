/**
 * The contexts the model sees, composed from a document and its few-shot
 * structure: prefix_k = header + E_1..E_k + the query's input and output marker,
 * and the variants the probes need (examples left out, reordered, relabelled, a
 * content-free query). Front matter is never included.
 *
 * A text prompt's context is a text. A chat's is a conversation (ChatContext)
 * that the worker renders with the chat template, ending in the generation
 * prompt of the assistant's reply: prefix_k = the system messages, the first k
 * user/assistant pairs and the query's user message. The sweep and the probes
 * build every context through {@link contextFor}, {@link contextK},
 * {@link prequentialContext} and {@link exampleOutputAt}, so they run on both
 * without knowing which they have.
 */
import type { ChatContext, ChatTurn } from '../chat/chatTypes';
import type { ChatFewShot, ExampleSpan, FewShotStructure } from './fewShotStructure';

/** What the model is given before a continuation: a text, or a chat rendered by its template. */
export type PromptContext = string | ChatContext;

export interface PromptVariant {
  /** Indices of the examples to include, in order. */
  readonly examples: readonly number[];
  /** Replacement outputs by example index (random-labels probe). */
  readonly outputs?: ReadonlyMap<number, string>;
  /** Replacement for the query's input text (calibration probe). */
  readonly queryInput?: string;
}

/** The model's context before the answer, for `variant`: a chat's conversation, or a text prompt's text. */
export function contextFor(text: string, s: FewShotStructure, variant: PromptVariant): PromptContext {
  return s.chat ? chatBeforeAnswer(s.chat, variant) : promptBeforeAnswer(text, s, variant);
}

/** prefix_k as a context (a conversation for a chat, else the text of {@link prefixK}). */
export function contextK(text: string, s: FewShotStructure, k: number): PromptContext {
  return contextFor(text, s, { examples: range(k) });
}

/**
 * The context and continuation of example k's prequential code (k is 1-based):
 * a chat's system messages, pairs 1..k−1 and user message k, continued by
 * assistant message k's content; a text prompt's {@link prequentialPair}.
 */
export function prequentialContext(text: string, s: FewShotStructure, k: number): { context: PromptContext; continuation: string } {
  if (!s.chat) return prequentialPair(text, s, k);
  const c = s.chat;
  const turns: ChatTurn[] = [...c.system];
  for (let i = 0; i < k - 1; i++) turns.push(...pairTurns(c, i));
  turns.push({ role: 'user', content: c.pairs[k - 1].user });
  return { context: { turns }, continuation: c.pairs[k - 1].assistant };
}

/** Example i's output (0-based): the assistant's content in a chat, the text after the marker in a text prompt. */
export function exampleOutputAt(text: string, s: FewShotStructure, i: number): string {
  return s.chat ? s.chat.pairs[i].assistant : exampleOutput(text, s.examples[i]);
}

/** Example i's input (0-based): the user's content in a chat, the text before the marker in a text prompt. */
export function exampleInputAt(text: string, s: FewShotStructure, i: number): string {
  if (s.chat) return s.chat.pairs[i].user;
  const e = s.examples[i];
  return text.slice(e.inputStart, e.inputEnd);
}

/** Whether a context gives the model nothing to condition on (an empty text). */
export function isEmptyContext(context: PromptContext): boolean {
  return typeof context === 'string' ? context.length === 0 : context.turns.length === 0 && (context.reply ?? '').length === 0;
}

/**
 * `context` followed by `continuation`: a text appended to a text; a chat's
 * reply so far extended (the answer is written after the generation prompt).
 */
export function withContinuation(context: PromptContext, continuation: string): PromptContext {
  return typeof context === 'string' ? context + continuation : { turns: context.turns, reply: (context.reply ?? '') + continuation };
}

/**
 * The text prompt's context before the answer, for `variant` (exactly the
 * text the model sees; {@link contextFor} serves chats too).
 */
export function promptBeforeAnswer(text: string, s: FewShotStructure, variant: PromptVariant): string {
  let out = text.slice(s.header.start, s.header.end);
  for (const i of variant.examples) out += exampleText(text, s.examples[i], variant.outputs?.get(i));
  const q = s.query;
  if (variant.queryInput === undefined) {
    out += text.slice(q.start, q.outputStart);
  } else {
    // Keep the input's leading whitespace (after a marker) so only the content changes.
    const original = text.slice(q.inputStart, q.inputEnd);
    const lead = /^\s*/.exec(original)![0];
    out += text.slice(q.start, q.inputStart) + lead + variant.queryInput + text.slice(q.inputEnd, q.outputStart);
  }
  return q.appendNewline ? `${out}\n` : out;
}

/** A text prompt's prefix_k: the header, the first k examples and the query up to its answer. */
export function prefixK(text: string, s: FewShotStructure, k: number): string {
  return promptBeforeAnswer(text, s, { examples: range(k) });
}

/**
 * A text prompt's context and continuation of example k's prequential code:
 * output_k given the header, E_1..E_{k−1} and input_k (k is 1-based).
 */
export function prequentialPair(text: string, s: FewShotStructure, k: number): { context: string; continuation: string } {
  let context = text.slice(s.header.start, s.header.end);
  for (let i = 0; i < k - 1; i++) context += exampleText(text, s.examples[i]);
  const e = s.examples[k - 1];
  return { context: context + text.slice(e.start, e.outputStart), continuation: exampleOutput(text, e) };
}

/** A text prompt's example output as written ({@link exampleOutputAt} serves chats too). */
export function exampleOutput(text: string, e: ExampleSpan): string {
  return text.slice(e.outputStart, e.outputEnd);
}

function exampleText(text: string, e: ExampleSpan, output?: string): string {
  if (output === undefined) return text.slice(e.start, e.end);
  return text.slice(e.start, e.outputStart) + output + text.slice(e.outputEnd, e.end);
}

/** A chat's context before the answer: system messages, the variant's pairs, then the query's user message. */
function chatBeforeAnswer(c: ChatFewShot, variant: PromptVariant): ChatContext {
  const turns: ChatTurn[] = [...c.system];
  for (const i of variant.examples) turns.push(...pairTurns(c, i, variant.outputs?.get(i)));
  turns.push({ role: 'user', content: variant.queryInput ?? c.query });
  return { turns };
}

/** Example i's user and assistant turns, the assistant's content replaced by `output` when given. */
function pairTurns(c: ChatFewShot, i: number, output?: string): ChatTurn[] {
  return [{ role: 'user', content: c.pairs[i].user }, { role: 'assistant', content: output ?? c.pairs[i].assistant }];
}

/** [0, 1, …, n−1]. */
export function range(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i);
}
