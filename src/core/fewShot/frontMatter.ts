/**
 * The optional front matter of a few-shot prompt: a small YAML-like block
 * between `---` lines at the very top, never sent to the model. It overrides the
 * detected structure and declares what to measure.
 *
 * ```
 * ---
 * input: "Q:"                 # input marker
 * output: "A:"                # output marker
 * separator: "###"            # example separator (a literal; "\n\n" for blank lines)
 * header: "labels:"           # literal text the body starts with
 * target: " SELECT 1"         # the expected answer of the query
 * candidates:                 # competing formats or labels: name: sample continuation
 *   dsl: " score(team=india)"
 *   english: " India scored"
 * formatClass: "^\\s*[a-z_]+\\("   # regex over token text, for format mass
 * contentFree: "N/A"          # the calibration probe's content-free input
 * reference: labels           # analytic reference: coin | labels | format
 * alpha: 0.8                  # labels: P(shown label = hidden label), default 0.8;
 *                             # format: P(an answer in the hidden format), default 0.9
 * lengthNormalize: false      # per-token length-normalised posterior
 * ---
 * ```
 * Values are bare text or JSON strings (for leading spaces, `\n`, `#`).
 */
import { REFERENCE_TASKS, type ReferenceTask } from './analyticReference';
import { compileSafeRegex } from '../safeRegex';

export interface FrontMatter {
  readonly input?: string;
  readonly output?: string;
  readonly separator?: string;
  readonly header?: string;
  readonly target?: string;
  readonly candidates?: ReadonlyArray<{ readonly name: string; readonly text: string }>;
  readonly formatClass?: string;
  readonly contentFree?: string;
  readonly reference?: ReferenceTask;
  readonly alpha?: number;
  readonly lengthNormalize?: boolean;
}

/** A problem in the front matter, with its 0-based line. */
export interface FrontMatterDiagnostic {
  readonly line: number;
  readonly message: string;
}

export interface FrontMatterResult {
  readonly frontMatter: FrontMatter;
  /** UTF-16 offset where the body (what the model sees) starts; 0 without front matter. */
  readonly bodyStart: number;
  readonly diagnostics: readonly FrontMatterDiagnostic[];
}

const STRING_KEYS = ['input', 'output', 'separator', 'header', 'target', 'formatClass', 'contentFree'] as const;
const KEY = /^([A-Za-z][A-Za-z0-9_]*)\s*:\s*(.*)$/;
const KNOWN_KEYS: readonly string[] = [...STRING_KEYS, 'candidates', 'reference', 'alpha', 'lengthNormalize'];

/**
 * How to read a front-matter block. `foreignKeys`: the block may hold other
 * tools' keys (a Prompty chat file's `name:`, `model:` with its indented
 * settings, …): those lines are left alone, and only ICL Lens keys are read
 * and checked.
 */
export interface FrontMatterOptions {
  readonly foreignKeys?: boolean;
}

/**
 * Split off and parse the front matter. A document has front matter when its
 * first line is `---` and the block names at least one ICL Lens key; otherwise
 * the body is the whole text (so a prompt that merely starts with a `---`
 * separator, or another tool's YAML, is left alone). Problems become
 * diagnostics; the keys that parsed still apply.
 */
