/**
 * The model runtime proper: loads a GGUF with node-llama-cpp, tokenizes with exact
 * offsets and scores every position, reusing the KV cache for the unchanged
 * prefix of the previous analysis. Runs only inside the worker process.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import type { Llama, LlamaContext, LlamaContextSequence, LlamaModel, Token } from 'node-llama-cpp' with { 'resolution-mode': 'import' };
import type { Alternative, Analysis, ModelInfo, NextDistribution, TokenStat } from '../../core/analysis';
import { LOG2E } from '../../core/bits';
import { commonBoundary, type ScoreBatch, type ScoreBatchResult, type ScoredContinuation, type ScoredGroup } from '../../core/fewShot/continuationScorer';
import { planPrefixSharing } from '../../core/fewShot/prefixPlan';
import { commonPrefixLength } from '../../core/sequenceDiff';
import { tokenSpans } from '../../core/tokenSpans';
import { planWindows } from '../../core/windowPlan';
import type { AnalyzeSpec, LoadResult, LoadSpec, ProgressListener, SymbolMassResult, SymbolMassSpec } from '../runtimeProtocol';
import { RuntimeError } from '../runtimeError';
import { DownloadError, downloadLimits } from './httpDownload';
import { cachedModel, isRemoteSource } from './modelCache';
import { compileSafeRegex } from '../../core/safeRegex';
import { checkModelFile } from './modelFile';
import { hasNativeInternals, MapRowScorer, NativeRowScorer, type CandidateRequest, type GatheredRow, type Row, type RowScorer } from './rowScorer';
import { loadRowStatsAddon, type RowStatsAddon } from './rowStatsAddon';

type NodeLlamaCpp = typeof import('node-llama-cpp', { with: { 'resolution-mode': 'import' } });

/** Tokens evaluated per call, so cancellation, progress and other requests' turns are timely. */
const CHUNK = 256;
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
const MIN_CONTEXT = 512;

interface Loaded {
  readonly spec: LoadSpec;
  readonly model: LlamaModel;
  readonly info: Omit<ModelInfo, 'contextSize'>;
  context?: LlamaContext;
  sequence?: LlamaContextSequence;
  scorer?: RowScorer;
  /** What the sequence holds and the rows computed for it (rows[i] is the distribution after tokens[i]). */
  cache: { tokens: Token[]; rows: Row[]; topK: number };
}

export class LlamaEngine {
  private llama?: Llama;
  private llamaGpu?: 'auto' | 'cpu';
  private loaded?: Loaded;
  private readonly addon: RowStatsAddon | string;
  private readonly altText = new Map<number, string>();
  private tokenClass?: { key: string; ids: Int32Array };

  constructor(private readonly nlc: NodeLlamaCpp, bundleDir: string, private readonly log: (level: 'debug' | 'info' | 'warn', message: string) => void) {
    this.addon = loadRowStatsAddon(bundleDir);
  }

  /** Load (or download, then load) the model that `spec` names, replacing any loaded one. */
  async load(spec: LoadSpec, signal: AbortSignal, progress: ProgressListener): Promise<LoadResult> {
    await this.unload();
    const modelPath = await this.resolve(spec, signal, progress);
    checkModelFile(modelPath);
    if (this.llama === undefined || this.llamaGpu !== spec.gpu) {
      await this.llama?.dispose();
      this.llama = await this.nlc.getLlama({
        gpu: spec.gpu === 'cpu' ? false : 'auto',
        build: 'never',
        logLevel: this.nlc.LlamaLogLevel.warn,
        logger: (level, message) => this.log(level === 'error' || level === 'warn' ? 'warn' : 'debug', `llama.cpp: ${message.trim()}`),
      });
      this.llamaGpu = spec.gpu;
    }
    let model: LlamaModel;
    try {
      model = await this.llama.loadModel({ modelPath, onLoadProgress: (p) => progress(p, 1, 'loading model') });
    } catch (err) {
      throw new RuntimeError('model', `Could not load ${modelPath}: ${(err as Error).message}`);
    }
    const trainContextSize = model.trainContextSize;
    this.altText.clear();
    this.tokenClass = undefined;
    this.loaded = {
      spec,
      model,
      info: { path: modelPath, name: model.fileInfo.metadata.general?.name ?? modelPath.split(/[\\/]/).pop() ?? modelPath, vocabSize: vocabularySize(model), trainContextSize },
      cache: { tokens: [], rows: [], topK: 0 },
    };
    const scorerNote = spec.scorer === 'exact-map' ? 'exact-map route requested' : typeof this.addon === 'string' ? this.addon : undefined;
    return { model: this.modelInfo(), scorer: scorerNote === undefined ? 'native' : 'exact-map', scorerNote };
  }

