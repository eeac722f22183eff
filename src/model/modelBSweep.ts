/**
 * The few-shot sweep under a comparison's model B (the panel draws it beside
 * A's): the same core sweep as `icl-lens sweep --model B`, on the runtime that
 * `modelB` hands over, which also says what was done about memory (the editor
 * loads B beside A only when it clearly fits, compareModels.ts `memoryPlan`).
 * Leave-one-out is not run: the panel draws B's target probability and posterior.
 */
import type { ChatTemplateChoice } from '../core/chat/chatTypes';
import type { FewShotStructure } from '../core/fewShot/fewShotStructure';
import { runSweep, type SweepOptions, type SweepResult } from '../core/fewShot/sweep';
import type { ModelBProvider } from './compareModels';

export interface ModelBSweepOptions {
  readonly toleranceBits?: number;
  readonly signal?: AbortSignal;
  readonly onPartial?: SweepOptions['onPartial'];
  /** Called once B's runtime is chosen, with what was done about memory. */
  readonly onMemory?: (memory: string) => void;
  /** How a chat's conversations are rendered under B (default auto: B's own template). */
  readonly template?: ChatTemplateChoice;
}

/** Sweep `text` (its few-shot `structure`) under model B. */
export async function sweepWithModelB(text: string, structure: FewShotStructure, modelB: ModelBProvider, options: ModelBSweepOptions): Promise<{ readonly result: SweepResult; readonly memory: string }> {
  const { runtime, memory } = await modelB();
  options.onMemory?.(memory);
  const template = options.template ?? 'auto';
  const result = await runSweep(text, structure, (batch) => runtime.scoreContinuations(structure.chat ? { ...batch, template } : batch, { signal: options.signal }), {
    leaveOneOut: false,
    toleranceBits: options.toleranceBits,
    onPartial: options.onPartial,
  });
  return { result, memory };
}
