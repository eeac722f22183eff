/**
 * The analysis: every token of a text with its offsets and statistics, reusing
 * the rows of the previous analysis for the unchanged prefix, in windows where
 * the text is longer than the context, stepping aside between batches for newer
 * requests and resuming bit-identically.
 */
import type { LlamaContextSequence, Token } from 'node-llama-cpp' with { 'resolution-mode': 'import' };
import type { Alternative, Analysis, NextDistribution, Reading, TokenStat } from '../../core/analysis';
import { LOG2E } from '../../core/bits';
import { tokenSpans, type Span } from '../../core/tokenSpans';
import { planWindows, windowOrder } from '../../core/windowPlan';
import { precisionOf } from '../loadSpecs';
import type { AnalysisDelta, AnalyzeSpec, ProgressListener } from '../runtimeProtocol';
import { RuntimeError } from '../runtimeError';
import type { RememberedAnalysis } from './analysisMemory';
import { throwIfCancelled } from './cancellation';
import { batchesOf, restartAt } from './evaluationGeometry';
import type { LoadedModel } from './loadedModel';
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
 * Called between batches of a long analysis: lets newer requests run and resolves
 * true if any did (then what the sequence holds must be restored).
 */
export type StepAside = () => Promise<boolean>;

/** Analyse `spec.text`: offsets, then statistics for every token, reusing the cached prefix. */
export async function analyze(loaded: LoadedModel, spec: AnalyzeSpec, signal: AbortSignal, progress: ProgressListener, stepAside: StepAside = async () => false): Promise<Analysis> {
  const delta = await analyzeDelta(loaded, spec, undefined, signal, progress, stepAside);
  return { model: delta.model, text: spec.text, tokens: delta.tokens, next: delta.next, route: delta.route };
}

/** The reading an analysis asking for `needs` gets: the native route computes everything at no extra cost. */
function readingOf(loaded: LoadedModel, needs: Reading | undefined): Reading {
  return loaded.route === 'native' ? 'all' : needs ?? 'all';
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
  const reading = readingOf(loaded, spec.needs);
  const reusable = base?.topK === spec.topK && base.reading === reading ? base : undefined;
  const scored = await scoreTokens(loaded, input, spec.topK, reading, signal, progress, stepAside, reusable, sink, spec.priority);
  const sent = scored.streamedFrom ?? scored.tokens.length;
  const keep = base === undefined ? 0 : sharePrefix(base.tokens, scored.tokens, sent);
  const remembered = loaded.results.remember({ text: spec.text, topK: spec.topK, reading, docTokens, spans: spanResult, tokens: scored.tokens, rows: scored.rows });
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
  return (await scoreTokens(loaded, input, topK, 'all', signal, progress, stepAside)).analysis;
}

/** A previous result of the same top-k and reading whose statistics may be reused where their row was. */
type ReusableStats = Pick<RememberedAnalysis, 'tokens' | 'rows'>;

/**
 * Where an analysis streams the statistics of tokens [from, from + tokens.length)
 * as their rows are scored (each final, each once), every token from `streamedFrom`
 * on: in order for a text that fits the context, the first token whose row was
 * newly evaluated on; window by window (visible windows first) from token 0 for a
 * longer one. What paints a long document progressively and keeps each message small.
 */
export type TokenSink = (from: number, tokens: readonly TokenStat[], streamedFrom: number) => void;

/** Tokens per streamed message: small enough to parse in a few milliseconds on the host. */
export const STREAM_TOKENS = 256;

/**
 * analyzeTokens, also giving the row each token's statistics came from and
 * where streaming started; statistics of `base` are reused where their row was.
 * In the `surprisal` reading only the exact surprisal and p, the most probable
 * token and rank 1 (where the token is that one) are reported, whatever rows hold.
 */
