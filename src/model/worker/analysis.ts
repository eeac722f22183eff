/**
 * The analysis: every token of a text with its offsets and statistics, reusing
 * the rows of the previous analysis for the unchanged prefix, in windows where
 * the text is longer than the context, stepping aside between chunks for newer
 * requests and resuming bit-identically.
 */
import type { LlamaContextSequence, Token } from 'node-llama-cpp' with { 'resolution-mode': 'import' };
import type { Alternative, Analysis, NextDistribution, TokenStat } from '../../core/analysis';
import { LOG2E } from '../../core/bits';
import { tokenSpans, type Span } from '../../core/tokenSpans';
import { planWindows } from '../../core/windowPlan';
import type { AnalyzeSpec, ProgressListener } from '../runtimeProtocol';
import { RuntimeError } from '../runtimeError';
import { throwIfCancelled } from './cancellation';
import { CHUNK, type LoadedModel } from './loadedModel';
import type { Row, RowScorer } from './rowScorer';

/**
 * Document tokens one analysis may have. The bound keeps the time (windows of the
 * context, minutes on a CPU) and the result (≈ tokens × (topK + 1) entries: 86 MB
 * of JSON at topK 50, a sixth of V8's largest string) within what a user waits
 * for and one message can carry.
 */
export const MAX_ANALYSIS_TOKENS = 32_768;

/**
 * Called between chunks of a long analysis: lets newer requests run and resolves
 * true if any did (then what the sequence holds must be restored).
 */
export type StepAside = () => Promise<boolean>;

/** Analyse `spec.text`: offsets, then statistics for every token, reusing the cached prefix. */
export async function analyze(loaded: LoadedModel, spec: AnalyzeSpec, signal: AbortSignal, progress: ProgressListener, stepAside: StepAside = async () => false): Promise<Analysis> {
  const { model, bos } = loaded;
  const docTokens = model.tokenize(spec.text, false);
  // Decided before offsets or evaluation, so an oversized input fails in about a second.
  checkTokenCount(docTokens.length, 'The text');
  const { spans, exact } = tokenSpans(docTokens, spec.text, (tokens, last) => model.detokenize(tokens as Token[], false, last as Token[]));
  if (!exact) loaded.log('warn', 'the tokenizer does not round-trip this text; token offsets are aligned approximately');
  return analyzeTokens(loaded, { text: spec.text, seq: [...bos, ...docTokens], spans, first: bos.length, special: false }, spec.topK, signal, progress, stepAside);
}

/** Refuse an analysis of more than MAX_ANALYSIS_TOKENS tokens; `what` names the input ("The text"). */
export function checkTokenCount(count: number, what: string): void {
  if (count > MAX_ANALYSIS_TOKENS) {
    throw new RuntimeError('input', `${what} has ${count.toLocaleString('en-US')} tokens, over the limit of ${MAX_ANALYSIS_TOKENS.toLocaleString('en-US')} per analysis. Analyse a smaller part or split the file.`);
  }
}

/** A token sequence to analyse, and where its tokens lie in the text they came from. */
export interface TokenizedText {
  readonly text: string;
  /** Every token the model receives, in order (BOS included where there is one). */
  readonly seq: readonly Token[];
  /** The first token of `seq` the analysis reports (after a prepended BOS the text does not show). */
  readonly first: number;
  /** The span in `text` of each reported token, `seq[first]` onwards. */
  readonly spans: readonly Span[];
  /** Whether a token with an empty span is shown as its special-token text (<s>) rather than its plain text. */
  readonly special: boolean;
}

/**
 * Statistics for every reported token of `input.seq`: the one path of the text
 * heatmap and the chat heatmap (prefix reuse, windows, cancellation, progress).
 */
