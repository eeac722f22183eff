/**
 * Chat prompts: messages written in a `*.chat.json` file or a role-marked text
 * file, which the model never sees as written: its chat template renders them
 * into role headers, special tokens and the messages' content. These types are
 * shared by the parser (core/chat/chatFile.ts), the renderer in the worker
 * (model/worker/chatRender.ts), the mapping of the rendered tokens back onto the
 * file (core/chat/sourceMapping.ts) and the few-shot side (core/chat/chatFewShot.ts).
 */
import type { Analysis } from '../analysis';

export type ChatRole = 'system' | 'user' | 'assistant';
export const CHAT_ROLES: readonly ChatRole[] = ['system', 'user', 'assistant'];

/** A message as the chat template receives it. */
export interface ChatTurn {
  readonly role: ChatRole;
  readonly content: string;
}

/** A message of a chat file, with where it and its content lie in the file. */
export interface ChatMessage extends ChatTurn {
  /** The whole message in the document: the JSON object, or the text form's header line to the next header. */
  readonly start: number;
  readonly end: number;
  /** Where the role is written (the `"role"` value, or the header's role word), for diagnostics. */
  readonly roleStart: number;
  readonly roleEnd: number;
  /**
   * Document offset of each UTF-16 unit of `content`, plus one past the end
   * (length `content.length + 1`): content [a, b) came from the document's
   * [sourceOffsets[a], sourceOffsets[b]). A JSON escape (`\n`, `\"`, `\u00e9`)
   * is several document characters for one content unit.
   */
  readonly sourceOffsets: readonly number[];
  /**
   * Added by the parser's owner: present only where the content is not one
   * run of the document (a JSON content array of several text parts, joined):
   * the document offset one past each UTF-16 unit of `content` (length
   * `content.length`). Absent, unit a ends at `sourceOffsets[a + 1]`. Use
   * `contentSourceRange` (chatFile.ts) rather than reading either directly.
   */
  readonly sourceEnds?: readonly number[];
  /** Marked as the expected reply: JSON `"target": true`, text form `assistant (target):`. */
  readonly isTarget: boolean;
}

export type ChatForm = 'json' | 'text';

/** A problem in a chat file, placed in the document. */
export interface ChatDiagnostic {
  readonly offset: number;
  readonly length: number;
  readonly message: string;
  readonly severity: 'error' | 'warning';
}

export interface ChatDocument {
  readonly form: ChatForm;
  /** Every message in file order (empty when the file has errors that leave none). */
  readonly messages: readonly ChatMessage[];
  /**
   * The expected reply: a top-level `"target"` field (JSON) or front matter
   * `target:` (text form), else the content of the message marked as target,
   * else null.
   */
  readonly target: string | null;
  /** Errors make the file unusable (nothing is sent to the model); warnings do not. */
  readonly diagnostics: readonly ChatDiagnostic[];
  /** Where the body starts (after front matter; 0 for JSON). */
  readonly bodyStart: number;
  /**
   * JSON form: the top-level object's other fields, decoded (`candidates`,
   * `formatClass`, … for the few-shot side), with the offset of each value;
   * empty for an array and for the text form (whose options are front matter).
   */
  readonly fields: Readonly<Record<string, { readonly value: unknown; readonly offset: number; readonly length: number }>>;
}

/**
 * Which template renders the messages: `auto` (the model's own
 * `tokenizer.chat_template`), `raw` (no template: contents joined by blank
 * lines, no special tokens) or the name of one of node-llama-cpp's chat
 * wrappers (CHAT_WRAPPER_NAMES).
 */
export type ChatTemplateChoice = string;

/**
 * node-llama-cpp's named chat wrappers a user may choose when the model has no
 * template of its own (`resolveChatWrapper({type})` in node-llama-cpp 3.22.1).
 */
export const CHAT_WRAPPER_NAMES: readonly string[] = ['chatML', 'llama3.1', 'llama3', 'llama2Chat', 'mistral', 'gemma', 'qwen', 'alpacaChat', 'falconChat', 'general'];

/** A run of the rendered prompt: template text (role headers, special tokens) or a message's content. */
export interface RenderedSegment {
  /** UTF-16 offsets in `RenderedChat.text`. */
  readonly start: number;
  readonly end: number;
  readonly kind: 'template' | 'content';
  /** For content: the index of the turn it came from, and where in that turn's content the run starts. */
  readonly turn?: number;
  readonly contentStart?: number;
}

export interface RenderedChat {
  /** Which template rendered it, in words for the user: "the model's chat template", "chatML (node-llama-cpp)", "raw text". */
  readonly template: string;
  readonly kind: 'model' | 'wrapper' | 'raw';
  /** The exact text the model receives, special tokens written as their text. */
  readonly text: string;
  readonly segments: readonly RenderedSegment[];
}

/**
 * A chat analysed in the worker: an Analysis of the rendered prompt
 * (`text === rendered.text`, token spans in it), every token the model
 * receives, template tokens included.
 */
export interface ChatAnalysis extends Analysis {
  readonly rendered: RenderedChat;
}

/**
 * A chat analysis re-expressed over the chat file: `text` is the document,
 * content tokens carry their document span; template tokens are kept in order
 * with `template: true` and an empty span (start === end) at the document
 * offset where they sit (the start of the next content token, else the end of
 * the previous one). `rendered` is the analysis over the rendered text, for the
 * rendered-prompt view.
 */
export interface ChatSourceAnalysis extends Analysis {
  readonly rendered: ChatAnalysis;
}

/**
 * A few-shot context on a chat prompt: the conversation up to the query, rendered
 * with the generation prompt for the assistant's reply; `reply`, when given, is
 * the start of that reply, appended as plain text (the answer being written).
 */
export interface ChatContext {
  readonly turns: readonly ChatTurn[];
  readonly reply?: string;
}
