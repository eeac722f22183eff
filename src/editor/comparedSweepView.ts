/**
 * The panel's view of model B's sweep beside A's (a model comparison on a
 * few-shot prompt). Pure (no vscode): B's numbers are the sweep's, passed
 * through unchanged, as `icl-lens sweep --model B --json` prints them.
 */
import { sweepPairVerdict } from '../core/compare/modelsSweep';
import { LOW_COVERAGE } from '../core/fewShot/posteriorMath';
import type { SweepResult } from '../core/fewShot/sweep';
import type { ComparedSweepView } from '../shared/protocol';

export interface ComparedSweepInput {
  /** Model B's name (its sweep's, once one ran). */
  readonly model: string;
  readonly sweep?: SweepResult;
  readonly stale: boolean;
  readonly memory?: string;
  readonly problem?: string;
}

/** B's curves and the line comparing them with A's sweep `a`. */
export function comparedSweepView(a: SweepResult, b: ComparedSweepInput): ComparedSweepView {
  const ks = b.sweep?.ks ?? [];
  const verdict = b.sweep ? sweepPairVerdict(a, b.sweep) : undefined;
  return {
    modelA: a.model.name,
    model: b.sweep?.model.name ?? b.model,
    complete: b.sweep?.complete ?? false,
    stale: b.stale,
    ...(b.memory ? { memory: b.memory } : {}),
    ...(b.problem ? { problem: b.problem } : {}),
    ...(verdict ? { verdict } : {}),
    ks: ks.map((k) => ({ k: k.k, targetBits: k.targetBits, posterior: k.posterior, lowCoverage: k.coverage !== null && k.coverage < LOW_COVERAGE })),
  };
}
