/**
 * Two tokenizations of one text, aligned: the coarsest segmentation of the text
 * whose every boundary is a token boundary in both. A span's surprisal under a
 * model is the sum of its tokens' surprisals, so two models with different
 * vocabularies are compared on the same pieces of text (docs/numbers.md).
 */
import type { TokenStat } from '../analysis';

/** A piece of text that both tokenizations cut at its ends, with the tokens of each inside it. */
export interface AlignedSpan {
  readonly start: number;
  readonly end: number;
  /** Indices into model A's tokens: [first, last). */
  readonly a: readonly [number, number];
  /** Indices into model B's tokens: [first, last). */
  readonly b: readonly [number, number];
  /** Σ surprisal of A's tokens in the span; null when one of them has none (or there are none). */
  readonly surprisalA: number | null;
  readonly surprisalB: number | null;
  /** surprisalB − surprisalA, bits; null when either is null. */
  readonly deltaBits: number | null;
}

type Spanned = Pick<TokenStat, 'start' | 'end' | 'surprisal'>;

/**
 * The aligned spans of two tokenizations of the same text. A token boundary is
 * the end of a token with a non-empty span (byte-fallback pieces of one
 * character have empty spans and end nowhere); the spans run between the
 * boundaries the two share. Each token belongs to the span holding its start.
 */
export function alignTokenizations(a: readonly Spanned[], b: readonly Spanned[]): AlignedSpan[] {
  if (a.length === 0 && b.length === 0) return [];
  const ends = (tokens: readonly Spanned[]) => new Set(tokens.filter((t) => t.end > t.start).map((t) => t.end));
  const endsA = ends(a);
  const endsB = ends(b);
  const lo = Math.min(...[a[0], b[0]].filter((t) => t !== undefined).map((t) => t.start));
  const hi = Math.max(...[a[a.length - 1], b[b.length - 1]].filter((t) => t !== undefined).map((t) => Math.max(t.start, t.end)));
  const edges = [lo, ...[...endsA].filter((e) => endsB.has(e) && e > lo).sort((x, y) => x - y)];
  // Text after the last shared boundary (a tokenization that does not round-trip) joins the last span.
  if (edges[edges.length - 1] < hi) edges.push(hi);
  const spanCount = Math.max(1, edges.length - 1);
  const spanOf = (offset: number): number => {
    let lo2 = 0;
    let hi2 = spanCount - 1;
    while (lo2 < hi2) {
      const mid = (lo2 + hi2 + 1) >> 1;
      if (edges[mid] <= offset) lo2 = mid;
      else hi2 = mid - 1;
    }
    return lo2;
  };
  const ranges = (tokens: readonly Spanned[]): Array<[number, number]> => {
    const out: Array<[number, number]> = Array.from({ length: spanCount }, () => [Infinity, -Infinity]);
    tokens.forEach((t, i) => {
      const r = out[spanOf(t.start)];
      r[0] = Math.min(r[0], i);
      r[1] = Math.max(r[1], i + 1);
    });
    return out.map(([f, l]) => (f === Infinity ? [0, 0] : [f, l]));
  };
  const rangesA = ranges(a);
  const rangesB = ranges(b);
  const sum = (tokens: readonly Spanned[], [f, l]: [number, number]): number | null => {
    if (l <= f) return null;
    let s = 0;
    for (let i = f; i < l; i++) {
      const v = tokens[i].surprisal;
      if (v === null) return null;
      s += v;
    }
    return s;
  };
  const spans: AlignedSpan[] = [];
  for (let k = 0; k < spanCount; k++) {
    const surprisalA = sum(a, rangesA[k]);
    const surprisalB = sum(b, rangesB[k]);
    spans.push({
      start: edges[k], end: edges[Math.min(k + 1, edges.length - 1)], a: rangesA[k], b: rangesB[k],
      surprisalA, surprisalB, deltaBits: surprisalA === null || surprisalB === null ? null : surprisalB - surprisalA,
    });
  }
  return spans;
}