  /** Analyse `spec.text`: offsets, then statistics for every token, reusing the cached prefix. */
  async analyze(spec: AnalyzeSpec, signal: AbortSignal, progress: ProgressListener, stepAside: StepAside = async () => false): Promise<Analysis> {
    const loaded = this.requireLoaded();
    const { model } = loaded;
    const docTokens = model.tokenize(spec.text, false);
    // Decided before offsets or evaluation, so an oversized input fails in about a second.
    if (docTokens.length > MAX_ANALYSIS_TOKENS) {
      throw new RuntimeError('input', `The text has ${docTokens.length.toLocaleString('en-US')} tokens, over the limit of ${MAX_ANALYSIS_TOKENS.toLocaleString('en-US')} per analysis. Analyse a smaller part or split the file.`);
    }
    const bos = bosPrefix(model);
    const seq: Token[] = [...bos, ...docTokens];
    const { spans, exact } = tokenSpans(docTokens, spec.text, (tokens, last) => model.detokenize(tokens as Token[], false, last as Token[]));
    if (!exact) this.log('warn', 'the tokenizer does not round-trip this text; token offsets are aligned approximately');

    const maxContext = contextLimit(loaded);
    let rows: Row[];
    let tokensEvaluated: number;
    let window: { size: number; stride: number } | undefined;
    if (seq.length === 0) {
      rows = [];
      tokensEvaluated = 0;
    } else if (seq.length + 1 <= maxContext) {
      ({ rows, tokensEvaluated } = await this.scoreWhole(loaded, seq, spec.topK, signal, progress, stepAside));
    } else {
      ({ rows, tokensEvaluated, window } = await this.scoreWindows(loaded, seq, bos, maxContext, spec.topK, signal, progress, stepAside));
    }

    const offset = bos.length;
    const tokens: TokenStat[] = docTokens.map((id, j) => {
      const row = j + offset - 1 >= 0 ? rows[j + offset - 1] : undefined;
      const span = spans[j];
      const text = span.end > span.start ? spec.text.slice(span.start, span.end) : model.detokenize([id], false, seq.slice(Math.max(0, j + offset - 4), j + offset));
      if (row === undefined || row.lnpNext === null) {
        return { index: j, id, text, start: span.start, end: span.end, surprisal: null, entropy: null, p: null, rank: null, top: [] };
      }
      return {
        index: j, id, text, start: span.start, end: span.end,
        surprisal: -row.lnpNext * LOG2E,
        entropy: row.entropyBits,
        p: Math.exp(row.lnpNext),
        rank: row.rank,
        top: this.alternatives(model, row),
      };
    });
    const lastRow = rows[seq.length - 1];
    const next: NextDistribution | null = lastRow === undefined ? null : { entropy: lastRow.entropyBits, top: this.alternatives(model, lastRow) };
    return {
      model: this.modelInfo(),
      text: spec.text,
      tokens,
      next,
      route: { scorer: loaded.scorer?.route ?? this.preferredRoute(loaded), tokensEvaluated, ...(window ? { window } : {}) },
    };
  }

