/** Finding tokens and distributions by text offset (pure, so hover and commands share it). */
import type { Analysis, NextDistribution, TokenStat } from './analysis';

/** The token whose non-empty span contains `offset`, or undefined. Spans are sorted. */
export function tokenAt(tokens: readonly TokenStat[], offset: number): TokenStat | undefined {
  let lo = 0;
  let hi = tokens.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const t = tokens[mid];
    if (t.end <= offset) lo = mid + 1;
    else if (t.start > offset) hi = mid - 1;
    else return t.end > t.start ? t : undefined;
  }
  return undefined;
}

/**
 * "What comes next" at `offset`: the distribution after the last token that ends
 * at or before it (docs/numbers.md). That distribution is the one recorded for the
 * following token's slot, or the distribution after the document.
 */
export function distributionAt(analysis: Analysis, offset: number): { afterIndex: number; distribution: NextDistribution } | undefined {
  const { tokens } = analysis;
  // At the end of the file, trailing line breaks and spaces are not what the user asks about
  // (Ctrl+End after "Output:\n" means after "Output:").
  if (analysis.text.slice(offset).trim() === '') offset = analysis.text.slice(0, offset).trimEnd().length;
  let j = -1;
  while (j + 1 < tokens.length && tokens[j + 1].end <= offset) j++;
  // Skip empty-span pieces that end exactly at the cursor but belong to the next character.
  while (j >= 0 && tokens[j].end === tokens[j].start && tokens[j].end === offset && j + 1 < tokens.length && tokens[j + 1].start === offset) j--;
  const slot = tokens[j + 1];
  if (slot === undefined) return analysis.next ? { afterIndex: j, distribution: analysis.next } : undefined;
  if (slot.entropy === null) return undefined;
  return { afterIndex: j, distribution: { entropy: slot.entropy, top: slot.top } };
}
