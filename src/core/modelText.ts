/**
 * Front matter is never sent to the model: the heatmap analyses the body and
 * its token offsets are moved back into document coordinates.
 */
import type { Analysis } from './analysis';
import { parseFrontMatter } from './fewShot/frontMatter';

/** The part of `text` the model sees, and where it starts. */
export function modelText(text: string): { body: string; offset: number } {
  const offset = parseFrontMatter(text).bodyStart;
  return { body: text.slice(offset), offset };
}

/** An analysis of the body re-expressed over the whole document `text`. */
export function shiftAnalysis(analysis: Analysis, offset: number, text: string): Analysis {
  if (offset === 0) return analysis;
  return { ...analysis, text, tokens: analysis.tokens.map((t) => ({ ...t, start: t.start + offset, end: t.end + offset })) };
}