  /**
   * The probability of each competing symbol at each slot of `spec.text`: the
   * symbol's first token, scored at the token position where the symbol begins.
   * A fresh evaluation (the KV cache is not reused across different sequences).
   */
  async symbolMass(spec: SymbolMassSpec, signal: AbortSignal, progress: ProgressListener): Promise<SymbolMassResult> {
    const loaded = this.requireLoaded();
    const { model } = loaded;
    const docTokens = model.tokenize(spec.text, false);
    const bos = bosPrefix(model);
    const seq: Token[] = [...bos, ...docTokens];
    const maxContext = contextLimit(loaded);
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
    // Slots may share a row (two offsets inside one token): score the union there.
    const candidates = new Map<number, number[]>();
    for (const { row, ids } of perSlot) candidates.set(row, [...new Set([...(candidates.get(row) ?? []), ...ids])]);
    const { sequence, scorer } = await this.ensureContext(loaded, seq.length + 1, maxContext);
    await sequence.eraseContextTokenRanges([{ start: 0, end: sequence.nextTokenIndex }]);
    loaded.cache = { tokens: [], rows: [], topK: 0 };
    const rows: Row[] = [];
    for (let start = 0; start < seq.length; start += CHUNK) {
      if (signal.aborted) throw new RuntimeError('cancelled', 'Cancelled.');
      const end = Math.min(start + CHUNK, seq.length);
      const chunk: CandidateRequest = new Map([...candidates].filter(([r]) => r >= start && r < end).map(([r, ids]) => [r - start, ids]));
      rows.push(...(await scorer.score(sequence, seq.slice(start, end), end < seq.length ? seq[end] : null, 0, chunk)));
      progress(end, seq.length, 'scoring');
    }
    loaded.cache = { tokens: seq, rows, topK: 0 };
    return {
      model: this.modelInfo(),
      slots: perSlot.map(({ row, ids, single }) => {
        const union = candidates.get(row)!;
        const lnp = rows[row].candidateLnp!;
        return { mass: ids.map((id) => Math.exp(lnp[union.indexOf(id)])), singleToken: single };
      }),
    };
  }

