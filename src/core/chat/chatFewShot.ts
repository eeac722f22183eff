/**
 * The few-shot reading of a chat file: the system messages at the start are
 * kept in every context, the examples are the user/assistant pairs before the
 * final user message, the query is that final user message, and the target is
 * the expected reply (a `target` field or front matter `target:`, else a final
 * assistant message marked as the target). Candidates and the other options
 * come from the file's top-level fields (JSON) or its front matter (text form),
 * read by the same rules as a text prompt's front matter (core/fewShot/frontMatter.ts),
 * else from the example labels as for text prompts.
 *
 * Spans are document offsets of the messages, so CodeLens, diagnostics and
 * reveals land on them: an example runs from its user message's start to its
 * assistant message's end, its input is the user content's range and its
 * output the assistant content's range (JSON escapes included).
 */
import type { ChatDocument, ChatMessage, ChatTurn } from './chatTypes';
import { contentSourceRange, parseChatDocument } from './chatFile';
import { referenceProblem } from '../fewShot/analyticReference';
import { MAX_DIAGNOSTICS, measureOptions, parseFewShot, type ParseOptions } from '../fewShot/fewShotParser';
import type { ExampleSpan, FewShotStructure, ParseResult, QuerySpan, StructureDiagnostic } from '../fewShot/fewShotStructure';
import { candidatesProblem, parseFrontMatter, readCandidate, readOption, type FrontMatter, type FrontMatterDiagnostic } from '../fewShot/frontMatter';

/** Options a chat's JSON fields may declare, read as front matter is. */
const FIELD_OPTIONS: readonly string[] = ['formatClass', 'contentFree', 'reference', 'alpha', 'lengthNormalize'];
/** Front-matter keys of text prompts that say nothing about a chat, whose examples are its messages. */
const TEXT_PROMPT_KEYS: readonly string[] = ['input', 'output', 'separator', 'header'];

/**
 * The few-shot structure of any prompt document: a chat file's (recognised by
 * `fileName` or by content, core/chat/chatFile.ts) or a text prompt's.
 */
export function parseDocumentFewShot(text: string, fileName: string | undefined, options: ParseOptions = {}): ParseResult {
  const chat = parseChatDocument(text, fileName);
  return chat ? chatFewShot(text, chat, options) : parseFewShot(text, options);
}

/**
 * The few-shot structure of chat `doc`, whose document text is `text` (read
 * for the text form's front matter). Never throws: problems are diagnostics.
 * A chat with parse errors has no structure; its diagnostics are the parser's errors.
 */
