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
import { precisionOf } from '../loadSpecs';
import type { AnalysisDelta, AnalyzeSpec, ProgressListener } from '../runtimeProtocol';
import { RuntimeError } from '../runtimeError';
import type { RememberedAnalysis } from './analysisMemory';
import { throwIfCancelled } from './cancellation';
import { CHUNK, type LoadedModel } from './loadedModel';
import type { Row, RowScorer } from './rowScorer';
import type { WindowRows } from './sequenceCache';

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
  const delta = await analyzeDelta(loaded, spec, undefined, signal, progress, stepAside);
  return { model: delta.model, text: spec.text, tokens: delta.tokens, next: delta.next, route: delta.route };
}

/**
 * Analyse `spec.text` as a delta against the remembered result `baseId` (when
 * it is still remembered): spans resume at the last window start before the
 * change, statistics whose row was reused are the base's own objects, and only
 * the tokens from the first one that differs from the base's travel. The result
 * is remembered for the next edit.
 */
export async function analyzeDelta(
  loaded: LoadedModel, spec: AnalyzeSpec, baseId: number | undefined, signal: AbortSignal, progress: ProgressListener, stepAside: StepAside = async () => false, sink?: TokenSink,
): Promise<AnalysisDelta> {
  const { model, bos } = loaded;
  const base = baseId === undefined ? undefined : loaded.results.get(baseId);
  const docTokens = model.tokenize(spec.text, false);
  // Decided before offsets or evaluation, so an oversized input fails in about a second.
  checkTokenCount(docTokens.length, 'The text');
  const previous = base === undefined ? undefined : { tokens: base.docTokens, text: base.text, result: base.spans };
  const spanResult = tokenSpans(docTokens, spec.text, (tokens, last) => model.detokenize(tokens as Token[], false, last as Token[]), undefined, previous);
  if (!spanResult.exact) loaded.log('warn', 'the tokenizer does not round-trip this text; token offsets are aligned approximately');
  const input = { text: spec.text, seq: [...bos, ...docTokens], spans: spanResult.spans, first: bos.length, special: false };
  const scored = await scoreTokens(loaded, input, spec.topK, signal, progress, stepAside, base?.topK === spec.topK ? base : undefined, sink);
  const sent = scored.streamedFrom ?? scored.tokens.length;
  const keep = base === undefined ? 0 : sharePrefix(base.tokens, scored.tokens, sent);
  const remembered = loaded.results.remember({ text: spec.text, topK: spec.topK, docTokens, spans: spanResult, tokens: scored.tokens, rows: scored.rows });
  return {
    id: remembered.id, ...(base === undefined ? {} : { base: base.id }), keep,
    tokens: keep === 0 && sent === scored.tokens.length ? scored.tokens : scored.tokens.slice(keep, sent),
    ...(scored.streamedFrom === undefined ? {} : { streamedFrom: scored.streamedFrom }),
    next: scored.analysis.next, model: scored.analysis.model, route: scored.analysis.route,
  };
}

/**
 * How many leading tokens of `next` (at most `limit`) equal the `base`'s; those found equal by
 * value become the base's objects, so the next edit finds them by identity.
 */
function sharePrefix(base: readonly TokenStat[], next: TokenStat[], limit: number): number {
  const n = Math.min(base.length, next.length, limit);
  let i = 0;
  for (; i < n; i++) {
    if (base[i] === next[i]) continue;
    if (!sameStat(base[i], next[i])) break;
    next[i] = base[i];
  }
  return i;
}

function sameStat(a: TokenStat, b: TokenStat): boolean {
  if (a.index !== b.index || a.id !== b.id || a.start !== b.start || a.end !== b.end || a.text !== b.text) return false;
  if (a.surprisal !== b.surprisal || a.entropy !== b.entropy || a.p !== b.p || a.rank !== b.rank || a.template !== b.template) return false;
  if (a.top.length !== b.top.length) return false;
  return a.top.every((x, k) => x.id === b.top[k].id && x.p === b.top[k].p && x.text === b.top[k].text);
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
  return (await scoreTokens(loaded, input, topK, signal, progress, stepAside)).analysis;
}

/** A previous result of the same top-k whose statistics may be reused where their row was. */
type ReusableStats = Pick<RememberedAnalysis, 'tokens' | 'rows'>;

/**
 * Where an analysis streams the statistics of tokens as their rows are scored
 * (in order, contiguous, each final), from the first token whose row was newly
 * evaluated: what paints a long document progressively and keeps each message small.
 */
export type TokenSink = (from: number, tokens: readonly TokenStat[]) => void;