  /**
   * Teacher-forced scores of groups of continuations after contexts (the
   * few-shot sweep). Each group is scored from its common token boundary
   * (core/fewShot/continuationScorer.ts). The batch is planned so every
   * distinct prefix is evaluated once (core/fewShot/prefixPlan.ts), continuing
   * from what the cache holds.
   */
  async scoreContinuations(spec: ScoreBatch, signal: AbortSignal, progress: ProgressListener): Promise<ScoreBatchResult> {
    const loaded = this.requireLoaded();
    const { model } = loaded;
    const bos = bosPrefix(model);
    const maxContext = contextLimit(loaded);
    const regexIds = spec.tokenClass?.regex != null ? this.resolveTokenClass(loaded, spec.tokenClass.regex) : undefined;
    const tokenize = (text: string) => [...bos, ...model.tokenize(text, false)];
    // Refuse a sweep whose longest prompt cannot fit before evaluating any of it.
    for (const text of spec.mustFit ?? []) {
      const n = tokenize(text).length;
      if (n + 1 > maxContext) throw new RuntimeError('input', `A few-shot prompt has ${n} tokens with its answer, more than the context allows (${maxContext}). Shorten the prompt or allow a larger context.`);
    }
    const items: Array<{ tokens: number[]; scoreFrom: number; stats: boolean; statsIds?: number[] }> = [];
    const groups = spec.groups.map((g) => {
      const context = tokenize(g.context);
      const fulls = g.continuations.map((c) => tokenize(g.context + c));
      const also = (g.boundaryAlso ?? []).filter((c) => c.length > 0).map((c) => tokenize(g.context + c));
      const boundary = commonBoundary(context, [...fulls, ...also]);
      g.continuations.forEach((c, i) => {
        if (c.length === 0 || boundary >= fulls[i].length) throw new RuntimeError('input', `The continuation ${JSON.stringify(c)} is empty.`);
      });
      if (boundary === 0) throw new RuntimeError('input', 'Nothing precedes the continuation, so the model gives no distribution for it.');
      for (const t of [...fulls, ...also]) {
        if (t.length + 1 > maxContext) throw new RuntimeError('input', `A few-shot prompt has ${t.length} tokens with its answer, more than the context allows (${maxContext}). Shorten the prompt or allow a larger context.`);
      }
      const first = items.length;
      for (const tokens of fulls) items.push({ tokens, scoreFrom: boundary, stats: false });
      // The distribution at the boundary row: read through the shortest sequence that reaches it.
      const reach = [...fulls, ...also].find((t) => t.length > boundary);
      let statsItem: number | undefined;
      let classIds: number[] | undefined;
      if (g.stats && reach !== undefined) {
        classIds = regexIds ? [...regexIds] : [...new Set(also.filter((t) => t.length > boundary).map((t) => t[boundary]))];
        statsItem = items.length;
        items.push({ tokens: reach.slice(0, boundary + 1), scoreFrom: boundary, stats: true, statsIds: classIds });
      }
      return { boundary, contextTokens: context.length, first, count: fulls.length, statsItem, classIds, withClass: spec.tokenClass !== undefined };
    });
    const longest = Math.max(1, ...items.map((i) => i.tokens.length));
    const { sequence, scorer } = await this.ensureContext(loaded, longest + 1, maxContext);
    const held = loaded.cache.tokens.length === sequence.nextTokenIndex ? loaded.cache.tokens : [];
    const plan = planPrefixSharing(held, items);
    // The sequence no longer matches any analysis' rows.
    loaded.cache = { tokens: held.slice(), rows: [], topK: -1 };
    if (held.length === 0) await sequence.eraseContextTokenRanges([{ start: 0, end: sequence.nextTokenIndex }]);
    const gathered: Array<Map<number, GatheredRow & { ids: Int32Array }>> = [];
    let done = 0;
    for (const step of plan.steps) {
      if (signal.aborted) throw new RuntimeError('cancelled', 'Cancelled.');
      const tokens = items[step.seq].tokens as Token[];
      await sequence.eraseContextTokenRanges([{ start: step.keep, end: sequence.nextTokenIndex }]);
      loaded.cache = { tokens: tokens.slice(0, step.keep), rows: [], topK: -1 };
      const rows = new Map<number, GatheredRow & { ids: Int32Array }>();
      for (let start = step.keep; start < step.end; start += CHUNK) {
        if (signal.aborted) throw new RuntimeError('cancelled', 'Cancelled.');
        const end = Math.min(start + CHUNK, step.end);
        const wanted = new Map<number, Int32Array>();
        for (const [pos, row] of step.rows) {
          if (pos < start || pos >= end) continue;
          wanted.set(pos - start, Int32Array.from(new Set([...row.candidates, ...row.statsIds])));
        }
        const got = await scorer.gather(sequence, tokens.slice(start, end), wanted);
        for (const [i, row] of got) rows.set(i + start, { ...row, ids: wanted.get(i)! });
        loaded.cache = { tokens: tokens.slice(0, end), rows: [], topK: -1 };
        done += end - start;
        progress(done, plan.tokensEvaluated, 'scoring continuations');
      }
      gathered.push(rows);
    }
    const rowOf = (j: number, r: number) => gathered[plan.sources[j][r - (items[j].scoreFrom - 1)]].get(r)!;
    const lnpAt = (row: GatheredRow & { ids: Int32Array }, id: number) => row.lnp[row.ids.indexOf(id)];
    /** Σ p over a class at a row: one pass over its gathered ids (a broad regex class can hold thousands). */
    const classMass = (row: GatheredRow & { ids: Int32Array }, ids: readonly number[]) => {
      const inClass = new Set(ids);
      let mass = 0;
      row.ids.forEach((id, i) => { if (inClass.has(id)) mass += Math.exp(row.lnp[i]); });
      return mass;
    };
    const results: ScoredGroup[] = groups.map((g) => {
      const continuations: ScoredContinuation[] = [];
      for (let j = g.first; j < g.first + g.count; j++) {
        const { tokens } = items[j];
        const lnp: number[] = [];
        for (let r = g.boundary - 1; r <= tokens.length - 2; r++) lnp.push(lnpAt(rowOf(j, r), tokens[r + 1]));
        continuations.push({ tokens, lnp, pieces: tokens.slice(g.boundary).map((id) => this.tokenText(model, id)) });
      }
      const statsRow = g.statsItem !== undefined ? rowOf(g.statsItem, g.boundary - 1) : undefined;
      return {
        boundary: g.boundary,
        contextTokens: g.contextTokens,
        continuations,
        entropyBits: statsRow?.entropyBits ?? null,
        classMass: statsRow && g.withClass && g.classIds ? classMass(statsRow, g.classIds) : null,
        classSize: statsRow && g.withClass && g.classIds ? g.classIds.length : 0,
        retokenized: g.contextTokens - g.boundary,
      };
    });
    return { model: this.modelInfo(), groups: results, tokensEvaluated: plan.tokensEvaluated, classSize: regexIds?.length ?? 0 };
  }

