/**
 * UTF-16 spans of tokens in their source text, from cumulative detokenization:
 * span_i = [len(detok(t_1..t_{i−1})), len(detok(t_1..t_i))). Done in windows that
 * restart after a token that completed a character, so the cost is O(n·window)
 * instead of O(n²); each window is detokenized after a few preceding tokens so
 * SentencePiece keeps a leading space. After an edit the pass resumes at the last
 * window start before the change (`previous`), which gives exactly the spans a
 * fresh pass gives: every span before it was computed from tokens and text that
 * did not change.
 */
import { commonPrefixLength } from './sequenceDiff';

/** Detokenize `tokens` as the continuation of `lastTokens`. */
export type Detokenize = (tokens: readonly number[], lastTokens: readonly number[]) => string;

export interface Span {
  readonly start: number;
  readonly end: number;
}

export interface SpanResult {
  readonly spans: readonly Span[];
  /** False when the tokenizer does not round-trip the text and spans were aligned approximately. */
  readonly exact: boolean;
  /** Where the windowed pass restarted, so a later pass over an edited text can resume there (empty when not exact). */
  readonly checkpoints: readonly SpanCheckpoint[];
}

/** A window start of the pass: the state it restarted from there. */
export interface SpanCheckpoint {
  /** The window's first token. */
  readonly token: number;
  /** Where the window starts in the text: the end of the span before it. */
  readonly base: number;
  /** The spans before `token` read only the text before this offset. */
  readonly reach: number;
}

/** A previous pass, over `tokens` of `text`, to resume from. */
export interface PreviousSpans {
  readonly tokens: readonly number[];
  readonly text: string;
  readonly result: SpanResult;
}

const REPLACEMENT = 0xfffd;
const ANCHOR_TOKENS = 4;

/** Length of `s` without trailing U+FFFD that the source text does not have at that place. */
function completedLength(s: string, text: string, base: number): number {
  let len = s.length;
  while (len > 0 && s.charCodeAt(len - 1) === REPLACEMENT && text.charCodeAt(base + len - 1) !== REPLACEMENT) len--;
  return len;
}

/**
 * Spans of `tokens` (document tokens, no BOS) in `text`. Byte-fallback pieces of
 * one character get empty spans and the piece that completes the character gets
 * the whole character.
 */
export function tokenSpans(tokens: readonly number[], text: string, detokenize: Detokenize, window = 64, previous?: PreviousSpans): SpanResult {
  const from = previous === undefined ? undefined : resumePoint(previous, tokens, text);
  const spans: Span[] = from === undefined ? [] : previous!.result.spans.slice(0, from.token);
  const checkpoints: SpanCheckpoint[] = from === undefined ? [] : previous!.result.checkpoints.filter((c) => c.token <= from.token);
  let base = from?.base ?? 0;
  let windowStart = from?.token ?? 0;
  let prevEnd = base;
  let reach = from?.reach ?? 0;
  let roundTrips = true;
  if (from === undefined) checkpoints.push({ token: 0, base: 0, reach: 0 });
  for (let i = windowStart; i < tokens.length; i++) {
    const s = detokenize(tokens.slice(windowStart, i + 1), tokens.slice(Math.max(0, windowStart - ANCHOR_TOKENS), windowStart));
    const len = completedLength(s, text, base);
    reach = Math.max(reach, base + s.length);
    if (text.slice(base, base + len) !== s.slice(0, len)) roundTrips = false;
    const end = Math.max(prevEnd, base + len);
    spans.push({ start: prevEnd, end });
    prevEnd = end;
    // Restart only where no character is pending (a literal U+FFFD in the text also defers it).
    if (s.charCodeAt(s.length - 1) !== REPLACEMENT && i + 1 - windowStart >= window) {
      base = end;
      windowStart = i + 1;
      checkpoints.push({ token: windowStart, base, reach });
    }
  }
  if (roundTrips && prevEnd === text.length) return { spans, exact: true, checkpoints };
  return { spans: alignPieces(tokens, text, detokenize), exact: false, checkpoints: [] };
}

/**
 * The last window start of `previous` whose spans before it depend only on
 * tokens and text that `tokens` and `text` share; undefined when there is none
 * past the first token (or the previous pass was not exact).
 */
function resumePoint(previous: PreviousSpans, tokens: readonly number[], text: string): SpanCheckpoint | undefined {
  if (!previous.result.exact) return undefined;
  const sameTokens = commonPrefixLength(previous.tokens, tokens);
  const sameText = commonTextPrefix(previous.text, text);
  let found: SpanCheckpoint | undefined;
  for (const c of previous.result.checkpoints) {
    if (c.token > sameTokens || c.reach > sameText) break;
    found = c;
  }
  return found !== undefined && found.token > 0 ? found : undefined;
}

/** The length of the common prefix of two strings. */
export function commonTextPrefix(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  let i = 0;
  while (i < n && a.charCodeAt(i) === b.charCodeAt(i)) i++;
  return i;
}

/**
 * Fallback for tokenizers that normalise text: place each token's own piece at its
 * next occurrence close to the cursor, or give it an empty span there.
 */
function alignPieces(tokens: readonly number[], text: string, detokenize: Detokenize): Span[] {
  const spans: Span[] = [];
  let cursor = 0;
  for (let i = 0; i < tokens.length; i++) {
    const raw = detokenize([tokens[i]], tokens.slice(Math.max(0, i - ANCHOR_TOKENS), i));
    const piece = raw.slice(0, completedLength(raw, text, cursor));
    const candidates = [piece, piece.trim()].filter((p) => p.length > 0);
    let placed = false;
    for (const p of candidates) {
      // Look only a little ahead: a far match is no alignment, and a full search is O(n) per token.
      const found = text.slice(cursor, cursor + 64 + p.length).indexOf(p);
      const at = found < 0 ? -1 : cursor + found;
      if (at >= 0) {
        spans.push({ start: at, end: at + p.length });
        cursor = at + p.length;
        placed = true;
        break;
      }
    }
    if (!placed) spans.push({ start: cursor, end: cursor });
  }
  return spans;
}