/** Tokens per streamed message: small enough to parse in a few milliseconds on the host. */
export const STREAM_TOKENS = 256;

/**
 * analyzeTokens, also giving the row each token's statistics came from and
 * where streaming started; statistics of `base` are reused where their row was.
 */
async function scoreTokens(
  loaded: LoadedModel, input: TokenizedText, topK: number, signal: AbortSignal, progress: ProgressListener, stepAside: StepAside, base?: ReusableStats, sink?: TokenSink,
): Promise<{ analysis: Analysis; tokens: TokenStat[]; rows: (Row | undefined)[]; streamedFrom?: number }> {
  const { model } = loaded;
  const seq = [...input.seq];
  const offset = input.first;
  const count = seq.length - offset;
  // Rows reused from an analysis that asked for more alternatives carry more than topK.
  const alternatives = (row: Row): Alternative[] => row.top.slice(0, topK).map(({ id, p }) => ({ id, p, text: loaded.tokenText(id) }));
  const tokenRows: (Row | undefined)[] = new Array(count);
  const tokens: TokenStat[] = new Array(count);
  const build = (j: number, row: Row | undefined): TokenStat => {
    const id = seq[j + offset];
    const span = input.spans[j];
    const text = span.end > span.start ? input.text.slice(span.start, span.end) : model.detokenize([id], input.special, seq.slice(Math.max(0, j + offset - 4), j + offset));
    const old = base?.tokens[j];
    // The same row (reused from the KV prefix), token and place: the statistics are the base's.
    if (old !== undefined && row !== undefined && base!.rows[j] === row && old.id === id && old.start === span.start && old.end === span.end && old.text === text) return old;
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
  };
  // Tokens are built as the rows they need are final: rows[0, upTo) are, `fresh` the first newly evaluated.
  let built = 0;
  let streamedFrom: number | undefined;
  const rowsFinal = (rows: readonly (Row | undefined)[], upTo: number, fresh: number) => {
    const from = built;
    for (; built < count && built + offset - 1 < upTo; built++) {
      const row = built + offset - 1 >= 0 ? rows[built + offset - 1] : undefined;
      tokenRows[built] = row;
      tokens[built] = build(built, row);
    }
    if (sink === undefined) return;
    streamedFrom ??= Math.min(count, Math.max(0, fresh - offset + 1));
    for (let a = Math.max(from, streamedFrom); a < built; a += STREAM_TOKENS) sink(a, tokens.slice(a, Math.min(built, a + STREAM_TOKENS)));
  };

  let rows: Row[];
  let tokensEvaluated: number;
  let window: { size: number; stride: number } | undefined;
  if (seq.length === 0) {
    rows = [];
    tokensEvaluated = 0;
  } else if (seq.length + 1 <= loaded.maxContext) {
    ({ rows, tokensEvaluated } = await scoreWhole(loaded, seq, topK, signal, progress, stepAside, rowsFinal));
  } else {
    ({ rows, tokensEvaluated, window } = await scoreWindows(loaded, seq, topK, signal, progress, stepAside, rowsFinal));
  }
  rowsFinal(rows, seq.length, 0);
  const lastRow = rows[seq.length - 1];
  const next: NextDistribution | null = lastRow === undefined ? null : { entropy: lastRow.entropyBits, top: alternatives(lastRow) };
  const analysis: Analysis = {
    model: loaded.modelInfo(),
    text: input.text,
    tokens,
    next,
    route: { scorer: loaded.route, precision: precisionOf(loaded.spec), tokensEvaluated, ...(window ? { window } : {}) },
  };
  return { analysis, tokens, rows: tokenRows, streamedFrom };
}

/** Called as rows become final: rows[0, upTo) are, and rows from `fresh` on were evaluated by this analysis. */
type RowsFinal = (rows: readonly (Row | undefined)[], upTo: number, fresh: number) => void;

/** Score a sequence that fits the context, re-evaluating only from the first changed token. */
async function scoreWhole(
  loaded: LoadedModel, seq: Token[], topK: number, signal: AbortSignal, progress: ProgressListener, stepAside: StepAside, rowsFinal: RowsFinal,
): Promise<{ rows: Row[]; tokensEvaluated: number }> {
  let { sequence, scorer } = await loaded.ensureContext(seq.length + 1);
  const cache = loaded.cache;
  // Restart at the batch boundary at or before the first row to recompute: the batches from
  // there are those of a fresh pass, so the numbers are too (flash attention included).
  const keep = alignDown(Math.min(cache.reusableRows(seq, topK, 0), sequence.nextTokenIndex), 0);
  await sequence.eraseContextTokenRanges([{ start: keep, end: sequence.nextTokenIndex }]);
  const rows = cache.rows.slice(0, keep);
  cache.resetTo(seq.slice(0, keep), { rows, topK });
  rowsFinal(rows, keep, keep);
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
    // The last row waits for the end: the row after it (none) is not scored yet.
    rowsFinal(rows, Math.min(end, seq.length - 1), keep);
    progress(end - keep, seq.length - keep, 'analysing');
  }
  return { rows, tokensEvaluated: seq.length - keep + restored };
}

