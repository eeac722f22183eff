/**
 * A JSON reader that keeps where every value lies in the text (JSON.parse
 * keeps none): the full JSON grammar (RFC 8259), strings with every escape,
 * and a one-line error at the offset where the text stops being JSON. Linear
 * in the text; never throws.
 */

interface Span {
  /** UTF-16 offsets in the text, end exclusive (a string's span includes its quotes). */
  readonly start: number;
  readonly end: number;
}

export type JsonNode =
  | (Span & { readonly kind: 'string'; readonly value: string })
  | (Span & { readonly kind: 'number'; readonly value: number })
  | (Span & { readonly kind: 'boolean'; readonly value: boolean })
  | (Span & { readonly kind: 'null'; readonly value: null })
  | (Span & { readonly kind: 'array'; readonly items: readonly JsonNode[] })
  | (Span & { readonly kind: 'object'; readonly members: readonly JsonMember[] });

export interface JsonMember {
  readonly key: string;
  readonly keyStart: number;
  readonly keyEnd: number;
  readonly value: JsonNode;
}

export interface JsonSyntaxError {
  readonly offset: number;
  /** What was expected, e.g. "expected ',' or '}'" (no position: see {@link lineColumn}). */
  readonly message: string;
}

export type JsonReadResult = { readonly ok: true; readonly value: JsonNode } | { readonly ok: false; readonly error: JsonSyntaxError };

/** Arrays and objects nested deeper than this are refused (the reader recurses). */
export const MAX_JSON_DEPTH = 512;

class SyntaxStop {
  constructor(readonly offset: number, readonly message: string) {}
}

/** Read the JSON value that fills `text` from `from` (a byte-order mark there is skipped), whitespace around it allowed. */
export function readJson(text: string, from = 0): JsonReadResult {
  const reader = new Reader(text, text.charCodeAt(from) === 0xfeff ? from + 1 : from);
  try {
    reader.skipSpace();
    const value = reader.value(0);
    reader.skipSpace();
    if (reader.at < text.length) throw new SyntaxStop(reader.at, 'unexpected text after the end of the JSON value');
    return { ok: true, value };
  } catch (e) {
    if (e instanceof SyntaxStop) return { ok: false, error: { offset: e.offset, message: e.message } };
    throw e;
  }
}

class Reader {
  constructor(private readonly text: string, public at: number) {}

  skipSpace(): void {
    const t = this.text;
    let i = this.at;
    for (let c = t.charCodeAt(i); c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09; c = t.charCodeAt(++i));
    this.at = i;
  }

  value(depth: number): JsonNode {
    const t = this.text;
    const start = this.at;
    const c = t[start];
    if (c === '"') return this.string();
    if (c === '{' || c === '[') {
      if (depth >= MAX_JSON_DEPTH) throw new SyntaxStop(start, `arrays and objects nested deeper than ${MAX_JSON_DEPTH} levels`);
      return c === '{' ? this.object(depth + 1) : this.array(depth + 1);
    }
    if (c === '-' || (c >= '0' && c <= '9')) return this.number();
    for (const [word, value] of [['true', true], ['false', false], ['null', null]] as const) {
      if (t.startsWith(word, start)) {
        this.at = start + word.length;
        return value === null ? { kind: 'null', start, end: this.at, value } : { kind: 'boolean', start, end: this.at, value };
      }
    }
    throw this.stop('expected a value (a string, number, object, array, true, false or null)');
  }

  /** What was expected at `this.at`, saying so when the text ended there. */
  private stop(expected: string): SyntaxStop {
    return new SyntaxStop(this.at, this.at >= this.text.length ? `unexpected end of the text: ${expected}` : expected);
  }

  private object(depth: number): JsonNode {
    const t = this.text;
    const start = this.at++;
    const members: JsonMember[] = [];
    this.skipSpace();
    if (t[this.at] === '}') {
      this.at++;
      return { kind: 'object', start, end: this.at, members };
    }
    for (;;) {
      if (t[this.at] !== '"') throw this.stop('expected a key in double quotes');
      const key = this.string();
      this.skipSpace();
      if (t[this.at] !== ':') throw this.stop("expected ':' after the key");
      this.at++;
      this.skipSpace();
      const value = this.value(depth);
      members.push({ key: key.value, keyStart: key.start, keyEnd: key.end, value });
      this.skipSpace();
      const next = t[this.at];
      if (next === '}') {
        this.at++;
        return { kind: 'object', start, end: this.at, members };
      }
      if (next !== ',') throw this.stop("expected ',' or '}'");
      this.at++;
      this.skipSpace();
    }
  }