  /** The vocabulary entries whose text matches `regex` (cached per model and regex). */
  private resolveTokenClass(loaded: Loaded, regex: string): Int32Array {
    if (this.tokenClass?.key === regex) return this.tokenClass.ids;
    const { model } = loaded;
    // The pattern runs against every token text of the vocabulary: refuse one that can backtrack catastrophically.
    const compiled = compileSafeRegex(regex);
    if (compiled.error !== undefined) throw new RuntimeError('input', `formatClass ${compiled.error}`);
    const re = compiled.regex;
    const ids: number[] = [];
    for (let id = 0; id < loaded.info.vocabSize; id++) {
      const text = this.tokenText(model, id);
      if (text.length > 0 && re.test(text)) ids.push(id);
    }
    const out = Int32Array.from(ids);
    this.tokenClass = { key: regex, ids: out };
    return out;
  }

  /** Free native memory. */
  async dispose(): Promise<void> {
    await this.unload();
    await this.llama?.dispose();
    this.llama = undefined;
  }

  private async resolve(spec: LoadSpec, signal: AbortSignal, progress: ProgressListener): Promise<string> {
    const source = spec.source.trim();
    if (source.length === 0) throw new RuntimeError('model', 'No model is selected. Run "ICL Lens: Select Model" or pass --model.');
    if (!isRemoteSource(source)) return source;
    try {
      fs.mkdirSync(spec.downloadDir, { recursive: true });
      // Our own bounded download: node-llama-cpp's retries for minutes, and every retry looked like progress.
      return await cachedModel(source, spec.downloadDir, {
        ...downloadLimits(process.env),
        signal,
        onProgress: (done, total) => progress(done, total, 'downloading model'),
        log: (message) => this.log('warn', message),
      });
    } catch (err) {
      if (signal.aborted) throw new RuntimeError('cancelled', 'Download cancelled.');
      if (err instanceof DownloadError) throw new RuntimeError('model', `Could not download ${source}: ${err.message}`);
      // The download folder cannot be written (permissions, a full disk): the user's to fix, not a bug.
      const code = (err as NodeJS.ErrnoException).code;
      if (typeof code === 'string') throw new RuntimeError('model', `Could not download ${source}: ${code} in ${spec.downloadDir}: ${(err as Error).message}`);
      throw err;
    }
  }


  private async unload(): Promise<void> {
    const loaded = this.loaded;
    this.loaded = undefined;
    if (loaded === undefined) return;
    await loaded.context?.dispose();
    await loaded.model.dispose();
  }

  private requireLoaded(): Loaded {
    if (this.loaded === undefined) throw new RuntimeError('model', 'No model is loaded.');
    return this.loaded;
  }

  private modelInfo(): ModelInfo {
    const loaded = this.requireLoaded();
    return { ...loaded.info, contextSize: loaded.context?.contextSize ?? 0 };
  }

  private preferredRoute(loaded: Loaded): 'native' | 'exact-map' {
    return loaded.spec.scorer === 'auto' && typeof this.addon !== 'string' ? 'native' : 'exact-map';
  }