async function scoreTokens(
  loaded: LoadedModel, input: TokenizedText, topK: number, reading: Reading, signal: AbortSignal, progress: ProgressListener, stepAside: StepAside, base?: ReusableStats, sink?: TokenSink,
  priority?: readonly Span[],
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
    const full = reading === 'all';
    return {
      index: j, id, text, start: span.start, end: span.end,
      surprisal: -row.lnpNext * LOG2E,
      entropy: full ? row.entropyBits : null,
      p: Math.exp(row.lnpNext),
      rank: full || row.rank === 1 ? row.rank : null,
      top: full ? alternatives(row) : alternatives(row).slice(0, 1),
    };
  };
  // Tokens are built as the rows they need are final: rows[0, upTo) are, `fresh` the first newly evaluated.
  let built = 0;
  let streamedFrom: number | undefined;
  const stream = (from: number, to: number) => {
    for (let a = from; a < to; a += STREAM_TOKENS) sink!(a, tokens.slice(a, Math.min(to, a + STREAM_TOKENS)), streamedFrom!);
  };
  const buildRange = (rows: readonly (Row | undefined)[], from: number, to: number) => {
    for (let j = from; j < to; j++) {
      const row = j + offset - 1 >= 0 ? rows[j + offset - 1] : undefined;
      tokenRows[j] = row;
      tokens[j] = build(j, row);
    }
  };
  const rowsFinal = (rows: readonly (Row | undefined)[], upTo: number, fresh: number) => {
    const from = built;
    built = Math.max(built, Math.min(count, upTo - offset + 1));
    buildRange(rows, from, built);
    if (sink === undefined) return;
    streamedFrom ??= Math.min(count, Math.max(0, fresh - offset + 1));
    stream(Math.max(from, streamedFrom), built);
  };
  // A window's reported rows [from, upTo) are final, in any order (the windows are independent): its tokens are built and streamed.
  const rangeFinal: RangeFinal = (rows, from, upTo) => {
    const a = from === 0 ? 0 : Math.max(0, from - offset + 1);
    const b = Math.min(count, upTo - offset + 1);
    buildRange(rows, a, b);
    if (sink === undefined) return;
    streamedFrom = 0;
    stream(a, b);
  };

  let rows: Row[];
  let tokensEvaluated: number;
  let window: { size: number; stride: number } | undefined;
  if (seq.length === 0) {
    rows = [];
    tokensEvaluated = 0;
  } else if (seq.length + 1 <= loaded.maxContext) {
    ({ rows, tokensEvaluated } = await scoreWhole(loaded, seq, topK, reading, signal, progress, stepAside, rowsFinal));
  } else {
    ({ rows, tokensEvaluated, window } = await scoreWindows(loaded, seq, topK, reading, signal, progress, stepAside, rangeFinal, priorityRows(input, priority)));
    // Every token was built and streamed with its window.
    built = count;
  }
  rowsFinal(rows, seq.length, 0);
  const lastRow = rows[seq.length - 1];
  // The row after the last token is read in full in every reading ("what comes next").
  const next: NextDistribution | null = lastRow?.entropyBits == null ? null : { entropy: lastRow.entropyBits, top: alternatives(lastRow) };
  const analysis: Analysis = {
    model: loaded.modelInfo(),
    text: input.text,
    tokens,
    next,
    route: { scorer: loaded.route, reading, precision: precisionOf(loaded.spec), tokensEvaluated, ...(window ? { window } : {}) },
  };
  return { analysis, tokens, rows: tokenRows, streamedFrom };
}

/** Called as rows become final: rows[0, upTo) are, and rows from `fresh` on were evaluated by this analysis. */
type RowsFinal = (rows: readonly (Row | undefined)[], upTo: number, fresh: number) => void;

/** Called as a window's reported rows [from, upTo) become final, in the order the windows are evaluated. */
type RangeFinal = (rows: readonly (Row | undefined)[], from: number, upTo: number) => void;

/**
 * The rows that score the tokens whose spans meet `ranges` (offsets in `input.text`):
 * row `j + first − 1` scores token j; token 0 without a BOS has no row and counts as row 0.
 */
function priorityRows(input: TokenizedText, ranges: readonly Span[] | undefined): number[] {
  if (ranges === undefined || ranges.length === 0) return [];
  const rows: number[] = [];
  input.spans.forEach((span, j) => {
    if (ranges.some((r) => span.start < r.end && span.end > r.start || (span.start === span.end && span.start >= r.start && span.start < r.end))) rows.push(Math.max(0, j + input.first - 1));
  });
  return rows;
}

