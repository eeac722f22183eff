/**
 * The panel's view of an earlier version's sweep (Compare With Previous
 * Version). Pure (no vscode): the numbers are the CLI's `sweep --against`
 * `before`, passed through unchanged.
 */
import { sweepRevisionVerdict, targetCandidate } from '../core/compare/sweepRevisions';
import type { SweepResult } from '../core/fewShot/sweep';
import type { BeforeSweepView } from '../shared/protocol';

/** What the few-shot view needs of an earlier version's sweep. */
export interface BeforeSweep {
  readonly label: string;
  readonly sweep: SweepResult;
}

/** `before` for the panel, with its verdict against `now` (the current text's sweep). */
export function beforeSweepView(before: BeforeSweep, now: SweepResult | undefined): BeforeSweepView {
  const r = before.sweep;
  return {
    label: before.label,
    complete: r.complete,
    target: r.target,
    candidate: targetCandidate(r),
    ks: r.ks.map((k) => ({ k: k.k, targetBits: k.targetBits, posterior: k.posterior })),
    verdict: sweepRevisionVerdict(r, now, before.label),
  };
}
