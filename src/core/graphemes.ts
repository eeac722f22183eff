/**
 * The user-perceived character (grapheme cluster) a token is part of: an emoji
 * family such as 👨‍👩‍👧 is one character made of several code points, which a
 * tokenizer splits into several tokens; the hover shows the whole character.
 */
import type { TokenStat } from './analysis';

/** A grapheme cluster that a token covers only part of, and where the token sits among the cluster's tokens. */
export interface ClusterPart {
  /** The whole cluster(s) the token overlaps (several when the token straddles a boundary). */
  readonly text: string;
  readonly start: number;
  readonly end: number;
  /** 1-based position of the token among the tokens with non-empty spans in [start, end). */
  readonly position: number;
  readonly count: number;
}

const segmenter = new Intl.Segmenter(undefined, { granularity: 'grapheme' });

/**
 * The cluster around `token`, read from `text` (the document from offset
 * `textStart` on, enough of it to hold the cluster), or undefined when the token
 * covers whole clusters. `tokens` are sorted by span.
 */
export function clusterPart(text: string, textStart: number, tokens: readonly TokenStat[], token: TokenStat): ClusterPart | undefined {
  if (token.end <= token.start) return undefined;
  let start = -1;
  let end = -1;
  for (const { index, segment } of segmenter.segment(text)) {
    const s = textStart + index;
    const e = s + segment.length;
    if (e <= token.start) continue;
    if (s >= token.end) break;
    if (start < 0) start = s;
    end = e;
  }
  if (start < 0 || (start === token.start && end === token.end)) return undefined;
  const inside = tokens.filter((t) => t.end > t.start && t.start < end && t.end > start);
  const position = inside.findIndex((t) => t.index === token.index) + 1;
  if (position === 0 || inside.length < 2) return undefined;
  return { text: text.slice(start - textStart, end - textStart), start, end, position, count: inside.length };
}
