/**
 * Reading chat files: `*.chat.json` (an OpenAI-style `messages` array, or an
 * object with `messages`) and the role-marked text form (`system:` / `user:` /
 * `assistant:` sections), with every content character's place in the file.
 * STUB: the contract only; the parser replaces it.
 */
import type { ChatDocument, ChatForm } from './chatTypes';

/** Whether a file name says "chat file" (`*.chat.json`, `*.chat.txt`, `*.chat.md`, `*.prompty`). */
export function isChatFileName(fileName: string): boolean {
  void fileName;
  return false;
}

/** The chat form of a document, by its name first, else by its content; null when it is not a chat file. */
export function detectChatForm(text: string, fileName?: string): ChatForm | null {
  void text; void fileName;
  return null;
}

/** The messages of a chat file, or null when the document is not one. Never throws: problems are diagnostics. */
export function parseChatDocument(text: string, fileName?: string): ChatDocument | null {
  void text; void fileName;
  return null;
}
