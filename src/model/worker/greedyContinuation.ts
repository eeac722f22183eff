/**
 * A short greedy continuation from a text: the forced tokens of a branch, then
 * the most probable token at each step, each with its probability and the top
 * alternatives there, read by the row scorer from the full distribution. The
 * text's prefix already in the sequence is reused.
 */
import type { Token } from 'node-llama-cpp' with { 'resolution-mode': 'import' };
import type { Continuation, ContinuationSpec, ContinuationStep, ContinuationStop } from '../../core/continuation';
import { commonPrefixLength } from '../../core/sequenceDiff';
import { tokenSpans } from '../../core/tokenSpans';
import type { ProgressListener } from '../runtimeProtocol';
import { RuntimeError } from '../runtimeError';
import { throwIfCancelled } from './cancellation';
import { batchesOf } from './evaluationGeometry';
import type { LoadedModel } from './loadedModel';

/** Most tokens one continuation generates greedily. */
export const MAX_CONTINUATION_TOKENS = 256;
/** Preceding tokens passed when detokenizing the continuation, so SentencePiece keeps its leading space. */
const DETOKENIZE_ANCHOR = 8;

/** The forced tokens of `spec`, then greedy ones, after the model has read `spec.text`. */
export async function greedyContinuation(loaded: LoadedModel, spec: ContinuationSpec, signal: AbortSignal, progress: ProgressListener): Promise<Continuation> {
  const { model, bos, maxContext, cache } = loaded;
  const maxTokens = Math.max(0, Math.min(MAX_CONTINUATION_TOKENS, Math.floor(spec.maxTokens)));
  const forced = spec.forced.map((id) => {
    const vocabSize = loaded.modelInfo().vocabSize;
    if (!Number.isInteger(id) || id < 0 || (vocabSize > 0 && id >= vocabSize)) throw new RuntimeError('input', `Token ${id} is not in this model's vocabulary.`);
    return id as Token;
  });
  const total = forced.length + maxTokens;
  if (total === 0) throw new RuntimeError('input', 'A continuation needs at least one token.');
  const docTokens = model.tokenize(spec.text, false);
  // The context holds the text, the continuation but its last token, and one spare cell; the text's start goes first.
  const room = maxContext - 1 - total;
  if (room < bos.length + 1) throw new RuntimeError('input', `A continuation of ${total} tokens does not fit the context (${maxContext}). Ask for fewer tokens or allow a larger context.`);
  const dropped = Math.max(0, bos.length + docTokens.length - room);
  const seq: Token[] = [...bos, ...docTokens.slice(dropped)];
  if (seq.length === 0) throw new RuntimeError('input', 'Nothing precedes the position, so the model gives no distribution there.');
  if (dropped > 0) loaded.log('info', `continuation: the first ${dropped} tokens of the text do not fit the context with the continuation and were left out`);

  const { sequence, scorer } = await loaded.ensureContext(seq.length + total + 1);
  // Reuse what the sequence holds of the text, but re-evaluate its last token: its logits are not kept.
  const held = cache.tokens.length === sequence.nextTokenIndex ? cache.tokens : [];
  const keep = Math.min(commonPrefixLength(held, seq), seq.length - 1);
  await sequence.eraseContextTokenRanges([{ start: keep, end: sequence.nextTokenIndex }]);
  cache.resetTo(seq.slice(0, keep));
  const work = seq.length - 1 - keep + total;
  for (const [start, end] of batchesOf(loaded.geometry, keep, seq.length - 1)) {
    throwIfCancelled(signal);
    await scorer.gather(sequence, seq.slice(start, end), new Map());
    cache.appendTokens(seq.slice(start, end));
    progress(end - keep, work, 'reading the text');
  }

  const topK = Math.max(1, spec.topK);
  const chosen: Token[] = [];
  const raw: Array<Omit<ContinuationStep, 'text' | 'label'>> = [];
  let last = seq[seq.length - 1];
  let stop: ContinuationStop = 'length';
  for (let s = 0; s < total; s++) {
    throwIfCancelled(signal);
    const given = s < forced.length ? forced[s] : null;
    const [row] = await scorer.score(sequence, [last], given, topK);
    cache.appendTokens([last]);
    const id = given ?? (row.top[0].id as Token);
    const p = given !== null ? Math.exp(row.lnpNext!) : row.top[0].p;
    const rank = given !== null ? row.rank! : 1;
    const end = model.isEogToken(id);
    chosen.push(id);
    // Read in full (the default reading): the entropy is there.
    raw.push({ id, p, rank, entropy: row.entropyBits!, forced: given !== null, end, top: row.top.map(({ id: alt, p: pAlt }) => ({ id: alt, p: pAlt, text: loaded.tokenText(alt) })) });
    progress(seq.length - 1 - keep + s + 1, work, 'generating');
    if (end) {
      stop = 'end';
      break;
    }
    last = id;
  }

  const anchor = seq.slice(-DETOKENIZE_ANCHOR);
  const detokenize = (tokens: readonly number[], lastTokens: readonly number[]) => model.detokenize(tokens as Token[], false, [...anchor, ...lastTokens].slice(-DETOKENIZE_ANCHOR) as Token[]);
  const text = detokenize(chosen, []);
  const { spans } = tokenSpans(chosen, text, detokenize);
  const steps: ContinuationStep[] = raw.map((step, i) => {
    const piece = text.slice(spans[i].start, spans[i].end);
    return { ...step, text: piece, label: step.end || piece.length === 0 ? loaded.tokenText(step.id) : piece };
  });
  return { model: loaded.modelInfo(), contextTokens: seq.length, droppedTokens: dropped, steps, text, stop };
}
