/**
 * The text form of a chat file (`*.chat.txt`, `*.chat.md`, a Prompty body):
 * optional front matter, then messages, each starting with a header line
 * `system:`, `user:` or `assistant:` (`assistant (target):` marks the expected
 * reply). docs/chat.md states the rules; in short, a message's content is the
 * text after its header's colon up to the next header line, with whitespace at
 * both ends trimmed and every line break (CRLF, CR, LF) read as "\n".
 */
import { parseFrontMatter } from '../fewShot/frontMatter';
import { roleOf } from './chatRoles';
import type { ChatDiagnostic, ChatDocument, ChatMessage, ChatRole } from './chatTypes';

/** A header at a line's start: the role word, an optional `(mark)`, the colon. */
const HEADER = /(system|user|assistant|developer)[ \t]*(?:\(([^)\r\n]*)\))?[ \t]*:/iy;
/** A header-shaped line with any word, to name an unknown role on the body's first line. */
const LOOSE_HEADER = /([A-Za-z][A-Za-z0-9_-]*)[ \t]*(?:\([^)\r\n]*\))?[ \t]*:/y;
const LINE_BREAK = /\r\n|\n|\r/g;
const ROLE_HINT = 'start each message with a line "system:", "user:" or "assistant:"';

interface Header {
  readonly lineStart: number;
  readonly role: string;
  readonly mark: string | undefined;
  /** Just past the colon. */
  readonly end: number;
}

/** The header at `lineStart`, or null. */
export function headerAt(text: string, lineStart: number): Header | null {
  HEADER.lastIndex = lineStart;
  const m = HEADER.exec(text);
  if (m === null) return null;
  return { lineStart, role: m[1], mark: m[2], end: lineStart + m[0].length };
}

/**
 * Where the body starts: after ICL Lens front matter (core/fewShot/frontMatter.ts),
 * or after any other `---` block at the very top (a Prompty file's YAML), else
 * after a byte-order mark, else 0. The front matter's parse comes with it.
 */
export function chatTextBody(text: string): { bodyStart: number; frontMatter: ReturnType<typeof parseFrontMatter> } {
  const bom = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  const fm = parseFrontMatter(bom === 0 ? text : text.slice(bom));
  if (fm.bodyStart > 0) return { bodyStart: fm.bodyStart + bom, frontMatter: fm };
  if (fm.diagnostics.length === 0 && text.startsWith('---', bom) && /^(?:\r\n|\n|\r|$)/.test(text.slice(bom + 3, bom + 5))) {
    const close = /(?:\r\n|\n|\r)---[ \t]*(?:\r\n|\n|\r|$)/g;
    close.lastIndex = bom + 3;
    const m = close.exec(text);
    if (m !== null) return { bodyStart: m.index + m[0].length, frontMatter: fm };
  }
  return { bodyStart: bom, frontMatter: fm };
}

/** The first non-blank line of the body, or null when the body is blank. */
export function firstBodyLine(text: string, bodyStart: number): { start: number; end: number } | null {
  LINE_BREAK.lastIndex = bodyStart;
  let start = bodyStart;
  for (;;) {
    const m = LINE_BREAK.exec(text);
    const end = m === null ? text.length : m.index;
    if (/\S/.test(text.slice(start, end))) return { start, end };
    if (m === null) return null;
    start = m.index + m[0].length;
  }
}

