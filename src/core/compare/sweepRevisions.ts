/**
 * The few-shot sweep of a prompt's earlier version beside the current one
 * (Compare With Previous Version): which candidate stands for the target, and
 * the one-line verdict at the largest k both sweeps measured.
 */
import type { SweepResult } from '../fewShot/sweep';
import { num, type Verdict } from '../fewShot/verdicts';

/** The candidate whose posterior is the target's: named or written as the target, else the first (null without candidates). */
export function targetCandidate(r: Pick<SweepResult, 'target' | 'candidates'>): string | null {
  const target = r.target?.trim();
  const named = target === undefined ? undefined : r.candidates.find((c) => c.name === target || c.text.trim() === target);
  return named?.name ?? r.candidates[0]?.name ?? null;
}

const p = (bits: number | null | undefined) => (bits === null || bits === undefined ? null : 2 ** -bits);

/**
 * "At k = 9: P(target) 0.8 now, 0.62 before (HEAD:x)", and the target's
 * posterior where both have one; good when the target is more probable now by
 * more than the tolerance, bad when less, neutral otherwise.
 */
export function sweepRevisionVerdict(before: SweepResult, now: SweepResult | undefined, label: string): Verdict {
  const last = (r: SweepResult) => r.ks[r.ks.length - 1]?.k ?? 0;
  if (!now || now.ks.length === 0) {
    const k = before.ks[before.ks.length - 1];
    return { text: `Before (${label}), at k = ${last(before)}: P(target) ${k?.targetBits === null || !k ? '—' : num(p(k.targetBits)!)}; sweep the current text to compare.`, tone: 'neutral' };
  }
  const k = Math.min(last(before), last(now));
  const b = before.ks.find((x) => x.k === k);
  const n = now.ks.find((x) => x.k === k);
  const parts: string[] = [];
  if (before.target !== now.target) parts.push(`the target changed (${JSON.stringify(before.target)} before, ${JSON.stringify(now.target)} now)`);
  const pn = p(n?.targetBits);
  const pb = p(b?.targetBits);
  if (pn !== null && pb !== null) parts.push(`P(target) ${num(pn)} now, ${num(pb)} before`);
  const cn = targetCandidate(now);
  const cb = targetCandidate(before);
  if (cn !== null && cn === cb && n?.posterior[cn] !== undefined && b?.posterior[cn] !== undefined) parts.push(`posterior of ${cn} ${num(n.posterior[cn])} now, ${num(b.posterior[cn])} before`);
  let tone: Verdict['tone'] = 'neutral';
  if (n?.targetBits !== null && n?.targetBits !== undefined && b?.targetBits !== null && b?.targetBits !== undefined && before.target === now.target) {
    const delta = b.targetBits - n.targetBits;
    if (delta > now.toleranceBits) tone = 'good';
    else if (delta < -now.toleranceBits) tone = 'bad';
  }
  return { text: `At k = ${k}: ${parts.length > 0 ? parts.join('; ') : 'nothing to compare'} (${label}).`, tone };
}