/** Score a sequence that fits the context, re-evaluating only from the first changed token. */
async function scoreWhole(
  loaded: LoadedModel, seq: Token[], topK: number, reading: Reading, signal: AbortSignal, progress: ProgressListener, stepAside: StepAside, rowsFinal: RowsFinal,
): Promise<{ rows: Row[]; tokensEvaluated: number }> {
  let { sequence, scorer } = await loaded.ensureContext(seq.length + 1);
  const cache = loaded.cache;
  // Restart at the first row to recompute (earlier if the last batch needs it): every row is
  // then evaluated in a batch of the geometry's minimum or more, as in a fresh pass, so the
  // numbers are a fresh pass's (flash attention included).
  const { geometry } = loaded;
  const keep = restartAt(geometry, Math.min(cache.reusableRows(seq, topK, reading, 0), sequence.nextTokenIndex), seq.length, 0);
  await sequence.eraseContextTokenRanges([{ start: keep, end: sequence.nextTokenIndex }]);
  const rows = cache.rows.slice(0, keep);
  cache.resetTo(seq.slice(0, keep), { rows, topK, reading });
  rowsFinal(rows, keep, keep);
  const turns = new Turns(stepAside);
  let restored = 0;
  for (const [start, end] of batchesOf(geometry, keep, seq.length)) {
    const left = cache.generation;
    if (await turns.between()) {
      const held = await restore(loaded, left, [], seq.slice(0, start), seq.length + 1, signal, progress);
      ({ sequence, scorer } = held);
      restored += held.evaluated;
      turns.resumed(held.evaluated);
      cache.resetTo(seq.slice(0, start), { rows, topK, reading });
    }
    throwIfCancelled(signal);
    const batchRows = await scorer.score(sequence, seq.slice(start, end), end < seq.length ? seq[end] : null, topK, reading);
    rows.push(...batchRows);
    turns.evaluated(end - start);
    cache.appendRows(seq.slice(start, end), batchRows, topK, reading);
    // The last row waits for the end: the row after it (none) is not scored yet.
    rowsFinal(rows, Math.min(end, seq.length - 1), keep);
    progress(end - keep, seq.length - keep, 'analysing');
  }
  return { rows, tokensEvaluated: seq.length - keep + restored };
}

/**
 * Score a sequence longer than the context in overlapping windows, each evaluated
 * as if fresh: its BOS alone, then batches of the geometry from the window's
 * start. A window whose tokens (and the token after it) are those of the last
 * analysis's window takes its rows; the window the sequence holds is re-evaluated
 * only from its first change (or as much earlier as the geometry's last batch needs). Windows are
 * independent, so they go in windowOrder: those known already, the held one
 * where that delays nothing the user sees, the windows reporting a row of
 * `priority` (the visible tokens), then the rest; each window's rows are final
 * when it is done.
 */