  /** A context of at least `needed` cells (grown in powers of two), with a fresh scorer bound to it. */
  private async ensureContext(loaded: Loaded, needed: number, maxContext: number): Promise<{ sequence: LlamaContextSequence; scorer: RowScorer }> {
    if (loaded.context === undefined || loaded.context.contextSize < needed) {
      await loaded.context?.dispose();
      loaded.context = undefined;
      loaded.cache = { tokens: [], rows: [], topK: 0 };
      let size = MIN_CONTEXT;
      while (size < needed) size *= 2;
      size = Math.min(size, maxContext);
      const threads = loaded.spec.threads > 0 ? loaded.spec.threads : Math.max(1, Math.min(os.availableParallelism(), 8));
      try {
        // Flash attention on llama.cpp's CPU backend rounds differently depending on how
        // tokens are split into batches (logits 0.005-0.05 apart for the same text);
        // without it, re-analysing from an edit gives bit-identical numbers to a fresh pass.
        const kv = loaded.spec.kvCache !== 'f16' ? { experimentalKvCacheKeyType: 'F32', experimentalKvCacheValueType: 'F32' } as const : {};
        loaded.context = await loaded.model.createContext({ contextSize: size, threads, sequences: 1, flashAttention: false, ...kv });
      } catch (err) {
        throw new RuntimeError('model', `Could not create a context of ${size} tokens: ${(err as Error).message}`);
      }
      loaded.sequence = loaded.context.getSequence();
      loaded.scorer = this.makeScorer(loaded, loaded.context, loaded.sequence);
    }
    return { sequence: loaded.sequence!, scorer: loaded.scorer! };
  }

  private makeScorer(loaded: Loaded, context: LlamaContext, sequence: LlamaContextSequence): RowScorer {
    if (this.preferredRoute(loaded) === 'exact-map') return new MapRowScorer();
    const addon = this.addon as RowStatsAddon;
    const internals = context as unknown as { _ctx?: unknown };
    const model = loaded.model as unknown as { _model?: unknown };
    if (!hasNativeInternals(sequence) || internals._ctx === undefined || model._model === undefined) {
      this.log('warn', 'node-llama-cpp internals changed; using the exact probability-map route');
      return new MapRowScorer();
    }
    const handle = addon.attach(internals._ctx, model._model, context.contextSize);
    if (typeof handle === 'string') {
      this.log('warn', `native row statistics unavailable (${handle}); using the exact probability-map route`);
      return new MapRowScorer();
    }
    return new NativeRowScorer(addon, handle);
  }

  /** Score a sequence that fits the context, re-evaluating only from the first changed token. */
  private async scoreWhole(
    loaded: Loaded, seq: Token[], topK: number, signal: AbortSignal, progress: ProgressListener, stepAside: StepAside,
  ): Promise<{ rows: Row[]; tokensEvaluated: number }> {
    const maxContext = contextLimit(loaded);
    let { sequence, scorer } = await this.ensureContext(loaded, seq.length + 1, maxContext);
    const cache = loaded.cache;
    // Rows before the first changed token stay valid; the row of the token just
    // before it scored the old next token, so it is recomputed with the rest.
    let keep = cache.topK >= topK ? Math.max(0, commonPrefixLength(cache.tokens, seq) - 1) : 0;
    keep = Math.min(keep, sequence.nextTokenIndex);
    await sequence.eraseContextTokenRanges([{ start: keep, end: sequence.nextTokenIndex }]);
    const rows = cache.rows.slice(0, keep);
    loaded.cache = { tokens: seq.slice(0, keep), rows: rows.slice(), topK };
    const turns = new Turns(stepAside);
    let restored = 0;
    for (let start = keep; start < seq.length; start += CHUNK) {
      const left = loaded.cache;
      if (await turns.between()) {
        const held = await this.restore(loaded, left, [], seq.slice(0, start), seq.length + 1, signal);
        ({ sequence, scorer } = held);
        restored += held.evaluated;
        turns.resumed(held.evaluated);
        loaded.cache = { tokens: seq.slice(0, start), rows: rows.slice(), topK };
      }
      if (signal.aborted) throw new RuntimeError('cancelled', 'Analysis cancelled.');
      const end = Math.min(start + CHUNK, seq.length);
      const chunkRows = await scorer.score(sequence, seq.slice(start, end), end < seq.length ? seq[end] : null, topK);
      rows.push(...chunkRows);
      turns.evaluated(end - start);
      loaded.cache = { tokens: seq.slice(0, end), rows: rows.slice(), topK };
      progress(end - keep, seq.length - keep, 'analysing');
    }
    return { rows, tokensEvaluated: seq.length - keep + restored };
  }

