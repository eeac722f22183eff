/**
 * Reading chat files: `*.chat.json` (an OpenAI-style `messages` array, or an
 * object with `messages`) and the role-marked text form (`system:` / `user:` /
 * `assistant:` sections), with every content character's place in the file.
 * The forms' rules are in docs/chat.md; chatJsonForm.ts and chatTextForm.ts
 * read them.
 */
import { parseChatJson } from './chatJsonForm';
import { chatTextBody, firstBodyLine, headerAt, parseChatText } from './chatTextForm';
import type { ChatDocument, ChatForm, ChatMessage } from './chatTypes';
import { readJson, type JsonNode } from './jsonWithOffsets';

const JSON_NAME = /\.chat\.json$/i;
const TEXT_NAME = /(?:\.chat\.txt|\.chat\.md|\.prompty)$/i;

/** Whether a file name says "chat file" (`*.chat.json`, `*.chat.txt`, `*.chat.md`, `*.prompty`). */
export function isChatFileName(fileName: string): boolean {
  return JSON_NAME.test(fileName) || TEXT_NAME.test(fileName);
}

/**
 * The chat form of a document, by its name first, else by its content; null when it is not a chat file.
 * By content: JSON that is a non-empty array of objects each with "role" and
 * "content", or an object whose "messages" is such an array (empty allowed);
 * text whose body's first non-blank line is a role header alone on its line
 * (`system:`, `User:`, `assistant (target):`). A prompt whose first line is
 * `User: hi` is a few-shot prompt with User:/Assistant: markers, not a chat.
 */
export function detectChatForm(text: string, fileName?: string): ChatForm | null {
  if (fileName !== undefined) {
    if (JSON_NAME.test(fileName)) return 'json';
    if (TEXT_NAME.test(fileName)) return 'text';
  }
  const first = /\S/.exec(text.length > 0 && text.charCodeAt(0) === 0xfeff ? text.slice(1) : text)?.[0];
  if (first === '[' || first === '{') return looksLikeChatJson(text) ? 'json' : null;
  return looksLikeChatText(text) ? 'text' : null;
}

/** The messages of a chat file, or null when the document is not one. Never throws: problems are diagnostics. */
export function parseChatDocument(text: string, fileName?: string): ChatDocument | null {
  const form = detectChatForm(text, fileName);
  if (form === null) return null;
  return form === 'json' ? parseChatJson(text) : parseChatText(text);
}

/**
 * The document range content [a, b) of `message` came from (a ≤ b): exact even
 * where the content joins several JSON text parts. Empty content ranges sit at
 * `sourceOffsets[a]`.
 */
export function contentSourceRange(message: ChatMessage, a: number, b: number): { start: number; end: number } {
  const start = message.sourceOffsets[a];
  if (b <= a) return { start, end: start };
  return { start, end: message.sourceEnds !== undefined ? message.sourceEnds[b - 1] : message.sourceOffsets[b] };
}

function looksLikeChatJson(text: string): boolean {
  if (!text.includes('"role"') && !text.includes('"messages"')) return false;
  const read = readJson(text);
  if (!read.ok) return false;
  const root = read.value;
  if (root.kind === 'array') return root.items.length > 0 && root.items.every(isMessageLike);
  if (root.kind !== 'object') return false;
  const messages = root.members.find((m) => m.key === 'messages')?.value;
  return messages?.kind === 'array' && messages.items.every(isMessageLike);
}

function isMessageLike(node: JsonNode): boolean {
  return node.kind === 'object' && node.members.some((m) => m.key === 'role' && m.value.kind === 'string') && node.members.some((m) => m.key === 'content');
}

function looksLikeChatText(text: string): boolean {
  const { bodyStart } = chatTextBody(text);
  const line = firstBodyLine(text, bodyStart);
  if (line === null) return false;
  const header = headerAt(text, line.start);
  return header !== null && header.end <= line.end && text.slice(header.end, line.end).trim() === '';
}