async function scoreWindows(
  loaded: LoadedModel, seq: Token[], topK: number, reading: Reading, signal: AbortSignal, progress: ProgressListener, stepAside: StepAside, rangeFinal: RangeFinal, priority: readonly number[],
): Promise<{ rows: Row[]; tokensEvaluated: number; window: { size: number; stride: number } }> {
  const { bos, maxContext, cache, geometry } = loaded;
  let { sequence, scorer } = await loaded.ensureContext(maxContext);
  const capacity = sequence.contextSize - 1 - bos.length;
  const windows = planWindows(seq.length, capacity);
  loaded.log('info', `document of ${seq.length} tokens exceeds the context (${sequence.contextSize}); analysing ${windows.length} windows of ${capacity}`);
  const plans = windows.map((w) => {
    const prefix = w.start > 0 ? bos : [];
    const held = [...prefix, ...seq.slice(w.start, w.end)];
    const following = w.end < seq.length ? seq[w.end] : null;
    return { w, prefix, origin: prefix.length, held, following, known: loaded.windowRows.find(held, following, topK, reading) };
  });
  const reusable = (k: number) => restartAt(geometry, Math.min(cache.reusableRows(plans[k].held, topK, reading, plans[k].origin), sequence.nextTokenIndex), plans[k].held.length, plans[k].origin);
  const heldWindow = plans.findIndex((p, k) => p.known === undefined && reusable(k) > p.origin);
  const order = windowOrder(windows.length, {
    ready: (k) => plans[k].known !== undefined,
    priority: (k) => priority.some((r) => r >= windows[k].reportFrom && r < windows[k].end),
    ...(heldWindow >= 0 ? { held: heldWindow } : {}),
  });
  const rows: Row[] = new Array(seq.length);
  const done: WindowRows[] = [];
  let evaluated = 0;
  // Positions reported by the windows done so far: progress counts them whatever the order.
  let reported = 0;
  const turns = new Turns(stepAside);
  for (const k of order) {
    const { w, prefix, origin, held, following } = plans[k];
    throwIfCancelled(signal);
    let windowRows = plans[k].known?.slice();
    if (windowRows === undefined) {
      const keep = reusable(k);
      await sequence.eraseContextTokenRanges([{ start: keep, end: sequence.nextTokenIndex }]);
      windowRows = cache.rows.slice(0, keep);
      cache.resetTo(held.slice(0, keep), { rows: windowRows, topK, reading, origin });
      if (keep < origin) {
        // The window's BOS, alone: its row is the distribution after BOS, evaluated as every window evaluates it.
        const prefixRows = await scorer.score(sequence, prefix, held[origin], topK, reading);
        windowRows.push(...prefixRows);
        cache.appendRows(prefix, prefixRows, topK, reading);
        evaluated += origin;
      }
      for (const [start, end] of batchesOf(geometry, Math.max(keep, origin), held.length)) {
        const left = cache.generation;
        if (await turns.between()) {
          const restored = await restore(loaded, left, prefix, held.slice(origin, start), maxContext, signal, progress);
          ({ sequence, scorer } = restored);
          evaluated += restored.evaluated;
          turns.resumed(restored.evaluated);
          cache.resetTo(held.slice(0, start), { rows: windowRows, topK, reading, origin });
        }
        throwIfCancelled(signal);
        const batchRows = await scorer.score(sequence, held.slice(start, end), end < held.length ? held[end] : following, topK, reading);
        windowRows.push(...batchRows);
        cache.appendRows(held.slice(start, end), batchRows, topK, reading);
        turns.evaluated(end - start);
        evaluated += end - start;
        progress(reported + Math.max(0, Math.min(w.end, w.start + end - origin) - w.reportFrom), seq.length, 'analysing (windowed)');
      }
    }
    done.push({ held, following, rows: windowRows, topK, reading });
    for (let r = w.reportFrom; r < w.end; r++) rows[r] = windowRows[r - w.start + origin];
    rangeFinal(rows, w.reportFrom, w.end);
    reported += w.end - w.reportFrom;
    progress(reported, seq.length, 'analysing (windowed)');
  }
  // The last window evaluated stays in the sequence with its rows: an edit in it re-evaluates from the change.
  loaded.windowRows.replace(done);
  return { rows, tokensEvaluated: evaluated, window: { size: capacity, stride: Math.floor(capacity / 2) } };
}

/**
 * Make the sequence hold `prefix` then `tokens` again if requests that ran in
 * between touched it (`left` is the cache generation this analysis left), in the
 * batches a fresh pass uses: the prefix alone, then batches of `tokens`. Their KV
 * cells are not reused even where they hold the same tokens: with flash attention
 * the CPU kernels round differently by batch shape (≈ 5e-6 bits measured), and
 * the analysis must equal a fresh pass. Returns the sequence and scorer (the context may have been
 * replaced) and the tokens evaluated. Reports progress per batch, so a long
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
  for (const [start, end] of batchesOf(loaded.geometry, 0, tokens.length)) {
    throwIfCancelled(signal);
    // The rows are not kept: the cheapest reading will do (the same batches, so the same cells).
    await scorer.score(sequence, tokens.slice(start, end), null, 0, 'surprisal');
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

  /** Between batches: true if other requests ran. */
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
