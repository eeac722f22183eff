/**
 * Full-vocabulary comparison of two models that load one after the other:
 * model A writes its log-probability rows (float32, every vocabulary entry, one
 * row per position of the text) to a file; model B, evaluating the same tokens,
 * reads them back a chunk at a time and computes KL(A ‖ B) per position. Peak
 * memory is one chunk of rows (ROW_CHUNK_BYTES), whatever the text's length.
 *
 * The rows come from node-llama-cpp's public per-token logits (a Map per
 * position), turned into a float64 log-softmax here: exact, and no native code.
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import type { LlamaModel, Token } from 'node-llama-cpp' with { 'resolution-mode': 'import' };
import { LOG2E } from '../../core/bits';
import type { PositionDivergence } from '../../core/compare/modelsSummary';
import type { DivergenceResult, DivergenceSpec, LogProbRowsResult, LogProbRowsSpec, ProgressListener } from '../runtimeProtocol';
import { RuntimeError } from '../runtimeError';
import { throwIfCancelled } from './cancellation';
import type { LoadedModel } from './loadedModel';

/** Bytes of rows held at once (float32 rows of A, and the logit Maps node-llama-cpp builds for a batch). */
const ROW_CHUNK_BYTES = 32 << 20;

/** Model A's part: evaluate the text fresh and write ln p of every vocabulary entry at every position predicting a document token. */
export async function writeLogProbRows(loaded: LoadedModel, spec: LogProbRowsSpec, signal: AbortSignal, progress: ProgressListener): Promise<LogProbRowsResult> {
  const seq = sequenceOf(loaded, spec.text);
  const vocabSize = loaded.modelInfo().vocabSize;
  const fd = fs.openSync(spec.file, 'w');
  let rows = 0;
  try {
    await evaluateRows(loaded, seq, vocabSize, signal, (from, lnp) => {
      const f32 = Float32Array.from(lnp);
      const chunk = Buffer.from(f32.buffer, f32.byteOffset, f32.byteLength);
      fs.writeSync(fd, chunk, 0, chunk.length, from * vocabSize * 4);
      rows += lnp.length / vocabSize;
    }, (done) => progress(done, seq.length, 'writing model A\'s distributions'));
  } finally {
    fs.closeSync(fd);
  }
  return { model: loaded.modelInfo(), tokens: [...seq], bos: loaded.bos.length, vocabSize, vocabularyKey: vocabularyKey(loaded.model, vocabSize), rows };
}

/**
 * Model B's part: if B shares A's vocabulary and tokenizes the text into the
 * same tokens, KL(A ‖ B), p_A and p_B of the document's token and both top
 * tokens at every position, reading A's rows from `spec.file`.
 */
export async function divergenceFromRows(loaded: LoadedModel, spec: DivergenceSpec, signal: AbortSignal, progress: ProgressListener): Promise<DivergenceResult> {
  const vocabSize = loaded.modelInfo().vocabSize;
  if (vocabSize !== spec.vocabSize) return { shared: false, reason: `the vocabularies differ in size (${spec.vocabSize} and ${vocabSize} tokens)` };
  if (vocabularyKey(loaded.model, vocabSize) !== spec.vocabularyKey) return { shared: false, reason: 'the vocabularies have the same size but different token texts' };
  const seq = sequenceOf(loaded, spec.text);
  if (seq.length !== spec.tokens.length || seq.some((t, i) => t !== spec.tokens[i])) {
    return { shared: false, reason: 'the vocabularies are the same but the models tokenize this text differently (BOS or merges)' };
  }
  const bos = loaded.bos.length;
  const positions: PositionDivergence[] = [];
  const fd = fs.openSync(spec.file, 'r');
  try {
    await evaluateRows(loaded, seq, vocabSize, signal, (from, lnB) => {
      const count = lnB.length / vocabSize;
      const lnA = new Float32Array(lnB.length);
      const bytes = Buffer.from(lnA.buffer);
      const got = fs.readSync(fd, bytes, 0, bytes.length, from * vocabSize * 4);
      if (got !== bytes.length) throw new RuntimeError('internal', `model A's rows end early (${got} of ${bytes.length} bytes at row ${from})`);
      for (let r = 0; r < count; r++) {
        const i = from + r;
        const next = seq[i + 1];
        const base = r * vocabSize;
        let kl = 0;
        let topA = 0;
        let topB = 0;
        for (let v = 0; v < vocabSize; v++) {
          const a = lnA[base + v];
          const b = lnB[base + v];
          if (a > lnA[base + topA]) topA = v;
          if (b > lnB[base + topB]) topB = v;
          if (a > -Infinity) kl += Math.exp(a) * (a - b);
        }
        positions.push({ index: i + 1 - bos, klBits: kl * LOG2E, pA: Math.exp(lnA[base + next]), pB: Math.exp(lnB[base + next]), topA, topB });
      }
    }, (done) => progress(done, seq.length, 'comparing with model A'));
  } finally {
    fs.closeSync(fd);
  }
  return { shared: true, positions };
}