export function chatFewShot(text: string, doc: ChatDocument, options: ParseOptions = {}): ParseResult {
  const bodyStart = doc.bodyStart;
  const errors = doc.diagnostics.filter((d) => d.severity === 'error');
  if (errors.length > 0) {
    return { structure: null, diagnostics: errors.map((d) => ({ offset: d.offset, length: d.length, message: d.message, severity: d.severity })), bodyStart, frontMatterDiagnostics: [], chat: doc, fewShotDeclared: false };
  }
  const declared = declaredOptions(text, doc);
  const diagnostics: StructureDiagnostic[] = [...declared.diagnostics];
  const result = (structure: FewShotStructure | null): ParseResult => ({
    structure, diagnostics: capped(diagnostics, bodyStart), bodyStart, frontMatterDiagnostics: declared.frontMatterDiagnostics, chat: doc,
    fewShotDeclared: declared.any || doc.messages.some((m) => m.isTarget),
  });
  const fail = (message: string, at?: ChatMessage): ParseResult => {
    diagnostics.push({ offset: at?.roleStart ?? bodyStart, length: at ? at.roleEnd - at.roleStart : 0, message, severity: 'warning' });
    return result(null);
  };
  const messages = doc.messages;
  let first = 0;
  while (first < messages.length && messages[first].role === 'system') first++;
  const system = messages.slice(0, first);

  // The query: the final user message, followed by nothing or by the reply marked as the target.
  const last = messages[messages.length - 1];
  if (last === undefined) return fail('The chat has no messages, so it has no query: add the user message the model should answer.');
  let queryUser: ChatMessage;
  let answer: ChatMessage | null = null;
  if (last.role === 'user' && messages.length - 1 >= first) {
    queryUser = last;
  } else if (last.role === 'assistant' && last.isTarget && messages[messages.length - 2]?.role === 'user' && messages.length - 2 >= first) {
    queryUser = messages[messages.length - 2];
    answer = last;
  } else if (last.role === 'assistant' && last.isTarget) {
    return fail('The reply marked as the target answers no user message: put the user message it answers right before it.', last);
  } else if (last.role === 'assistant') {
    return fail(`The chat ends with an assistant message, so it has no query: end it with the user message the model should answer, or mark this reply as the expected one (${doc.form === 'json' ? '"target": true' : '"assistant (target):"'}).`, last);
  } else {
    return fail('The chat ends with a system message, so it has no query: end it with the user message the model should answer.', last);
  }

  // The examples: user/assistant pairs between the system messages and the query; anything unpaired is left out.
  const examples: ExampleSpan[] = [];
  const pairs: Array<{ user: string; assistant: string }> = [];
  const leftOut = (m: ChatMessage, message: string) => diagnostics.push({ offset: m.roleStart, length: m.roleEnd - m.roleStart, message, severity: 'warning' });
  let pending: ChatMessage | null = null;
  const end = messages.indexOf(queryUser);
  for (let i = first; i < end; i++) {
    const m = messages[i];
    if (m.isTarget) leftOut(m, 'Only the final assistant message, after the query, can be the expected reply; this one is read as an example.');
    if (m.role === 'system') {
      leftOut(m, 'A system message after the conversation has started is left out of the few-shot contexts: they keep the system messages at the start. Move it there.');
    } else if (m.role === 'user') {
      if (pending) leftOut(pending, 'This user message has no assistant reply before the next user message; it is left out of the examples.');
      pending = m;
    } else if (pending === null) {
      leftOut(m, 'This assistant message answers no user message; it is left out of the examples.');
    } else {
      const input = contentRange(pending);
      const output = contentRange(m);
      examples.push({ start: pending.start, end: m.end, inputStart: input.start, inputEnd: input.end, outputStart: output.start, outputEnd: output.end });
      pairs.push({ user: pending.content, assistant: m.content });
      pending = null;
    }
  }
  if (pending) leftOut(pending, 'This user message has no assistant reply before the query; it is left out of the examples.');

  const input = contentRange(queryUser);
  const output = answer ? contentRange(answer) : { start: queryUser.end, end: queryUser.end };
  const query: QuerySpan = {
    start: queryUser.start, end: answer?.end ?? queryUser.end, inputStart: input.start, inputEnd: input.end,
    outputStart: output.start, outputEnd: output.end, appendNewline: false,
  };
  const written = declared.target !== undefined ? declared.target : answer?.content ?? null;
  const target = written !== null && written.trim().length > 0 ? written : null;
  const header = system.length > 0 ? { start: system[0].start, end: system[system.length - 1].end } : { start: messages[0].start, end: messages[0].start };
  const structure: FewShotStructure = {
    shape: 'chat',
    declared: false,
    bodyStart,
    header,
    examples,
    query,
    target,
    targetSource: target === null ? null : declared.target !== undefined ? 'front matter' : 'document',
    ...measureOptions(declared.frontMatter, options, pairs.map((p) => p.assistant)),
    chat: { form: doc.form, system: system.map(turnOf), pairs, query: queryUser.content },
  };
  const problem = referenceProblem(structure, pairs.map((p) => p.assistant));
  if (problem !== null) diagnostics.push({ offset: bodyStart, length: 0, message: problem, severity: 'warning' });
  return result(structure);
}

/** A message as the template receives it. */
function turnOf(m: ChatMessage): ChatTurn {
  return { role: m.role, content: m.content };
}