/**
 * Score a sequence longer than the context in overlapping windows, each evaluated
 * as if fresh: its BOS alone, then batches aligned to CHUNK from the window's
 * start. A window whose tokens (and the token after it) are those of the last
 * analysis's window takes its rows; the window the sequence holds is re-evaluated
 * only from the aligned batch at or before its first change.
 */
async function scoreWindows(
  loaded: LoadedModel, seq: Token[], topK: number, signal: AbortSignal, progress: ProgressListener, stepAside: StepAside, rowsFinal: RowsFinal,
): Promise<{ rows: Row[]; tokensEvaluated: number; window: { size: number; stride: number } }> {
  const { bos, maxContext, cache } = loaded;
  let { sequence, scorer } = await loaded.ensureContext(maxContext);
  const capacity = sequence.contextSize - 1 - bos.length;
  const windows = planWindows(seq.length, capacity);
  loaded.log('info', `document of ${seq.length} tokens exceeds the context (${sequence.contextSize}); analysing ${windows.length} windows of ${capacity}`);
  const rows: Row[] = new Array(seq.length);
  const done: WindowRows[] = [];
  let evaluated = 0;
  const turns = new Turns(stepAside);
  for (const w of windows) {
    throwIfCancelled(signal);
    const prefix = w.start > 0 ? bos : [];
    const origin = prefix.length;
    const held = [...prefix, ...seq.slice(w.start, w.end)];
    const following = w.end < seq.length ? seq[w.end] : null;
    let windowRows = loaded.windowRows.find(held, following, topK)?.slice();
    if (windowRows === undefined) {
      const keep = alignDown(Math.min(cache.reusableRows(held, topK, origin), sequence.nextTokenIndex), origin);
      await sequence.eraseContextTokenRanges([{ start: keep, end: sequence.nextTokenIndex }]);
      windowRows = cache.rows.slice(0, keep);
      cache.resetTo(held.slice(0, keep), { rows: windowRows, topK, origin });
      if (keep < origin) {
        // The window's BOS, alone: its row is the distribution after BOS, evaluated as every window evaluates it.
        const prefixRows = await scorer.score(sequence, prefix, held[origin], topK);
        windowRows.push(...prefixRows);
        cache.appendRows(prefix, prefixRows, topK);
        evaluated += origin;
      }
      for (let start = Math.max(keep, origin); start < held.length; start += CHUNK) {
        const left = cache.generation;
        if (await turns.between()) {
          const restored = await restore(loaded, left, prefix, held.slice(origin, start), maxContext, signal, progress);
          ({ sequence, scorer } = restored);
          evaluated += restored.evaluated;
          turns.resumed(restored.evaluated);
          cache.resetTo(held.slice(0, start), { rows: windowRows, topK, origin });
        }
        throwIfCancelled(signal);
        const end = Math.min(start + CHUNK, held.length);
        const chunkRows = await scorer.score(sequence, held.slice(start, end), end < held.length ? held[end] : following, topK);
        windowRows.push(...chunkRows);
        cache.appendRows(held.slice(start, end), chunkRows, topK);
        turns.evaluated(end - start);
        evaluated += end - start;
        progress(Math.max(w.reportFrom, w.start + end - origin), seq.length, 'analysing (windowed)');
      }
    }
    done.push({ held, following, rows: windowRows, topK });
    for (let r = w.reportFrom; r < w.end; r++) rows[r] = windowRows[r - w.start + origin];
    rowsFinal(rows, w.end, 0);
    progress(w.end, seq.length, 'analysing (windowed)');
  }
  // The last window stays in the sequence with its rows: an edit in it re-evaluates from the change.
  loaded.windowRows.replace(done);
  return { rows, tokensEvaluated: evaluated, window: { size: capacity, stride: Math.floor(capacity / 2) } };
}

/**
 * The batch boundary of the evaluation geometry starting at `origin` at or before
 * position `n` (0 when `n` is before `origin`: the prefix is one batch).
 */
function alignDown(n: number, origin: number): number {
  return n < origin ? 0 : origin + Math.floor((n - origin) / CHUNK) * CHUNK;
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