/** BOS (when the model wants one) and the text's tokens; the comparison needs the whole text in one context. */
function sequenceOf(loaded: LoadedModel, text: string): Token[] {
  const seq = [...loaded.bos, ...loaded.model.tokenize(text, false)];
  if (seq.length + 1 > loaded.maxContext) {
    throw new RuntimeError('input', `The text has ${seq.length} tokens, more than ${loaded.modelInfo().name}'s context allows (${loaded.maxContext}); a model comparison needs the whole text in one context.`);
  }
  return seq;
}

/**
 * Evaluate `seq` fresh and hand over ln p rows (every vocabulary entry) of the
 * positions 0..n−2, which predict tokens 1..n−1, in chunks: `onRows(first, rows)`
 * with `rows` holding consecutive float64 rows of `vocabSize` entries each
 * (`writeLogProbRows` stores them as float32).
 */
async function evaluateRows(
  loaded: LoadedModel, seq: Token[], vocabSize: number, signal: AbortSignal,
  onRows: (first: number, rows: Float64Array) => void, progress: (done: number) => void,
): Promise<void> {
  if (vocabSize <= 0) throw new RuntimeError('model', `${loaded.modelInfo().name} does not say its vocabulary size.`);
  const { cache } = loaded;
  const { sequence } = await loaded.ensureContext(seq.length + 1);
  await sequence.eraseContextTokenRanges([{ start: 0, end: sequence.nextTokenIndex }]);
  cache.resetTo([]);
  const perChunk = Math.max(1, Math.min(loaded.geometry.batch, Math.floor(ROW_CHUNK_BYTES / (vocabSize * 8))));
  const wantRows = seq.length - 1;
  for (let start = 0; start < seq.length; start += perChunk) {
    throwIfCancelled(signal);
    const end = Math.min(start + perChunk, seq.length);
    const rowsHere = Math.max(0, Math.min(end, wantRows) - start);
    const rows = new Float64Array(rowsHere * vocabSize);
    const items = seq.slice(start, end).map((t, k) => (start + k < wantRows ? [t, { generateNext: { logits: true } }] as [Token, { generateNext: { logits: true } }] : t));
    await sequence.controlledEvaluate(items, {
      onTokenResult(k, result) {
        if (start + k >= wantRows) return;
        const logits = result.next.logits;
        if (logits === undefined) throw new RuntimeError('internal', 'node-llama-cpp returned no logits');
        logSoftmaxInto(logits, rows.subarray(k * vocabSize, (k + 1) * vocabSize));
      },
    });
    cache.appendTokens(seq.slice(start, end));
    if (rowsHere > 0) onRows(start, rows);
    progress(end);
  }
}

/** out[v] = ln softmax(logits)[v], in float64. */
function logSoftmaxInto(logits: ReadonlyMap<number, number>, out: Float64Array): void {
  out.fill(-Infinity);
  let max = -Infinity;
  for (const [id, l] of logits) {
    if (id < out.length) out[id] = l;
    if (l > max) max = l;
  }
  let z = 0;
  for (let v = 0; v < out.length; v++) z += Math.exp(out[v] - max);
  const lnZ = Math.log(z) + max;
  for (let v = 0; v < out.length; v++) out[v] -= lnZ;
}

/** What "the same vocabulary" means: the same token text for every id (GGUF `tokenizer.ggml.tokens`, else each id's detokenization). */
function vocabularyKey(model: LlamaModel, vocabSize: number): string {
  const hash = createHash('sha256');
  const tokens = (model.fileInfo.metadata as unknown as { tokenizer?: { ggml?: { tokens?: unknown[] } } }).tokenizer?.ggml?.tokens;
  hash.update(`${vocabSize}\0`);
  for (let id = 0; id < vocabSize; id++) {
    const piece = Array.isArray(tokens) && typeof tokens[id] === 'string' ? tokens[id] as string : model.detokenize([id as Token], true);
    hash.update(piece);
    hash.update('\0');
  }
  return hash.digest('hex');
}