export async function analyzeTokens(
  loaded: LoadedModel, input: TokenizedText, topK: number, signal: AbortSignal, progress: ProgressListener, stepAside: StepAside = async () => false,
): Promise<Analysis> {
  const { model } = loaded;
  const seq = [...input.seq];
  const offset = input.first;
  let rows: Row[];
  let tokensEvaluated: number;
  let window: { size: number; stride: number } | undefined;
  if (seq.length === 0) {
    rows = [];
    tokensEvaluated = 0;
  } else if (seq.length + 1 <= loaded.maxContext) {
    ({ rows, tokensEvaluated } = await scoreWhole(loaded, seq, topK, signal, progress, stepAside));
  } else {
    ({ rows, tokensEvaluated, window } = await scoreWindows(loaded, seq, topK, signal, progress, stepAside));
  }

  const alternatives = (row: Row): Alternative[] => row.top.map(({ id, p }) => ({ id, p, text: loaded.tokenText(id) }));
  const tokens: TokenStat[] = seq.slice(offset).map((id, j) => {
    const row = j + offset - 1 >= 0 ? rows[j + offset - 1] : undefined;
    const span = input.spans[j];
    const text = span.end > span.start ? input.text.slice(span.start, span.end) : model.detokenize([id], input.special, seq.slice(Math.max(0, j + offset - 4), j + offset));
    if (row === undefined || row.lnpNext === null) {
      return { index: j, id, text, start: span.start, end: span.end, surprisal: null, entropy: null, p: null, rank: null, top: [] };
    }
    return {
      index: j, id, text, start: span.start, end: span.end,
      surprisal: -row.lnpNext * LOG2E,
      entropy: row.entropyBits,
      p: Math.exp(row.lnpNext),
      rank: row.rank,
      top: alternatives(row),
    };
  });
  const lastRow = rows[seq.length - 1];
  const next: NextDistribution | null = lastRow === undefined ? null : { entropy: lastRow.entropyBits, top: alternatives(lastRow) };
  return {
    model: loaded.modelInfo(),
    text: input.text,
    tokens,
    next,
    route: { scorer: loaded.route, tokensEvaluated, ...(window ? { window } : {}) },
  };
}

/** Score a sequence that fits the context, re-evaluating only from the first changed token. */
async function scoreWhole(
  loaded: LoadedModel, seq: Token[], topK: number, signal: AbortSignal, progress: ProgressListener, stepAside: StepAside,
): Promise<{ rows: Row[]; tokensEvaluated: number }> {
  let { sequence, scorer } = await loaded.ensureContext(seq.length + 1);
  const cache = loaded.cache;
  const keep = Math.min(cache.reusableRows(seq, topK), sequence.nextTokenIndex);
  await sequence.eraseContextTokenRanges([{ start: keep, end: sequence.nextTokenIndex }]);
  const rows = cache.rows.slice(0, keep);
  cache.resetTo(seq.slice(0, keep), { rows, topK });
  const turns = new Turns(stepAside);
  let restored = 0;
  for (let start = keep; start < seq.length; start += CHUNK) {
    const left = cache.generation;
    if (await turns.between()) {
      const held = await restore(loaded, left, [], seq.slice(0, start), seq.length + 1, signal, progress);
      ({ sequence, scorer } = held);
      restored += held.evaluated;
      turns.resumed(held.evaluated);
      cache.resetTo(seq.slice(0, start), { rows, topK });
    }
    throwIfCancelled(signal);
    const end = Math.min(start + CHUNK, seq.length);
    const chunkRows = await scorer.score(sequence, seq.slice(start, end), end < seq.length ? seq[end] : null, topK);
    rows.push(...chunkRows);
    turns.evaluated(end - start);
    cache.appendRows(seq.slice(start, end), chunkRows, topK);
    progress(end - keep, seq.length - keep, 'analysing');
  }
  return { rows, tokensEvaluated: seq.length - keep + restored };
}

