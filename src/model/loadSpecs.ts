/**
 * Load specs from what the user chose: the settings' model and how it runs, and
 * the evaluation precision as the load spec spells it (its KV cache, which also
 * decides flash attention: loadedModel.ts ensureContext).
 */
import type { Precision } from '../core/precision';
import type { Settings } from '../core/settings';
import type { LoadSpec } from './runtimeProtocol';

/** The load-spec fields of `precision`: fast is an F16 cache (flash attention on); exact leaves the F32 default. */
export function precisionSpec(precision: Precision): Pick<LoadSpec, 'kvCache'> {
  return precision === 'fast' ? { kvCache: 'f16' } : {};
}

/** The precision a load spec evaluates with. */
export function precisionOf(spec: Pick<LoadSpec, 'kvCache'>): Precision {
  return spec.kvCache === 'f16' ? 'fast' : 'exact';
}

/** How the settings' model is loaded: `source` is the model to load (the settings' path, or the built-in model when it is empty). */
export function settingsLoadSpec(s: Settings, source: string, downloadDir: string): LoadSpec {
  return { source, downloadDir, threads: s.threads, gpu: s.gpu, maxContextSize: s.maxContextSize, scorer: 'auto', ...precisionSpec(s.precision) };
}
