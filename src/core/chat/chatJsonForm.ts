/**
 * The JSON form of a chat file (`*.chat.json`): an OpenAI-style array of
 * messages, or an object whose `messages` field is that array (its other
 * fields are kept, decoded, in `fields`). docs/chat.md states the rules.
 */
import type { ChatDiagnostic, ChatDocument, ChatMessage, ChatRole } from './chatTypes';
import { lineColumn, plainValue, readJson, stringWithOffsets, type JsonNode } from './jsonWithOffsets';
import { roleOf } from './chatRoles';

type ObjectNode = JsonNode & { kind: 'object' };
type StringNode = JsonNode & { kind: 'string' };

/** Parse `text` as the JSON form. Never throws. */
export function parseChatJson(text: string): ChatDocument {
  const diagnostics: ChatDiagnostic[] = [];
  const doc = (messages: ChatMessage[], target: string | null = null, fields: ChatDocument['fields'] = {}): ChatDocument =>
    ({ form: 'json', messages, target, diagnostics, bodyStart: 0, fields });
  const read = readJson(text);
  if (!read.ok) {
    const { offset, message } = read.error;
    const { line, column } = lineColumn(text, offset);
    diagnostics.push(error(offset, offset < text.length ? 1 : 0, `Invalid JSON at line ${line}, column ${column}: ${message}.`));
    return doc([]);
  }
  const root = read.value;
  let list: JsonNode;
  const fields: Record<string, { value: unknown; offset: number; length: number }> = {};
  let target: string | null = null;
  if (root.kind === 'array') {
    list = root;
  } else if (root.kind === 'object') {
    const messagesMember = lastMember(root, 'messages');
    if (messagesMember === undefined) {
      diagnostics.push(error(root.start, 1, 'A chat file is an array of messages or an object with a "messages" array; this object has no "messages".'));
      return doc([]);
    }
    list = messagesMember.value;
    for (const m of root.members) {
      if (m.key === 'messages') continue;
      if (Object.hasOwn(fields, m.key)) diagnostics.push(warning(m.keyStart, m.keyEnd - m.keyStart, `"${m.key}" is given twice; the last one counts.`));
      Object.defineProperty(fields, m.key, { value: { value: plainValue(m.value), offset: m.value.start, length: m.value.end - m.value.start }, enumerable: true, writable: true, configurable: true });
    }
    const targetMember = lastMember(root, 'target');
    if (targetMember !== undefined) {
      if (targetMember.value.kind === 'string') target = targetMember.value.value;
      else diagnostics.push(error(targetMember.value.start, targetMember.value.end - targetMember.value.start, '"target" must be a string: the expected reply.'));
    }
    if (list.kind !== 'array') {
      diagnostics.push(error(list.start, list.end - list.start, '"messages" must be an array of messages.'));
      return doc([], target, fields);
    }
  } else {
    diagnostics.push(error(root.start, root.end - root.start, 'A chat file is an array of messages or an object with a "messages" array.'));
    return doc([]);
  }
  const messages: ChatMessage[] = [];
  list.items.forEach((item, i) => {
    const message = readMessage(text, item, i === list.items.length - 1, diagnostics);
    if (message !== null) messages.push(message);
  });
  if (list.items.length === 0) diagnostics.push(error(list.start, list.end - list.start, 'The conversation has no messages.'));
  const marked = messages.find((m) => m.isTarget);
  if (target === null && marked !== undefined) target = marked.content;
  return doc(messages, target, fields);
}