/** Score a sequence longer than the context in overlapping windows, each evaluated fresh. */
async function scoreWindows(
  loaded: LoadedModel, seq: Token[], topK: number, signal: AbortSignal, progress: ProgressListener, stepAside: StepAside,
): Promise<{ rows: Row[]; tokensEvaluated: number; window: { size: number; stride: number } }> {
  const { bos, maxContext, cache } = loaded;
  let { sequence, scorer } = await loaded.ensureContext(maxContext);
  const capacity = sequence.contextSize - 1 - bos.length;
  const windows = planWindows(seq.length, capacity);
  loaded.log('info', `document of ${seq.length} tokens exceeds the context (${sequence.contextSize}); analysing ${windows.length} windows of ${capacity}`);
  const rows: Row[] = new Array(seq.length);
  let evaluated = 0;
  const turns = new Turns(stepAside);
  for (const w of windows) {
    throwIfCancelled(signal);
    await sequence.eraseContextTokenRanges([{ start: 0, end: sequence.nextTokenIndex }]);
    const prefix = w.start > 0 ? bos : [];
    if (prefix.length > 0) await sequence.controlledEvaluate(prefix);
    // What the sequence holds, so a request run in between can tell, and so can the restore after it.
    cache.resetTo(prefix);
    const windowRows: Row[] = [];
    for (let start = w.start; start < w.end; start += CHUNK) {
      const left = cache.generation;
      if (await turns.between()) {
        const held = await restore(loaded, left, prefix, seq.slice(w.start, start), maxContext, signal, progress);
        ({ sequence, scorer } = held);
        evaluated += held.evaluated;
        turns.resumed(held.evaluated);
      }
      const end = Math.min(start + CHUNK, w.end);
      windowRows.push(...(await scorer.score(sequence, seq.slice(start, end), end < seq.length ? seq[end] : null, topK)));
      turns.evaluated(end - start);
      cache.appendTokens(seq.slice(start, end));
      throwIfCancelled(signal);
      progress(Math.max(w.reportFrom, end), seq.length, 'analysing (windowed)');
    }
    for (let r = w.reportFrom; r < w.end; r++) rows[r] = windowRows[r - w.start];
    evaluated += w.end - w.start + prefix.length;
    progress(w.end, seq.length, 'analysing (windowed)');
  }
  await sequence.eraseContextTokenRanges([{ start: 0, end: sequence.nextTokenIndex }]);
  cache.resetTo([]);
  return { rows, tokensEvaluated: evaluated, window: { size: capacity, stride: Math.floor(capacity / 2) } };
}

/**
 * Make the sequence hold `prefix` then `tokens` again if requests that ran in
 * between touched it (`left` is the cache generation this analysis left), in the
 * batches a fresh pass uses: the prefix alone, then chunks of `tokens`. Their KV
 * cells are not reused even where they hold the same tokens: the CPU kernels
 * round differently by batch shape (≈ 5e-6 bits measured), and the analysis must
 * equal a fresh pass. Returns the sequence and scorer (the context may have been
 * replaced) and the tokens evaluated. Reports progress per chunk, so a long
 * restore is not taken for a hang.
 */
async function restore(
  loaded: LoadedModel, left: number, prefix: Token[], tokens: Token[], needed: number, signal: AbortSignal, progress: ProgressListener,
): Promise<{ sequence: LlamaContextSequence; scorer: RowScorer; evaluated: number }> {
  if (!loaded.current) throw new RuntimeError('cancelled', 'The model was replaced.');
  // Cancelled while aside: leave what the requests in between cached for the next analysis to reuse.
  throwIfCancelled(signal);
  const { cache } = loaded;
  const { sequence, scorer } = await loaded.ensureContext(needed);
  if (cache.generation === left && sequence.nextTokenIndex === prefix.length + tokens.length) return { sequence, scorer, evaluated: 0 };
  await sequence.eraseContextTokenRanges([{ start: 0, end: sequence.nextTokenIndex }]);
  cache.resetTo([]);
  if (prefix.length > 0) await sequence.controlledEvaluate(prefix);
  cache.resetTo(prefix);
  for (let start = 0; start < tokens.length; start += CHUNK) {
    throwIfCancelled(signal);
    const end = Math.min(start + CHUNK, tokens.length);
    await scorer.score(sequence, tokens.slice(start, end), null, 0);
    cache.appendTokens(tokens.slice(start, end));
    progress(end, tokens.length, 'restoring after another request');
  }
  return { sequence, scorer, evaluated: prefix.length + tokens.length };
}

/**
 * When a long analysis steps aside for newer requests: only after as much headway
 * as its last resumption cost, so stepping aside at most doubles its own work.
 */
class Turns {
  private owed = 0;

  constructor(private readonly stepAside: StepAside) {}

  /** Between chunks: true if other requests ran. */
  async between(): Promise<boolean> {
    return this.owed <= 0 && this.stepAside();
  }

  evaluated(tokens: number): void {
    this.owed -= tokens;
  }

  /** Resuming re-evaluated `tokens`; as many new ones come before the next turn. */
  resumed(tokens: number): void {
    this.owed = tokens;
  }
}
