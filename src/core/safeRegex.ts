/**
 * A guard for user regular expressions that run over many strings (the
 * few-shot `formatClass` is tested against every token text of the
 * vocabulary). JavaScript regexes backtrack, so a pattern such as `(a+)+$` or
 * `(a|aa)*b` takes exponential time on an unlucky string and freezes whoever
 * runs it. The guard is deliberately conservative: it rejects the constructs
 * that make backtracking blow up rather than trying to prove a pattern safe.
 *
 * Rejected: patterns over {@link MAX_REGEX_LENGTH} characters, backreferences
 * (`\1`, `\k<name>`), lookarounds (`(?=`, `(?!`, `(?<=`, `(?<!`), a group
 * repeated by `*`, `+` or `{n,m}` (m > 1) that itself contains a quantifier or
 * an alternation (`(a+)+`, `(.*)*`, `(a|aa)*`), and more than
 * {@link MAX_REPEATS} repeating quantifiers in all (`.*.*.*.*x` backtracks in
 * time polynomial in the text, of degree the number of them). Everything else
 * is compiled with the flags given, so a syntax error is reported too.
 */

/** Longest accepted pattern, in UTF-16 code units. */
export const MAX_REGEX_LENGTH = 200;
/** Most repeating quantifiers (`*`, `+`, `{n,m}` with m > 1) in one pattern. */
export const MAX_REPEATS = 3;

/** A compiled pattern, or the sentence saying why it was refused. */
export type SafeRegexResult = { readonly regex: RegExp; readonly error?: undefined } | { readonly regex?: undefined; readonly error: string };

interface Frame {
  /** A quantifier applies somewhere inside this group (nested groups included). */
  quantified: boolean;
  /** An alternation `|` occurs somewhere inside this group (nested groups included). */
  alternation: boolean;
}

/**
 * Why `source` could backtrack catastrophically (a user-facing sentence), or
 * null when none of the refused constructs occurs. Does not check the syntax:
 * {@link compileSafeRegex} does both.
 */
export function unsafeRegexReason(source: string): string | null {
  if (source.length > MAX_REGEX_LENGTH) return `it is ${source.length} characters long; the limit is ${MAX_REGEX_LENGTH}.`;
  const stack: Frame[] = [{ quantified: false, alternation: false }];
  // What the next quantifier applies to: a group just closed (its frame), another atom, or nothing.
  let last: Frame | 'atom' | null = null;
  let repeats = 0;
  let i = 0;
  while (i < source.length) {
    const c = source[i];
    const top = stack[stack.length - 1];
    if (c === '\\') {
      const n = source[i + 1] ?? '';
      if (/[1-9]/.test(n) || (n === 'k' && source[i + 2] === '<')) return 'backreferences (\\1, \\k<name>) can make matching take exponential time.';
      // \p{…}, \u{…}: skip the braces so their contents are not read as a quantifier.
      if ((n === 'p' || n === 'P' || n === 'u') && source[i + 2] === '{') {
        const close = source.indexOf('}', i + 3);
        i = close < 0 ? source.length : close + 1;
      } else {
        i += 2;
      }
      last = 'atom';
      continue;
    }
    if (c === '[') {
      i = classEnd(source, i);
      last = 'atom';
      continue;
    }
    if (c === '(') {
      if (/^\(\?<?[=!]/.test(source.slice(i, i + 4))) return 'lookarounds ((?=, (?!, (?<=, (?<!) are not supported here.';
      stack.push({ quantified: false, alternation: false });
      i = groupBodyStart(source, i);
      last = null;
      continue;
    }
    if (c === ')') {
      // An unbalanced `)` is a syntax error that compiling reports.
      if (stack.length === 1) return null;
      const inner = stack.pop()!;
      const parent = stack[stack.length - 1];
      parent.quantified ||= inner.quantified;
      parent.alternation ||= inner.alternation;
      last = inner;
      i++;
      continue;
    }
    if (c === '|') {
      top.alternation = true;
      last = null;
      i++;
      continue;
    }
    const q = quantifierAt(source, i);
    if (q !== null) {
      if (last !== null && last !== 'atom' && q.repeats && (last.quantified || last.alternation)) {
        return last.quantified
          ? 'a repeated group contains another quantifier (as in (a+)+ or (.*)*), which can take exponential time.'
          : 'a repeated group contains an alternation (as in (a|aa)*), which can take exponential time.';
      }
      if (q.repeats && ++repeats > MAX_REPEATS) return `it has more than ${MAX_REPEATS} repeating quantifiers (*, +, {n,m}), which can take polynomial time of that degree.`;
      top.quantified = true;
      last = null;
      i = q.end;
      continue;
    }
    last = 'atom';
    i++;
  }
  return null;
}

/**
 * `source` compiled with `flags` (default `u`, as the model worker uses), or
 * the reason it is refused: unsafe per {@link unsafeRegexReason}, or invalid.
 * The engine should compile `formatClass` through this before testing tokens.
 */
export function compileSafeRegex(source: string, flags = 'u'): SafeRegexResult {
  const unsafe = unsafeRegexReason(source);
  if (unsafe !== null) return { error: `"${source.length > 40 ? `${source.slice(0, 40)}…` : source}" is refused: ${unsafe}` };
  try {
    return { regex: new RegExp(source, flags) };
  } catch (err) {
    return { error: `"${source}" is not a valid regular expression: ${(err as Error).message}` };
  }
}

/** Where the body of the group that opens at `start` begins: after `(`, `(?:`, `(?<name>` or `(?i:`. */
function groupBodyStart(source: string, start: number): number {
  if (source[start + 1] !== '?') return start + 1;
  const close = source.indexOf(source[start + 2] === '<' ? '>' : ':', start + 2);
  return close < 0 ? source.length : close + 1;
}

/** The index after the character class that opens at `start`. */
function classEnd(source: string, start: number): number {
  let i = start + 1;
  if (source[i] === '^') i++;
  // A `]` first in the class is a literal in non-Unicode mode; harmless to treat it so here.
  if (source[i] === ']') i++;
  while (i < source.length && source[i] !== ']') i += source[i] === '\\' ? 2 : 1;
  return i + 1;
}

/** The quantifier at `i`, if any: where it ends and whether it repeats (allows more than one match). */
function quantifierAt(source: string, i: number): { end: number; repeats: boolean } | null {
  const c = source[i];
  let end: number;
  let repeats: boolean;
  if (c === '*' || c === '+') {
    end = i + 1;
    repeats = true;
  } else if (c === '?') {
    end = i + 1;
    repeats = false;
  } else if (c === '{') {
    // The whole quantifier, however long its digits: `{0000000000000000000000001,}` is `+`.
    const brace = /\{(\d+)(,(\d*))?\}/y;
    brace.lastIndex = i;
    const m = brace.exec(source);
    if (!m) return null;
    end = i + m[0].length;
    const max = m[2] === undefined ? Number(m[1]) : m[3] === '' ? Infinity : Number(m[3]);
    repeats = max > 1;
  } else {
    return null;
  }
  // A lazy or possessive-looking suffix belongs to the quantifier.
  if (source[end] === '?') end++;
  return { end, repeats };
}