export function parseFrontMatter(text: string, options: FrontMatterOptions = {}): FrontMatterResult {
  // Most prompts have none: answer without splitting the whole document into lines.
  if (!/^---(?:\r\n|\n|\r|$)/.test(text)) return { frontMatter: {}, bodyStart: 0, diagnostics: [] };
  // Only the block is split into lines, not the (possibly huge) body after it.
  const lines = splitLines(text.slice(0, blockEnd(text)));
  const close = lines.findIndex((l, i) => i > 0 && l.text === '---');
  // Ours only if it names one of our keys: a prompt that starts with a `---` separator
  // (`---\nQ: …`), or another tool's YAML, is left alone.
  const ours = lines.slice(1, close < 0 ? lines.length : close).some((l) => KNOWN_KEYS.includes(KEY.exec(l.text)?.[1] ?? ''));
  if (!ours) return { frontMatter: {}, bodyStart: 0, diagnostics: [] };
  const diagnostics: FrontMatterDiagnostic[] = [];
  if (close < 0) {
    return { frontMatter: {}, bodyStart: 0, diagnostics: [{ line: 0, message: 'Front matter is not closed: add a line "---" after it.' }] };
  }
  const fm: Record<string, unknown> = {};
  const candidates: Array<{ name: string; text: string }> = [];
  let inCandidates = false;
  // Foreign keys only: inside another tool's key (its indented lines are its own).
  let inForeign = false;
  for (let i = 1; i < close; i++) {
    const raw = lines[i].text;
    if (/^\s*(#.*)?$/.test(raw)) continue;
    const indented = /^\s+/.test(raw);
    if (inForeign && indented) continue;
    inForeign = false;
    const m = KEY.exec(raw.trim());
    const known = m !== null && KNOWN_KEYS.includes(m[1]);
    if (options.foreignKeys && !(indented && inCandidates) && (indented || !known)) {
      inCandidates = false;
      inForeign = !indented;
      continue;
    }
    if (!m) {
      diagnostics.push({ line: i, message: `Expected "key: value", found "${raw.trim()}".` });
      continue;
    }
    const [, key, rest] = m;
    const value = parseValue(rest);
    if (typeof value !== 'string') {
      diagnostics.push({ line: i, message: value.error });
      continue;
    }
    if (indented && inCandidates) {
      const problem = readCandidate(key, value, candidates);
      if (problem !== null) diagnostics.push({ line: i, message: problem });
      continue;
    }
    inCandidates = false;
    if (indented) {
      diagnostics.push({ line: i, message: `Unexpected indentation before "${key}".` });
    } else if (key === 'candidates') {
      if (value.length > 0) diagnostics.push({ line: i, message: 'List candidates on indented lines below "candidates:", as "name: continuation".' });
      inCandidates = true;
    } else {
      const problem = readOption(key, value, fm);
      if (problem !== null) diagnostics.push({ line: i, message: problem });
    }
  }
  const problem = candidatesProblem(candidates);
  if (problem !== null) diagnostics.push({ line: 1, message: problem });
  else if (candidates.length > 1) fm.candidates = candidates;
  return { frontMatter: fm as FrontMatter, bodyStart: lines[close].end, diagnostics: capped(diagnostics) };
}

/**
 * Read option `key` (any key but `candidates`) from its value as written (bare
 * text, or a JSON string already decoded) into `into`: the problem, or null.
 * A chat file's top-level fields are read through it too (core/chat/chatFewShot.ts).
 */
export function readOption(key: string, value: string, into: Record<string, unknown>): string | null {
  if ((STRING_KEYS as readonly string[]).includes(key)) {
    if (value.length === 0 && key !== 'header') return `"${key}" needs a value.`;
    if (key === 'formatClass' && formatClassError(value) !== null) return `"formatClass": ${formatClassError(value)}`;
    into[key] = value;
  } else if (key === 'reference') {
    if (!(REFERENCE_TASKS as readonly string[]).includes(value)) return `"reference" must be ${REFERENCE_TASKS.join(', ')}, not "${value}".`;
    into.reference = value;
  } else if (key === 'alpha') {
    const a = Number(value);
    if (!(value.length > 0 && Number.isFinite(a) && a > 0.5 && a < 1)) return '"alpha" must be a number between 0.5 and 1 (exclusive).';
    into.alpha = a;
  } else if (key === 'lengthNormalize') {
    if (value !== 'true' && value !== 'false') return '"lengthNormalize" must be true or false.';
    into.lengthNormalize = value === 'true';
  } else {
    return `Unknown key "${key}" (known: ${KNOWN_KEYS.join(', ')}).`;
  }
  return null;
}

/** Add candidate `name` with sample continuation `value` to `candidates`: the problem, or null. */
export function readCandidate(name: string, value: string, candidates: Array<{ name: string; text: string }>): string | null {
  if (candidates.some((c) => c.name === name)) return `Candidate "${name}" is listed twice.`;
  if (value.length === 0) return `Candidate "${name}" needs a sample continuation.`;
  candidates.push({ name, text: value });
  return null;
}

/** What is wrong with a list of candidates as a whole (one is no comparison), or null. */
export function candidatesProblem(candidates: ReadonlyArray<{ name: string; text: string }>): string | null {
  return candidates.length === 1 ? 'Give at least two candidates to compare (or none).' : null;
}

/** Problems listed one by one before the rest are summed up in one line. */
const MAX_DIAGNOSTICS = 100;

/** The first {@link MAX_DIAGNOSTICS} problems and a line counting the rest: a huge malformed block must not flood the editor. */
function capped(diagnostics: FrontMatterDiagnostic[]): FrontMatterDiagnostic[] {
  if (diagnostics.length <= MAX_DIAGNOSTICS) return diagnostics;
  const rest = diagnostics.length - MAX_DIAGNOSTICS;
  return [...diagnostics.slice(0, MAX_DIAGNOSTICS), { line: diagnostics[MAX_DIAGNOSTICS].line, message: `${rest} more front-matter problem${rest === 1 ? '' : 's'} not listed.` }];
}

/**
 * Where the line after the closing `---` starts (the text's end when the block
 * is not closed), for a text whose first line is `---`.
 */
function blockEnd(text: string): number {
  const close = /(?:\r\n|\n|\r)---(?:\r\n|\n|\r|$)/.exec(text.slice(3));
  return close === null ? text.length : 3 + close.index + close[0].length;
}

/** Lines of `text` from offset `from` on, with offsets into the whole text; `end` includes the line break. */
export function splitLines(text: string, from = 0): Array<{ start: number; end: number; text: string }> {
  const out: Array<{ start: number; end: number; text: string }> = [];
  const re = /\r\n|\n|\r/g;
  re.lastIndex = from;
  let start = from;
  for (let m = re.exec(text); m !== null; m = re.exec(text)) {
    out.push({ start, end: m.index + m[0].length, text: text.slice(start, m.index) });
    start = m.index + m[0].length;
  }
  if (start < text.length || from === text.length) out.push({ start, end: text.length, text: text.slice(start) });
  return out;
}

function parseValue(rest: string): string | { error: string } {
  const s = rest.trim();
  if (s.startsWith('"')) {
    const end = closingQuote(s);
    if (end < 0) return { error: 'Unterminated string: close it with ".' };
    const tail = s.slice(end + 1).trim();
    if (tail.length > 0 && !tail.startsWith('#')) return { error: `Unexpected text after the string: "${tail}".` };
    try {
      return JSON.parse(s.slice(0, end + 1)) as string;
    } catch {
      return { error: `Invalid string ${s.slice(0, end + 1)} (JSON escapes: \\n, \\", \\\\).` };
    }
  }
  // Bare values end at a comment (found with one linear search).
  const hash = s.search(/\s#/);
  return (hash >= 0 ? s.slice(0, hash) : s).trim();
}

function closingQuote(s: string): number {
  for (let i = 1; i < s.length; i++) {
    if (s[i] === '\\') i++;
    else if (s[i] === '"') return i;
  }
  return -1;
}

/**
 * Why `source` cannot be a format class, or null: it is tested against every
 * token text of the vocabulary, so a pattern that can backtrack
 * catastrophically is refused like a syntax error.
 */
function formatClassError(source: string): string | null {
  return compileSafeRegex(source).error ?? null;
}