  /** Score a sequence longer than the context in overlapping windows, each evaluated fresh. */
  private async scoreWindows(
    loaded: Loaded, seq: Token[], bos: Token[], maxContext: number, topK: number, signal: AbortSignal, progress: ProgressListener, stepAside: StepAside,
  ): Promise<{ rows: Row[]; tokensEvaluated: number; window: { size: number; stride: number } }> {
    let { sequence, scorer } = await this.ensureContext(loaded, maxContext, maxContext);
    const capacity = sequence.contextSize - 1 - bos.length;
    const windows = planWindows(seq.length, capacity);
    this.log('info', `document of ${seq.length} tokens exceeds the context (${sequence.contextSize}); analysing ${windows.length} windows of ${capacity}`);
    const rows: Row[] = new Array(seq.length);
    let evaluated = 0;
    const turns = new Turns(stepAside);
    for (const w of windows) {
      if (signal.aborted) throw new RuntimeError('cancelled', 'Analysis cancelled.');
      await sequence.eraseContextTokenRanges([{ start: 0, end: sequence.nextTokenIndex }]);
      const prefix = w.start > 0 ? bos : [];
      if (prefix.length > 0) await sequence.controlledEvaluate(prefix);
      // What the sequence holds, so a request run in between can tell, and so can the restore after it.
      loaded.cache = { tokens: prefix.slice(), rows: [], topK: -1 };
      const windowRows: Row[] = [];
      for (let start = w.start; start < w.end; start += CHUNK) {
        const left = loaded.cache;
        if (await turns.between()) {
          const held = await this.restore(loaded, left, prefix, seq.slice(w.start, start), maxContext, signal);
          ({ sequence, scorer } = held);
          evaluated += held.evaluated;
          turns.resumed(held.evaluated);
        }
        const end = Math.min(start + CHUNK, w.end);
        windowRows.push(...(await scorer.score(sequence, seq.slice(start, end), end < seq.length ? seq[end] : null, topK)));
        turns.evaluated(end - start);
        loaded.cache = { tokens: [...prefix, ...seq.slice(w.start, end)], rows: [], topK: -1 };
        if (signal.aborted) throw new RuntimeError('cancelled', 'Analysis cancelled.');
        progress(Math.max(w.reportFrom, end), seq.length, 'analysing (windowed)');
      }
      for (let r = w.reportFrom; r < w.end; r++) rows[r] = windowRows[r - w.start];
      evaluated += w.end - w.start + prefix.length;
      progress(w.end, seq.length, 'analysing (windowed)');
    }
    await sequence.eraseContextTokenRanges([{ start: 0, end: sequence.nextTokenIndex }]);
    loaded.cache = { tokens: [], rows: [], topK: 0 };
    return { rows, tokensEvaluated: evaluated, window: { size: capacity, stride: Math.floor(capacity / 2) } };
  }

