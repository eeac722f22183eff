/**
 * Model B's runtime for a comparison (Compare With Model's analysis, and B's
 * sweep in the panel): a worker of its own, which the caller disposes when done.
 * B loads beside A only when its file clearly fits in free memory
 * (compareModels.ts, `memoryPlan`); otherwise A's worker is stopped first and the
 * heatmap reloads A on the next analysis. The returned note says which.
 */
import type { Logger } from '../core/logger';
import { memoryPlan } from '../model/compareModels';
import { RuntimeClient, type ModelRuntime } from '../model/runtimeClient';
import type { LoadSpec } from '../model/runtimeProtocol';

export function openModelB(runtimeA: ModelRuntime, specB: LoadSpec, workerPath: string, log: Logger): { readonly runtime: RuntimeClient; readonly memory: string } {
  let memory: string;
  if (memoryPlan(specB).together) {
    memory = 'Loaded together: model B fitted in free memory beside model A.';
  } else {
    runtimeA.release();
    memory = 'Loaded one after the other: model A was unloaded before model B loaded (B does not clearly fit in free memory beside it); the heatmap reloads A on the next analysis.';
  }
  const runtime = new RuntimeClient({ workerPath, logger: log });
  runtime.setModel(specB);
  return { runtime, memory };
}