function readMessage(text: string, node: JsonNode, isLast: boolean, diagnostics: ChatDiagnostic[]): ChatMessage | null {
  if (node.kind !== 'object') {
    diagnostics.push(error(node.start, node.end - node.start, 'A message must be an object with "role" and "content".'));
    return null;
  }
  const open = (length: number) => ({ offset: node.start, length });
  const roleMember = lastMember(node, 'role');
  const contentMember = lastMember(node, 'content');
  const targetMember = lastMember(node, 'target');
  let ok = true;
  let role: ChatRole | null = null;
  if (roleMember === undefined) {
    diagnostics.push(error(open(1).offset, 1, 'This message has no "role": give system, user or assistant.'));
    ok = false;
  } else if (roleMember.value.kind !== 'string') {
    diagnostics.push(error(roleMember.value.start, roleMember.value.end - roleMember.value.start, '"role" must be a string: system, user or assistant.'));
    ok = false;
  } else {
    const r = roleOf(roleMember.value.value);
    const span = roleMember.value;
    if (r.role === null) {
      diagnostics.push(error(span.start, span.end - span.start, `Unknown role "${roleMember.value.value}": a message's role is system, user or assistant.`));
      ok = false;
    } else {
      role = r.role;
      if (r.warning !== undefined) diagnostics.push(warning(span.start, span.end - span.start, r.warning));
    }
  }
  let content: { value: string; offsets: number[]; ends?: number[] } | null = null;
  if (contentMember === undefined) {
    diagnostics.push(error(node.start, 1, 'This message has no "content": give its text as a string.'));
    ok = false;
  } else {
    const c = contentOf(text, contentMember.value, diagnostics);
    if (c === null) ok = false;
    else content = c;
  }
  let isTarget = false;
  if (targetMember !== undefined) {
    const v = targetMember.value;
    if (v.kind !== 'boolean') {
      diagnostics.push(error(v.start, v.end - v.start, 'A message\'s "target" must be true or false.'));
    } else if (v.value) {
      if (!isLast) diagnostics.push(error(targetMember.keyStart, v.end - targetMember.keyStart, 'Only the last message can be the target (the expected reply).'));
      else if (role !== null && role !== 'assistant') diagnostics.push(error(targetMember.keyStart, v.end - targetMember.keyStart, 'Only an assistant message can be the target (the expected reply).'));
      else isTarget = true;
    }
  }
  if (!ok || role === null || content === null || roleMember === undefined) return null;
  return {
    role,
    content: content.value,
    start: node.start,
    end: node.end,
    roleStart: roleMember.value.start,
    roleEnd: roleMember.value.end,
    sourceOffsets: content.offsets,
    ...(content.ends !== undefined ? { sourceEnds: content.ends } : {}),
    isTarget,
  };
}

/** A message's content: a string, or an OpenAI content array of text parts joined with nothing between them. */
function contentOf(text: string, node: JsonNode, diagnostics: ChatDiagnostic[]): { value: string; offsets: number[]; ends?: number[] } | null {
  if (node.kind === 'string') return stringWithOffsets(text, node);
  if (node.kind !== 'array') {
    diagnostics.push(error(node.start, node.end - node.start, '"content" must be a string (or an array of {"type": "text", "text": …} parts).'));
    return null;
  }
  const parts: StringNode[] = [];
  for (const part of node.items) {
    const textMember = part.kind === 'object' ? lastMember(part, 'text') : undefined;
    const type = part.kind === 'object' ? lastMember(part, 'type')?.value : undefined;
    if (part.kind !== 'object' || type?.kind !== 'string' || type.value !== 'text' || textMember?.value.kind !== 'string') {
      const what = type?.kind === 'string' && type.value !== 'text' ? ` (found a "${type.value}" part)` : '';
      diagnostics.push(error(part.start, part.end - part.start, `Only text parts can be analysed: each part of "content" must be {"type": "text", "text": "…"}${what}.`));
      return null;
    }
    parts.push(textMember.value);
  }
  if (parts.length === 0) return { value: '', offsets: [node.start + 1] };
  if (parts.length === 1) return stringWithOffsets(text, parts[0]);
  const values: string[] = [];
  const offsets: number[] = [];
  const ends: number[] = [];
  for (const p of parts) {
    const s = stringWithOffsets(text, p);
    values.push(s.value);
    for (let a = 0; a < s.value.length; a++) {
      offsets.push(s.offsets[a]);
      ends.push(s.offsets[a + 1]);
    }
  }
  offsets.push(parts[parts.length - 1].end - 1);
  return { value: values.join(''), offsets, ends };
}

/** The member that counts for `key` (the last, as JSON.parse does). */
function lastMember(node: ObjectNode, key: string) {
  for (let i = node.members.length - 1; i >= 0; i--) if (node.members[i].key === key) return node.members[i];
  return undefined;
}

function error(offset: number, length: number, message: string): ChatDiagnostic {
  return { offset, length, message, severity: 'error' };
}

function warning(offset: number, length: number, message: string): ChatDiagnostic {
  return { offset, length, message, severity: 'warning' };
}