  /**
   * Make the sequence hold `prefix` then `tokens` again if requests that ran in
   * between touched it (`left` is the cache this analysis left), in the batches a
   * fresh pass uses: the prefix alone, then chunks of `tokens`. Their KV cells are
   * not reused even where they hold the same tokens: the CPU kernels round
   * differently by batch shape (≈ 5e-6 bits measured), and the analysis must equal
   * a fresh pass. Returns the sequence and scorer (the context may have been
   * replaced) and the tokens evaluated.
   */
  private async restore(
    loaded: Loaded, left: Loaded['cache'], prefix: Token[], tokens: Token[], needed: number, signal: AbortSignal,
  ): Promise<{ sequence: LlamaContextSequence; scorer: RowScorer; evaluated: number }> {
    if (this.loaded !== loaded) throw new RuntimeError('cancelled', 'The model was replaced.');
    const { sequence, scorer } = await this.ensureContext(loaded, needed, contextLimit(loaded));
    if (loaded.cache === left && sequence.nextTokenIndex === prefix.length + tokens.length) return { sequence, scorer, evaluated: 0 };
    await sequence.eraseContextTokenRanges([{ start: 0, end: sequence.nextTokenIndex }]);
    loaded.cache = { tokens: [], rows: [], topK: -1 };
    if (prefix.length > 0) await sequence.controlledEvaluate(prefix);
    loaded.cache = { tokens: prefix.slice(), rows: [], topK: -1 };
    for (let start = 0; start < tokens.length; start += CHUNK) {
      if (signal.aborted) throw new RuntimeError('cancelled', 'Analysis cancelled.');
      const end = Math.min(start + CHUNK, tokens.length);
      await scorer.score(sequence, tokens.slice(start, end), null, 0);
      loaded.cache = { tokens: [...prefix, ...tokens.slice(0, end)], rows: [], topK: -1 };
    }
    return { sequence, scorer, evaluated: prefix.length + tokens.length };
  }

  private alternatives(model: LlamaModel, row: Row): Alternative[] {
    return row.top.map(({ id, p }) => ({ id, p, text: this.tokenText(model, id) }));
  }

  /** A token's text as it reads mid-text (SPM keeps its leading space after an anchor). */
  private tokenText(model: LlamaModel, id: number): string {
    let text = this.altText.get(id);
    if (text === undefined) {
      const anchor = model.tokenize('a', false);
      text = model.detokenize([id as Token], true, anchor);
      // A lone byte-fallback piece decodes to U+FFFD: show its vocabulary name (<0xE2>) instead.
      if (text.includes('\uFFFD')) text = vocabularyPiece(model, id) ?? text;
      this.altText.set(id, text);
    }
    return text;
  }
}

/** The vocabulary's own string for token `id`, when the GGUF metadata lists it. */
function vocabularyPiece(model: LlamaModel, id: number): string | undefined {
  const tokens = ((model.fileInfo.metadata as unknown as { tokenizer?: { ggml?: { tokens?: unknown[] } } }).tokenizer?.ggml?.tokens);
  const piece = Array.isArray(tokens) ? tokens[id] : undefined;
  return typeof piece === 'string' ? piece : undefined;
}

/** Vocabulary size from the GGUF metadata (the tokenizer's token list, else the architecture's vocab_size). */
function vocabularySize(model: LlamaModel): number {
  const metadata = model.fileInfo.metadata as unknown as Record<string, Record<string, unknown> | undefined>;
  const tokens = (metadata.tokenizer?.ggml as { tokens?: unknown[] } | undefined)?.tokens;
  if (Array.isArray(tokens) && tokens.length > 0) return tokens.length;
  const arch = metadata.general?.architecture;
  const size = typeof arch === 'string' ? metadata[arch]?.vocab_size : undefined;
  return typeof size === 'number' ? size : 0;
}

/**
 * The largest context the analysis may create: the setting, and never past the
 * model's training context (positions beyond it are out of distribution; longer
 * documents are analysed in windows instead).
 */
function contextLimit(loaded: Loaded): number {
  const trained = loaded.info.trainContextSize;
  return trained > 0 ? Math.min(loaded.spec.maxContextSize, trained) : loaded.spec.maxContextSize;
}

/** [BOS] when the model wants one prepended, else []. */
function bosPrefix(model: LlamaModel): Token[] {
  return model.tokens.shouldPrependBosToken && model.tokens.bos !== null ? [model.tokens.bos] : [];
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