/** Parse `text` as the text form. Never throws. */
export function parseChatText(text: string): ChatDocument {
  const diagnostics: ChatDiagnostic[] = [];
  const { bodyStart, frontMatter } = chatTextBody(text);
  const bom = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  for (const d of frontMatter.diagnostics) {
    const at = lineStart(text, bom, d.line);
    diagnostics.push({ offset: at.start, length: at.end - at.start, message: `Front matter: ${d.message}`, severity: 'warning' });
  }

  const headers: Header[] = [];
  for (let start = bodyStart; start <= text.length;) {
    const h = headerAt(text, start);
    if (h !== null) headers.push(h);
    LINE_BREAK.lastIndex = start;
    const m = LINE_BREAK.exec(text);
    if (m === null) break;
    start = m.index + m[0].length;
  }

  const first = firstBodyLine(text, bodyStart);
  if (first !== null && (headers.length === 0 || headers[0].lineStart !== first.start)) {
    LOOSE_HEADER.lastIndex = first.start;
    const loose = LOOSE_HEADER.exec(text);
    diagnostics.push(loose !== null && headers.length > 0
      ? error(first.start, loose[1].length, `Unknown role "${loose[1]}": a message's role is system, user or assistant.`)
      : headers.length > 0
        ? error(first.start, first.end - first.start, `Text before the first message: ${ROLE_HINT}.`)
        : error(first.start, first.end - first.start, loose !== null
          ? `The conversation has no messages: "${loose[1]}" is not a role; ${ROLE_HINT}.`
          : `The conversation has no messages: ${ROLE_HINT}.`));
  } else if (first === null) {
    diagnostics.push(error(bodyStart, 0, `The conversation has no messages: ${ROLE_HINT}.`));
  }

  const messages: ChatMessage[] = [];
  headers.forEach((h, i) => {
    const end = i + 1 < headers.length ? headers[i + 1].lineStart : text.length;
    const role = readRole(h, diagnostics);
    const isTarget = readMark(h, i === headers.length - 1, role, diagnostics);
    if (role === null) return;
    const { content, sourceOffsets } = sectionContent(text, h.end, end);
    messages.push({ role, content, start: h.lineStart, end, roleStart: h.lineStart, roleEnd: h.lineStart + h.role.length, sourceOffsets, isTarget });
  });
  const marked = messages.find((m) => m.isTarget);
  const target = frontMatter.frontMatter.target ?? marked?.content ?? null;
  return { form: 'text', messages, target, diagnostics, bodyStart, fields: {} };
}

function readRole(h: Header, diagnostics: ChatDiagnostic[]): ChatRole | null {
  const r = roleOf(h.role);
  if (r.warning !== undefined) diagnostics.push({ offset: h.lineStart, length: h.role.length, message: r.warning, severity: 'warning' });
  return r.role;
}

function readMark(h: Header, isLast: boolean, role: ChatRole | null, diagnostics: ChatDiagnostic[]): boolean {
  if (h.mark === undefined) return false;
  const at = h.lineStart + h.role.length;
  const length = h.end - at;
  if (h.mark.trim().toLowerCase() !== 'target') {
    diagnostics.push(error(at, length, `Unknown mark "(${h.mark})" after the role: the only mark is "(target)".`));
    return false;
  }
  if (!isLast) {
    diagnostics.push(error(at, length, 'Only the last message can be the target (the expected reply).'));
    return false;
  }
  if (role !== 'assistant') {
    diagnostics.push(error(at, length, 'Only an assistant message can be the target (the expected reply).'));
    return false;
  }
  return true;
}

/**
 * The content of the section [from, to): whitespace trimmed at both ends, each
 * line break read as one "\n" whose source is the whole break (`\r\n` is two
 * document characters for one content unit).
 */
function sectionContent(text: string, from: number, to: number): { content: string; sourceOffsets: number[] } {
  let a = from;
  let b = to;
  while (a < b && isSpace(text.charCodeAt(a))) a++;
  while (b > a && isSpace(text.charCodeAt(b - 1))) b--;
  const parts: string[] = [];
  const sourceOffsets: number[] = [];
  let run = a;
  for (let i = a; i < b; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x0d) {
      parts.push(text.slice(run, i), '\n');
      sourceOffsets.push(i);
      if (text.charCodeAt(i + 1) === 0x0a) i++;
      run = i + 1;
    } else {
      sourceOffsets.push(i);
    }
  }
  parts.push(text.slice(run, b));
  sourceOffsets.push(b);
  return { content: parts.join(''), sourceOffsets };
}

/** The whitespace String.prototype.trim removes. */
function isSpace(c: number): boolean {
  return c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09 || (c > 0x7f || c === 0x0b || c === 0x0c ? /\s/.test(String.fromCharCode(c)) : false);
}

/** The span of line `line` (0-based) of the text that starts at `from`. */
function lineStart(text: string, from: number, line: number): { start: number; end: number } {
  LINE_BREAK.lastIndex = from;
  let start = from;
  for (let n = 0; n < line; n++) {
    const m = LINE_BREAK.exec(text);
    if (m === null) break;
    start = m.index + m[0].length;
  }
  LINE_BREAK.lastIndex = start;
  const m = LINE_BREAK.exec(text);
  return { start, end: m === null ? text.length : m.index };
}

function error(offset: number, length: number, message: string): ChatDiagnostic {
  return { offset, length, message, severity: 'error' };
}