/** Where a message's content lies in the document. */
function contentRange(m: ChatMessage): { start: number; end: number } {
  return contentSourceRange(m, 0, m.content.length);
}

interface DeclaredOptions {
  readonly frontMatter: FrontMatter;
  /** The target the file declares itself (a `target` field, front matter `target:`); undefined when it declares none. */
  readonly target: string | null | undefined;
  /** Whether the file declares any few-shot option. */
  readonly any: boolean;
  readonly diagnostics: readonly StructureDiagnostic[];
  readonly frontMatterDiagnostics: readonly FrontMatterDiagnostic[];
}

/**
 * What the file declares: the text form's front matter (other tools' keys, as in
 * Prompty, left alone), or the JSON form's top-level fields read as front matter.
 */
function declaredOptions(text: string, doc: ChatDocument): DeclaredOptions {
  if (doc.form === 'text') {
    const fm = parseFrontMatter(text, { foreignKeys: true });
    return {
      frontMatter: fm.frontMatter,
      target: fm.frontMatter.target,
      any: Object.keys(fm.frontMatter).length > 0 || fm.diagnostics.length > 0,
      diagnostics: [],
      frontMatterDiagnostics: fm.diagnostics,
    };
  }
  const fm: Record<string, unknown> = {};
  const candidates: Array<{ name: string; text: string }> = [];
  const diagnostics: StructureDiagnostic[] = [];
  let any = false;
  for (const [key, field] of Object.entries(doc.fields)) {
    const problem = (message: string, severity: 'error' | 'warning' = 'error') => diagnostics.push({ offset: field.offset, length: field.length, message, severity });
    if (key === 'target') {
      any = true;
    } else if (key === 'candidates') {
      any = true;
      const v = field.value;
      if (Array.isArray(v) && v.every((x) => typeof x === 'string')) {
        for (const x of v as string[]) {
          const p = readCandidate(x.trim(), x, candidates);
          if (p !== null) problem(p);
        }
      } else if (typeof v === 'object' && v !== null && !Array.isArray(v)) {
        for (const [name, x] of Object.entries(v)) {
          const p = typeof x === 'string' ? readCandidate(name, x, candidates) : `Candidate "${name}" needs a sample continuation (a string).`;
          if (p !== null) problem(p);
        }
      } else {
        problem('"candidates" must be an object {"name": "continuation", …} or a list of continuations.');
      }
    } else if (FIELD_OPTIONS.includes(key)) {
      any = true;
      const v = field.value;
      const p = typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean' ? readOption(key, String(v), fm) : `"${key}" must be a string, a number or true/false.`;
      if (p !== null) problem(p);
    } else if (TEXT_PROMPT_KEYS.includes(key)) {
      problem(`"${key}" is for text prompts: a chat's examples are its user/assistant messages, so it is ignored.`, 'warning');
    }
  }
  const p = candidatesProblem(candidates);
  if (p !== null) diagnostics.push({ offset: doc.fields.candidates.offset, length: doc.fields.candidates.length, message: p, severity: 'error' });
  else if (candidates.length > 1) fm.candidates = candidates;
  const target = doc.fields.target === undefined ? undefined : doc.target ?? (typeof doc.fields.target.value === 'string' ? doc.fields.target.value : null);
  return { frontMatter: fm as FrontMatter, target, any, diagnostics, frontMatterDiagnostics: [] };
}

/** The first {@link MAX_DIAGNOSTICS} problems and one line counting the rest, as the text parser does. */
function capped(diagnostics: StructureDiagnostic[], bodyStart: number): StructureDiagnostic[] {
  if (diagnostics.length <= MAX_DIAGNOSTICS) return diagnostics;
  const rest = diagnostics.length - MAX_DIAGNOSTICS;
  return [...diagnostics.slice(0, MAX_DIAGNOSTICS), { offset: bodyStart, length: 0, message: `${rest} more problem${rest === 1 ? '' : 's'} in the conversation not listed.`, severity: 'warning' }];
}
