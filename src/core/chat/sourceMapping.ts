/**
 * The rendered prompt's tokens mapped back onto the chat file: a token that
 * covers message content takes the document range that content came from
 * (JSON escapes and CRLF included); a template token (role header, special
 * token, BOS) keeps its place in the token order with an empty span where it
 * sits in the document.
 */
import type { TokenStat } from '../analysis';
import { contentSourceRange } from './chatFile';
import type { ChatAnalysis, ChatDocument, ChatSourceAnalysis, RenderedChat, RenderedSegment } from './chatTypes';

type ContentSegment = RenderedSegment & { readonly turn: number; readonly contentStart: number };

/**
 * `analysis` (over the rendered text of `doc`'s messages, turn i = message i)
 * re-expressed over the document `text` (see ChatSourceAnalysis):
 * - a token whose rendered span covers content characters maps to
 *   [min source start, max source end) of those characters, even when it also
 *   covers template text (it is then content, not template);
 * - an empty token inside content (the first bytes of a character a later
 *   token completes) maps to an empty span where that character is written;
 * - every other token (template text only, or an empty one such as BOS) is
 *   `template: true`, with an empty span at the start of the next content
 *   token, else the end of the previous one, else `doc.bodyStart`.
 */
export function toSourceAnalysis(text: string, doc: ChatDocument, analysis: ChatAnalysis): ChatSourceAnalysis {
  const segments = contentSegments(analysis.rendered, doc);
  const spans: Array<{ start: number; end: number } | null> = [];
  let si = 0;
  analysis.tokens.forEach((t, i) => {
    if (t.end > t.start) {
      while (si < segments.length && segments[si].end <= t.start) si++;
      let lo = Infinity;
      let hi = -Infinity;
      for (let k = si; k < segments.length && segments[k].start < t.end; k++) {
        const seg = segments[k];
        const s = Math.max(t.start, seg.start);
        const e = Math.min(t.end, seg.end);
        if (e <= s) continue;
        const a = seg.contentStart + (s - seg.start);
        const r = contentSourceRange(doc.messages[seg.turn], a, a + (e - s));
        lo = Math.min(lo, r.start);
        hi = Math.max(hi, r.end);
      }
      spans.push(lo <= hi ? { start: lo, end: hi } : null);
    } else {
      // Empty: BOS (the first token) is template; elsewhere inside content it is part of a character.
      while (si < segments.length && segments[si].end <= t.start) si++;
      const seg = segments[si];
      if (i > 0 && seg !== undefined && seg.start <= t.start) {
        const at = doc.messages[seg.turn].sourceOffsets[seg.contentStart + (t.start - seg.start)];
        spans.push({ start: at, end: at });
      } else {
        spans.push(null);
      }
    }
  });

  // Template tokens sit at the next content token's start, else the previous one's end.
  const place: number[] = new Array<number>(spans.length);
  let next: number | null = null;
  for (let i = spans.length - 1; i >= 0; i--) {
    const s = spans[i];
    if (s !== null) next = s.start;
    else if (next !== null) place[i] = next;
  }
  let previous = doc.bodyStart;
  const tokens: TokenStat[] = analysis.tokens.map((t, i) => {
    const s = spans[i];
    const { template: _template, ...stat } = t;
    void _template;
    if (s !== null) {
      previous = s.end;
      return { ...stat, start: s.start, end: s.end };
    }
    const at = place[i] ?? previous;
    return { ...stat, start: at, end: at, template: true };
  });
  return { ...analysis, text, tokens, rendered: analysis };
}

/**
 * The template tokens next to content token `tokenIndex` of `analysis`: the
 * run of template tokens between the previous content token and it (`before`)
 * and, when it is the last content token of its message, the run after it up
 * to the next content token or the end (`after`). Both empty for a template
 * token or an index out of range.
 */
export function templateNeighbours(analysis: ChatSourceAnalysis, tokenIndex: number): { before: readonly TokenStat[]; after: readonly TokenStat[] } {
  const tokens = analysis.tokens;
  const t = tokens[tokenIndex] as TokenStat | undefined;
  if (t === undefined || t.template === true) return { before: [], after: [] };
  let i = tokenIndex - 1;
  while (i >= 0 && tokens[i].template === true) i--;
  let j = tokenIndex + 1;
  while (j < tokens.length && tokens[j].template === true) j++;
  const before = tokens.slice(i + 1, tokenIndex);
  const lastOfMessage = j === tokens.length || turns(analysis.rendered, j).first !== turns(analysis.rendered, tokenIndex).last;
  return { before, after: lastOfMessage ? tokens.slice(tokenIndex + 1, j) : [] };
}

/** The first and last turn whose content rendered token `index` covers (or, empty, sits in). */
function turns(rendered: ChatAnalysis, index: number): { first: number | null; last: number | null } {
  const t = rendered.tokens[index];
  let first: number | null = null;
  let last: number | null = null;
  for (const seg of rendered.rendered.segments) {
    if (seg.kind !== 'content' || seg.turn === undefined) continue;
    const covers = t.end > t.start ? seg.start < t.end && t.start < seg.end : seg.start <= t.start && t.start < seg.end;
    if (!covers) continue;
    first ??= seg.turn;
    last = seg.turn;
  }
  return { first, last };
}

/** The rendered content runs that map onto `doc`'s messages, in order (runs that do not, of a mismatched analysis, are left out). */
function contentSegments(rendered: RenderedChat, doc: ChatDocument): ContentSegment[] {
  return rendered.segments
    .filter((s): s is ContentSegment => {
      if (s.kind !== 'content' || s.turn === undefined || s.contentStart === undefined || s.end <= s.start) return false;
      const m = doc.messages[s.turn] as ChatDocument['messages'][number] | undefined;
      return m !== undefined && s.contentStart >= 0 && s.contentStart + (s.end - s.start) <= m.content.length;
    })
    .sort((a, b) => a.start - b.start);
}