  private array(depth: number): JsonNode {
    const t = this.text;
    const start = this.at++;
    const items: JsonNode[] = [];
    this.skipSpace();
    if (t[this.at] === ']') {
      this.at++;
      return { kind: 'array', start, end: this.at, items };
    }
    for (;;) {
      items.push(this.value(depth));
      this.skipSpace();
      const next = t[this.at];
      if (next === ']') {
        this.at++;
        return { kind: 'array', start, end: this.at, items };
      }
      if (next !== ',') throw this.stop("expected ',' or ']'");
      this.at++;
      this.skipSpace();
    }
  }

  private number(): JsonNode {
    const start = this.at;
    NUMBER.lastIndex = start;
    const m = NUMBER.exec(this.text);
    if (m === null || m[0].length === 0 || m[0] === '-') throw new SyntaxStop(start, 'invalid number');
    this.at = start + m[0].length;
    return { kind: 'number', start, end: this.at, value: Number(m[0]) };
  }

  /** A string at `this.at` (on its opening quote); its value decoded in runs between escapes. */
  private string(): JsonNode & { kind: 'string' } {
    const t = this.text;
    const start = this.at;
    const parts: string[] = [];
    let i = start + 1;
    let run = i;
    for (;;) {
      if (i >= t.length) throw new SyntaxStop(start, 'unterminated string: close it with \'"\'');
      const c = t.charCodeAt(i);
      if (c === 0x22) break;
      if (c < 0x20) throw new SyntaxStop(i, `a control character (U+${hex4(c)}) inside a string: write it as an escape such as \\n or \\t`);
      if (c === 0x5c) {
        if (i > run) parts.push(t.slice(run, i));
        const e = escapeAt(t, i);
        if (typeof e === 'string') throw new SyntaxStop(i, e);
        parts.push(e.unit);
        i += e.length;
        run = i;
      } else {
        i++;
      }
    }
    if (i > run) parts.push(t.slice(run, i));
    this.at = i + 1;
    return { kind: 'string', start, end: this.at, value: parts.length === 1 ? parts[0] : parts.join('') };
  }
}

const NUMBER = /-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/y;
const SIMPLE_ESCAPES: Readonly<Record<string, string>> = { '"': '"', '\\': '\\', '/': '/', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' };

/** The escape at `text[i] === '\\'`: the one UTF-16 unit it stands for and its length in the text, or why it is invalid. */
function escapeAt(text: string, i: number): { unit: string; length: number } | string {
  const e = text[i + 1];
  if (e === undefined) return 'unterminated string: close it with \'"\'';
  const simple = SIMPLE_ESCAPES[e];
  if (simple !== undefined) return { unit: simple, length: 2 };
  if (e === 'u') {
    const digits = text.slice(i + 2, i + 6);
    if (!/^[0-9a-fA-F]{4}$/.test(digits)) return 'invalid \\u escape: write four hex digits, as in \\u00e9';
    return { unit: String.fromCharCode(parseInt(digits, 16)), length: 6 };
  }
  return `invalid escape "\\${e}" (valid: \\" \\\\ \\/ \\b \\f \\n \\r \\t \\uXXXX)`;
}

function hex4(c: number): string {
  return c.toString(16).toUpperCase().padStart(4, '0');
}

/**
 * A string node's value with the document offset of each UTF-16 unit, plus
 * the offset of the closing quote (length `value.length + 1`): an escape is
 * several document characters for one unit, so `\ud83d\ude00` gives two units
 * six characters apart. `node` must come from {@link readJson} over `text`.
 */
export function stringWithOffsets(text: string, node: JsonNode & { kind: 'string' }): { value: string; offsets: number[] } {
  const offsets: number[] = new Array<number>(node.value.length + 1);
  let unit = 0;
  const close = node.end - 1;
  for (let i = node.start + 1; i < close;) {
    offsets[unit++] = i;
    if (text.charCodeAt(i) === 0x5c) {
      const e = escapeAt(text, i);
      i += typeof e === 'string' ? 1 : e.length;
    } else {
      i++;
    }
  }
  offsets[unit] = close;
  return { value: node.value, offsets };
}

/** The plain JavaScript value of a node (objects as own-property records; a repeated key keeps its last value, as JSON.parse does). */
export function plainValue(node: JsonNode): unknown {
  switch (node.kind) {
    case 'array': return node.items.map(plainValue);
    case 'object': return Object.fromEntries(node.members.map((m) => [m.key, plainValue(m.value)]));
    default: return node.value;
  }
}

/** 1-based line and column (in UTF-16 units) of `offset`; CRLF, LF and CR each end a line. */
export function lineColumn(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  const re = /\r\n|\n|\r/g;
  for (let m = re.exec(text); m !== null && m.index < offset; m = re.exec(text)) {
    line++;
    lineStart = m.index + m[0].length;
  }
  return { line, column: offset - lineStart + 1 };
}
