/**
 * The evaluation geometry: how many tokens one decode call evaluates (the batch),
 * and the fewest it may evaluate (the minimum batch), by the context's setting.
 * llama.cpp's CPU kernels compute a row's logits (and the KV cells behind them)
 * bit-identically in any batch of at least the minimum batch, wherever the batch
 * starts; below it they take another path (a one-token batch, matrix-vector
 * products; with flash attention, batches under 64 tokens) and round differently.
 * So every batch holds at least the minimum (unless all that is evaluated is
 * fewer), and an edit restarts at its first changed row, or earlier by what the
 * last batch needs: a re-analysis then equals a fresh pass bit for bit.
 *
 * Measured (bench/geometryBench.ts, and test/unit/model/editGeometry.test.ts
 * checks the promise on two vocabularies):
 * - exact (flash attention off, F32 KV cache): every batch of two tokens or
 *   more gives the same logits; one-token batches differ by ≈ 4e-6. 128-token
 *   batches were the fastest (≈ 13 % faster than 64).
 * - fast (flash attention on, F16 KV cache): batches of 64 tokens or more give
 *   the same logits, shorter ones differ by up to ≈ 0.09. The batch is 256: 512
 *   was ≈ 8 % faster still, but a batch is also the granularity of cancellation
 *   and of stepping aside for newer requests, and 512 tokens of a large model
 *   take seconds on a CPU.
 */
import type { LoadSpec } from '../runtimeProtocol';

export interface EvaluationGeometry {
  /** Which setting this geometry serves. */
  readonly setting: 'exact' | 'fast';
  /** Tokens per decode call at most: the unit of cancellation, progress and stepping aside. */
  readonly batch: number;
  /** Tokens per decode call at least, unless fewer are evaluated in all; `batch` ≥ 2 × this. */
  readonly minBatch: number;
}

const EXACT: EvaluationGeometry = { setting: 'exact', batch: 128, minBatch: 2 };
const FAST: EvaluationGeometry = { setting: 'fast', batch: 256, minBatch: 64 };

/** The geometry for a context created with this KV-cache setting (see LoadedModel.ensureContext). */
export function evaluationGeometry(kvCache: LoadSpec['kvCache']): EvaluationGeometry {
  return kvCache === 'f16' ? FAST : EXACT;
}

/**
 * Where evaluating a sequence of `length` tokens restarts to recompute from
 * position `n`: `n`, or earlier so the last batch holds the minimum. Tokens
 * before `origin` are evaluated as one batch of their own (a window's BOS). A
 * restart less than the minimum after the origin is 0: rows there may have been
 * evaluated when the whole sequence was shorter than the minimum (another
 * path), and resuming after stepping aside re-evaluates [origin, restart),
 * which must hold the minimum too.
 */
export function restartAt(geometry: EvaluationGeometry, n: number, length: number, origin: number): number {
  const at = Math.min(n, length - geometry.minBatch);
  return at - origin < geometry.minBatch ? 0 : at;
}

/**
 * The batches [start, end) covering [from, to): of at most `geometry.batch`
 * tokens, and at least `geometry.minBatch` unless [from, to) is shorter (the
 * one before the last gives up tokens to the last where needed).
 */
export function batchesOf(geometry: EvaluationGeometry, from: number, to: number): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  for (let start = from; start < to; start += geometry.batch) out.push([start, Math.min(start + geometry.batch, to)]);
  const n = out.length;
  if (n >= 2 && out[n - 1][1] - out[n - 1][0] < geometry.minBatch) {
    const cut = to - geometry.minBatch;
    out[n - 2] = [out[n - 2][0], cut];
    out[n - 1] = [cut, to];
  }
  return out;
}
