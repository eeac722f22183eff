/**
 * "Compare two models" through the runtime: model A analyses the document and
 * writes its full log-probability rows to a temporary file; then model B
 * analyses it and, where the vocabularies agree, computes KL(A ‖ B) against
 * those rows (worker/logProbRows.ts). The caller decides how B is held: in the
 * CLI the same runtime switches to B (A's worker, and its memory, go first); in
 * the editor B gets its own runtime, beside the heatmap's A only when memory
 * clearly allows (`memoryPlan`).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { buildComparison, type ModelComparison } from '../core/compare/modelsComparison';
import { modelText } from '../core/modelText';
import { analyzeDocument } from './analyzeDocument';
import { readGgufFileHeader } from './ggufFile';
import type { ModelRuntime, RequestOptions } from './runtimeClient';
import type { LoadSpec } from './runtimeProtocol';
import { isRemoteSource } from './worker/modelCache';

export interface CompareModelsOptions extends RequestOptions {
  readonly topK: number;
  /** Where the temporary rows go (default: the OS temp directory). */
  readonly tempDir?: string;
}

/** How model B is obtained once model A is done: the runtime to use and what was done about memory. */
export type ModelBProvider = () => Promise<{ readonly runtime: ModelRuntime; readonly memory: string }>;

/** Compare `text` (a whole document; front matter is cut off) under A (`runtimeA`'s model) and B. */
export async function compareModels(text: string, runtimeA: ModelRuntime, sourceB: string, modelB: ModelBProvider, options: CompareModelsOptions): Promise<ModelComparison> {
  const a = await analyzeDocument(runtimeA, text, options.topK, options);
  const { body } = modelText(text);
  const dir = fs.mkdtempSync(path.join(options.tempDir ?? os.tmpdir(), 'icl-lens-compare-'));
  try {
    const file = path.join(dir, 'model-a.f32');
    const sizeB = vocabularySizeOf(sourceB);
    const rows = sizeB === undefined || sizeB === a.model.vocabSize ? await runtimeA.writeLogProbRows({ text: body, file }, options) : undefined;
    const { runtime, memory } = await modelB();
    const b = await analyzeDocument(runtime, text, options.topK, options);
    const divergence = rows === undefined
      ? { reason: `the vocabularies differ in size (${a.model.vocabSize} and ${sizeB} tokens)` }
      : await runtime.divergenceFromRows({ text: body, file, tokens: rows.tokens, vocabSize: rows.vocabSize, vocabularyKey: rows.vocabularyKey }, options);
    return buildComparison(a, b, 'reason' in divergence ? { reason: divergence.reason } : { positions: divergence.positions }, memory);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Whether model B may load while A stays loaded: only when B's file, with a
 * quarter more for its context and buffers plus 512 MB, fits in the memory the
 * OS reports free. Remote sources are not yet on disk and never count as affordable.
 */
export function memoryPlan(specB: LoadSpec, freeBytes = os.freemem()): { readonly together: boolean; readonly needBytes: number | undefined } {
  const source = specB.source.trim();
  if (source === '' || isRemoteSource(source)) return { together: false, needBytes: undefined };
  let size: number;
  try {
    size = fs.statSync(source).size;
  } catch {
    return { together: false, needBytes: undefined };
  }
  const needBytes = Math.round(size * 1.25) + (512 << 20);
  return { together: needBytes <= freeBytes, needBytes };
}

/** The vocabulary size in a local GGUF's header (undefined for a remote source or an unreadable header: then A's rows are written anyway). */
function vocabularySizeOf(source: string): number | undefined {
  const s = source.trim();
  if (s === '' || isRemoteSource(s)) return undefined;
  try {
    const tokens = readGgufFileHeader(s).metadata.get('tokenizer.ggml.tokens');
    return tokens?.type === 'string[]' ? tokens.value.length : undefined;
  } catch {
    return undefined;
  }
}
