/**
 * Two revisions of a prompt, token by token: each token of the current text is
 * matched to the old text's token at the same place, through the character
 * diff (textDiff.ts), and gets Δsurprisal and Δentropy (current − old, bits).
 *
 * A current token matches an old token when (1) its span lies wholly in text
 * both revisions share (an empty span: the character it is a piece of), (2) the
 * old token's span is that span mapped into the old text, and (3) both have the
 * same token id (so the same text). Otherwise it is **new**: inserted or changed
 * text, a token an edit inside it changed, or text the tokenizer split
 * differently. Empty spans with the same id at one place match in order.
 */
import type { Analysis, TokenStat } from '../analysis';
import { diffText, mapSpan, type TextDiff } from './textDiff';

export interface TokenDelta {
  /** The current token's index. */
  readonly index: number;
  /** The matched old token's index; null: the token is new. */
  readonly oldIndex: number | null;
  /** Current − old surprisal in bits; null when new or either side has no numbers. */
  readonly deltaSurprisal: number | null;
  readonly deltaEntropy: number | null;
}

export interface RevisionComparison {
  /** One per current token, in order. */
  readonly deltas: readonly TokenDelta[];
  readonly matched: number;
  readonly added: number;
  /** Old tokens no current token matched (deleted or changed text). */
  readonly removed: number;
  /** Means over matched tokens with numbers on both sides; null when there are none. */
  readonly meanDeltaSurprisal: number | null;
  readonly meanDeltaEntropy: number | null;
}

const spanKey = (start: number, end: number, id: number) => `${start}:${end}:${id}`;

/** Match the tokens of `current` to those of `old` through `diff` (old → new text). */
export function alignTokens(diff: TextDiff, current: Analysis, old: Analysis): Array<number | null> {
  const byPlace = new Map<string, number[]>();
  for (const t of old.tokens) {
    const key = spanKey(t.start, t.end, t.id);
    const list = byPlace.get(key);
    if (list) list.push(t.index);
    else byPlace.set(key, [t.index]);
  }
  return current.tokens.map((t) => {
    const mapped = mapSpan(diff, current.text, t.start, t.end);
    if (mapped === undefined) return null;
    return byPlace.get(spanKey(mapped.start, mapped.end, t.id))?.shift() ?? null;
  });
}

const delta = (now: number | null, before: number | null) => (now === null || before === null ? null : now - before);

/** Compare the analysis of the current text with that of the old text (same model). */
export function compareRevisions(current: Analysis, old: Analysis, diff: TextDiff = diffText(old.text, current.text)): RevisionComparison {
  const aligned = alignTokens(diff, current, old);
  let sumS = 0, sumH = 0, n = 0, matched = 0;
  const deltas = current.tokens.map((t: TokenStat, i): TokenDelta => {
    const oldIndex = aligned[i];
    if (oldIndex === null) return { index: t.index, oldIndex: null, deltaSurprisal: null, deltaEntropy: null };
    matched++;
    const o = old.tokens[oldIndex];
    const ds = delta(t.surprisal, o.surprisal);
    const dh = delta(t.entropy, o.entropy);
    if (ds !== null && dh !== null) {
      sumS += ds;
      sumH += dh;
      n++;
    }
    return { index: t.index, oldIndex, deltaSurprisal: ds, deltaEntropy: dh };
  });
  return {
    deltas,
    matched,
    added: current.tokens.length - matched,
    removed: old.tokens.length - matched,
    meanDeltaSurprisal: n > 0 ? sumS / n : null,
    meanDeltaEntropy: n > 0 ? sumH / n : null,
  };
}
