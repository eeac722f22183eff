/** The CLI's renderings of a comparison of two revisions (pure): the per-token table, its JSON, and two sweeps side by side. */
import type { Analysis } from '../analysis';
import { summarize } from '../bits';
import { formatBits } from '../format';
import type { SweepResult } from '../fewShot/sweep';
import { visibleText } from '../visibleText';
import type { RevisionComparison } from './revisions';

const cell = (x: number | null | undefined, digits = 6) => (x === null || x === undefined ? '' : String(Number(x.toPrecision(digits))));
const signed = (x: number | null) => (x === null ? '—' : `${x >= 0 ? '+' : '−'}${Math.abs(x).toFixed(2)} bits`);

/**
 * One tab-separated row per current token: the heatmap's columns, then the
 * matched old token's index, surprisal and entropy, Δsurprisal and Δentropy
 * (current − old), and `new` in the last column for a token with no old token.
 */
export function renderRevisionTable(current: Analysis, old: Analysis, comparison: RevisionComparison): string {
  const rows = comparison.deltas.map((d) => {
    const t = current.tokens[d.index];
    const o = d.oldIndex === null ? undefined : old.tokens[d.oldIndex];
    return [
      t.index, t.start, t.end, t.id, visibleText(t.text).replace(/\t/g, ' '), cell(t.p), cell(t.surprisal), cell(t.entropy), t.rank ?? '',
      o?.index ?? '', cell(o?.surprisal), cell(o?.entropy), cell(d.deltaSurprisal), cell(d.deltaEntropy), d.oldIndex === null ? 'new' : '',
    ].join('\t');
  });
  return ['index\tstart\tend\tid\ttoken\tp\tsurprisal\tentropy\trank\told_index\told_surprisal\told_entropy\tdelta_surprisal\tdelta_entropy\tnew', ...rows].join('\n');
}

/** Summary lines: what was compared, the counts and the mean Δ over matched tokens. */
export function renderRevisionSummary(current: Analysis, old: Analysis, comparison: RevisionComparison, against: string): string {
  const now = summarize(current.tokens);
  const before = summarize(old.tokens);
  const ppl = (p: number | null) => (p === null ? '—' : p.toFixed(2));
  return [
    `against ${against}: ${comparison.matched} tokens matched, ${comparison.added} new, ${comparison.removed} of the old text's gone`,
    `mean Δsurprisal ${signed(comparison.meanDeltaSurprisal)}, mean Δentropy ${signed(comparison.meanDeltaEntropy)} (matched tokens, current − old)`,
    `perplexity ${ppl(before.perplexity)} → ${ppl(now.perplexity)}, mean surprisal ${formatBits(before.meanSurprisal)} → ${formatBits(now.meanSurprisal)}`,
  ].join('\n');
}

/** The `heatmap --against --json` object: the heatmap's JSON, each token with its old token and Δ, and the comparison's counts. */
export function revisionJson(heatmap: { readonly tokens: unknown; readonly summary: object }, current: Analysis, old: Analysis, comparison: RevisionComparison, against: string): object {
  const s = summarize(old.tokens);
  return {
    ...heatmap,
    against: { source: against, text: old.text, summary: { tokens: s.tokens, perplexity: s.perplexity, meanSurprisal: s.meanSurprisal, meanEntropy: s.meanEntropy } },
    tokens: comparison.deltas.map((d) => {
      const o = d.oldIndex === null ? null : old.tokens[d.oldIndex];
      return {
        ...current.tokens[d.index],
        old: o && { index: o.index, start: o.start, end: o.end, surprisal: o.surprisal, entropy: o.entropy, p: o.p, rank: o.rank },
        deltaSurprisal: d.deltaSurprisal,
        deltaEntropy: d.deltaEntropy,
        new: d.oldIndex === null,
      };
    }),
    summary: {
      ...heatmap.summary,
      matched: comparison.matched, added: comparison.added, removed: comparison.removed,
      meanDeltaSurprisal: comparison.meanDeltaSurprisal, meanDeltaEntropy: comparison.meanDeltaEntropy,
    },
  };
}

const f = (x: number | null | undefined, d = 3) => (x === null || x === undefined || !Number.isFinite(x) ? '—' : x.toFixed(d));
const df = (a: number | null | undefined, b: number | null | undefined) => {
  if (a === null || a === undefined || b === null || b === undefined) return '—';
  const s = (b - a).toFixed(3).replace(/^-(0\.0+)$/, '$1');
  return s.startsWith('-') ? s : `+${s}`;
};

/** Two sweeps side by side, per k: target bits before, after and Δ; each candidate's posterior before and after; entropy at the answer. */
export function renderSweepComparison(before: SweepResult, after: SweepResult, against: string): string {
  const names = [...new Set([...after.candidates.map((c) => c.name), ...before.candidates.map((c) => c.name)])];
  const head = ['k', 'bits before', 'bits after', 'Δ bits', ...names.flatMap((n) => [`P(${n}) before`, `P(${n}) after`]), 'H before', 'H after'];
  const count = Math.max(before.ks.length, after.ks.length);
  const rows = Array.from({ length: count }, (_, k) => {
    const b = before.ks[k];
    const a = after.ks[k];
    return [String(k), f(b?.targetBits), f(a?.targetBits), df(b?.targetBits, a?.targetBits), ...names.flatMap((n) => [f(b?.posterior[n]), f(a?.posterior[n])]), f(b?.answerEntropy), f(a?.answerEntropy)];
  });
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padStart(widths[i])).join('  ');
  const target = (r: SweepResult) => (r.target === null ? '—' : JSON.stringify(r.target));
  return [
    `sweep against ${against}: before ${before.examples.length} examples, target ${target(before)}; after ${after.examples.length} examples, target ${target(after)}; model ${after.model.name}`,
    '',
    line(head),
    ...rows.map(line),
    '',
    'Δ bits = after − before (negative: the target is more probable now); — where a side has no such k or no target.',
  ].join('\n');
}
