/**
 * The wind tunnel's measurement: the probability of each competing symbol at
 * each slot of a text, read at the token position where the symbol begins.
 */
import type { Token } from 'node-llama-cpp' with { 'resolution-mode': 'import' };
import { commonPrefixLength } from '../../core/sequenceDiff';
import type { ProgressListener, SymbolMassResult, SymbolMassSpec } from '../runtimeProtocol';
import { RuntimeError } from '../runtimeError';
import { throwIfCancelled } from './cancellation';
import { batchesOf } from './evaluationGeometry';
import type { LoadedModel } from './loadedModel';
import type { GatheredRow } from './rowScorer';

/**
 * The probability of each competing symbol at each slot of `spec.text`: the
 * symbol's first token, scored at the token position where the symbol begins.
 * A fresh evaluation (the KV cache is not reused across different sequences).
 */
export async function symbolMass(loaded: LoadedModel, spec: SymbolMassSpec, signal: AbortSignal, progress: ProgressListener): Promise<SymbolMassResult> {
  const { model, bos, maxContext, cache } = loaded;
  const docTokens = model.tokenize(spec.text, false);
  const seq: Token[] = [...bos, ...docTokens];
  if (seq.length + 1 > maxContext) throw new RuntimeError('input', `The sequence has ${seq.length} tokens, more than the context allows (${maxContext}).`);
  const perSlot: Array<{ row: number; ids: number[]; single: boolean[] }> = [];
  for (const slot of spec.slots) {
    const prefix = model.tokenize(spec.text.slice(0, slot.offset), false);
    const ids: number[] = [];
    const ones: boolean[] = [];
    let position: number | undefined;
    for (const symbol of slot.symbols) {
      const withSymbol = model.tokenize(spec.text.slice(0, slot.offset) + symbol, false);
      const k = commonPrefixLength(prefix, withSymbol);
      if (k >= withSymbol.length || commonPrefixLength(docTokens, withSymbol) < k) {
        throw new RuntimeError('input', `"${symbol}" at offset ${slot.offset} does not start a token in this model's tokenization of the text.`);
      }
      if (position !== undefined && position !== k) throw new RuntimeError('input', `The symbols at offset ${slot.offset} start at different token positions.`);
      position = k;
      ids.push(withSymbol[k]);
      ones.push(withSymbol.length === k + 1);
    }
    // Symbols that share a first token cannot be told apart at that token.
    ones.forEach((_, i) => { if (ids.indexOf(ids[i]) !== i || ids.lastIndexOf(ids[i]) !== i) ones[i] = false; });
    const row = position! + bos.length - 1;
    if (row < 0) throw new RuntimeError('input', `Nothing precedes the slot at offset ${slot.offset}, so the model gives no distribution there.`);
    perSlot.push({ row, ids, single: ones });
  }
  // Slots may share a row (two offsets inside one token): read the union there.
  const candidates = new Map<number, number[]>();
  for (const { row, ids } of perSlot) candidates.set(row, [...new Set([...(candidates.get(row) ?? []), ...ids])]);
  const { sequence, scorer } = await loaded.ensureContext(seq.length + 1);
  await sequence.eraseContextTokenRanges([{ start: 0, end: sequence.nextTokenIndex }]);
  cache.resetTo([]);
  const rows = new Map<number, GatheredRow>();
  for (const [start, end] of batchesOf(loaded.geometry, 0, seq.length)) {
    throwIfCancelled(signal);
    const wanted = new Map([...candidates].filter(([r]) => r >= start && r < end).map(([r, ids]) => [r - start, Int32Array.from(ids)]));
    for (const [i, row] of await scorer.gather(sequence, seq.slice(start, end), wanted)) rows.set(i + start, row);
    cache.appendTokens(seq.slice(start, end));
    progress(end, seq.length, 'scoring');
  }
  return {
    model: loaded.modelInfo(),
    slots: perSlot.map(({ row, ids, single }) => {
      const union = candidates.get(row)!;
      const { lnp } = rows.get(row)!;
      return { mass: ids.map((id) => Math.exp(lnp[union.indexOf(id)])), singleToken: single };
    }),
  };
}
