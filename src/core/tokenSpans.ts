/**
 * UTF-16 spans of tokens in their source text, from cumulative detokenization:
 * span_i = [len(detok(t_1..t_{i−1})), len(detok(t_1..t_i))). Done in windows that
 * restart after a token that completed a character, so the cost is O(n·window)
 * instead of O(n²); each window is detokenized after a few preceding tokens so
 * SentencePiece keeps a leading space.
 */

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
export function tokenSpans(tokens: readonly number[], text: string, detokenize: Detokenize, window = 64): SpanResult {
  const spans: Span[] = [];
  let base = 0;
  let windowStart = 0;
  let prevEnd = 0;
  let roundTrips = true;
  for (let i = 0; i < tokens.length; i++) {
    const s = detokenize(tokens.slice(windowStart, i + 1), tokens.slice(Math.max(0, windowStart - ANCHOR_TOKENS), windowStart));
    const len = completedLength(s, text, base);
    if (text.slice(base, base + len) !== s.slice(0, len)) roundTrips = false;
    const end = Math.max(prevEnd, base + len);
    spans.push({ start: prevEnd, end });
    prevEnd = end;
    // Restart only where no character is pending (a literal U+FFFD in the text also defers it).
    if (s.charCodeAt(s.length - 1) !== REPLACEMENT && i + 1 - windowStart >= window) {
      base = end;
      windowStart = i + 1;
    }
  }
  if (roundTrips && prevEnd === text.length) return { spans, exact: true };
  return { spans: alignPieces(tokens, text, detokenize), exact: false };
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
