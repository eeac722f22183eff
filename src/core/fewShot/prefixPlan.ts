/**
 * Plans the evaluation of many token sequences that share prefixes (prefix_k for
 * k = 0..K, each followed by the target and every candidate), so that each
 * distinct prefix is evaluated once with one KV cache.
 *
 * Sequences are visited in lexicographic order (a depth-first walk of their
 * prefix trie, the branch the cache already holds first, the last sequence's
 * branch last). A step erases the cache back to the longest prefix it shares
 * with the sequence, then evaluates the rest. The distribution after a shared
 * position is needed by several sequences with different next tokens, so when a
 * position is evaluated the plan asks for the probability of every next token
 * any later sequence through that position will need (the "candidates" of that
 * row). The last token of a sequence is never evaluated: nothing is scored after it.
 */

import { commonPrefixLength } from '../sequenceDiff';

export interface PlanSequence {
  readonly tokens: readonly number[];
  /** First token position whose probability is wanted (the continuation's first token). */
  readonly scoreFrom: number;
  /** Whether the whole distribution at scoreFrom − 1 is wanted (entropy, class mass). */
  readonly stats: boolean;
  /** With `stats`: further token ids whose probabilities are wanted at that row (a token class). */
  readonly statsIds?: readonly number[];
}

/** One evaluation: erase the cache to `keep` tokens, then evaluate tokens [keep, end) of `seq`. */
export interface PlanStep {
  readonly seq: number;
  readonly keep: number;
  readonly end: number;
  /** What to read from the rows this step evaluates, by absolute position. */
  readonly rows: ReadonlyMap<number, { readonly candidates: readonly number[]; readonly stats: boolean; readonly statsIds: readonly number[] }>;
}

export interface PrefixPlan {
  readonly steps: readonly PlanStep[];
  /** For each sequence and each wanted row r = scoreFrom−1..len−2, the step whose evaluation holds that row. */
  readonly sources: ReadonlyArray<readonly number[]>;
  readonly tokensEvaluated: number;
  /** The cache after the plan runs. */
  readonly held: readonly number[];
}

/**
 * Plan `seqs` given the tokens the cache already `held` (whose rows are no
 * longer readable, so a wanted row there is re-evaluated).
 */
export function planPrefixSharing(held: readonly number[], seqs: readonly PlanSequence[]): PrefixPlan {
  // Depth-first over the trie, taking the branch the cache holds first so its tokens are used before they are erased.
  // The last sequence's branch comes last, so the cache ends holding it for the next batch to continue from.
  const heldShare = seqs.map((s) => commonPrefixLength(held, s.tokens));
  const lastTokens = seqs.length > 0 ? seqs[seqs.length - 1].tokens : [];
  const lastShare = seqs.map((s) => commonPrefixLength(lastTokens, s.tokens));
  const order = seqs.map((_, i) => i).sort((a, b) => compareTokens(seqs[a].tokens, seqs[b].tokens, heldShare[a], heldShare[b], lastShare[a], lastShare[b]) || a - b);
  // Rows wanted inside the cached prefix cannot be read back: drop the cache from the first of them.
  let truncate = held.length;
  seqs.forEach((s, j) => {
    const first = Math.max(0, s.scoreFrom - 1);
    if (first < heldShare[j] && first <= s.tokens.length - 2) truncate = Math.min(truncate, first);
  });
  let current = held.slice(0, truncate);
  let owner: number[] = current.map(() => -1);
  const steps: Array<{ seq: number; keep: number; end: number }> = [];
  const sources: number[][] = seqs.map(() => []);
  for (const j of order) {
    const { tokens } = seqs[j];
    const first = Math.max(0, seqs[j].scoreFrom - 1);
    const last = tokens.length - 2;
    if (last < first) continue;
    let keep = Math.min(commonPrefixLength(current, tokens), last + 1);
    for (let r = first; r < keep; r++) {
      if (owner[r] === -1) { keep = r; break; }
    }
    if (keep < last + 1) {
      const step = steps.length;
      steps.push({ seq: j, keep, end: last + 1 });
      current = tokens.slice(0, last + 1);
      owner = [...owner.slice(0, keep), ...new Array<number>(last + 1 - keep).fill(step)];
    }
    for (let r = first; r <= last; r++) sources[j].push(owner[r]);
  }
  // statsIds is a Set while collecting: a regex token class can hold thousands of ids.
  const rows = steps.map(() => new Map<number, { candidates: number[]; stats: boolean; statsIds: Set<number> }>());
  seqs.forEach((s, j) => {
    const first = Math.max(0, s.scoreFrom - 1);
    sources[j].forEach((step, i) => {
      const r = first + i;
      const row = rows[step].get(r) ?? { candidates: [], stats: false, statsIds: new Set<number>() };
      const next = s.tokens[r + 1];
      if (r + 1 >= s.scoreFrom && !row.candidates.includes(next)) row.candidates.push(next);
      if (r === s.scoreFrom - 1 && s.stats) {
        row.stats = true;
        for (const id of s.statsIds ?? []) row.statsIds.add(id);
      }
      rows[step].set(r, row);
    });
  });
  return {
    steps: steps.map((s, i) => ({ ...s, rows: new Map([...rows[i]].map(([r, row]) => [r, { ...row, statsIds: [...row.statsIds] }])) })),
    sources,
    tokensEvaluated: steps.reduce((n, s) => n + s.end - s.keep, 0),
    held: current,
  };
}

/**
 * The fewest token evaluations any order could use: the number of distinct
 * prefixes whose distribution some sequence needs, tokens[0..r] for r up to the
 * last wanted row (the prefix trie's internal nodes).
 */
export function minimumEvaluations(seqs: readonly PlanSequence[]): number {
  const root = new Map<number, unknown>();
  let count = 0;
  for (const s of seqs) {
    const last = s.tokens.length - 2;
    if (last < Math.max(0, s.scoreFrom - 1)) continue;
    let node = root;
    for (let r = 0; r <= last; r++) {
      let child = node.get(s.tokens[r]) as Map<number, unknown> | undefined;
      if (child === undefined) {
        child = new Map();
        node.set(s.tokens[r], child);
        count++;
      }
      node = child;
    }
  }
  return count;
}

/**
 * Lexicographic, except that at the first difference the sequence on the
 * cache's branch comes first and the one on the last sequence's branch last.
 */
function compareTokens(a: readonly number[], b: readonly number[], aHeld: number, bHeld: number, aLast: number, bLast: number): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    if (a[i] === b[i]) continue;
    if ((aHeld > i) !== (bHeld > i)) return aHeld > i ? -1 : 1;
    if ((aLast > i) !== (bLast > i)) return aLast > i ? 1 : -1;
    return a[i] - b[i];
  }
  return a.length - b.length;
}
