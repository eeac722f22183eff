/**
 * A loaded model as the scoring algorithms see it: its tokenizer, the one context
 * and sequence they share (created on demand, grown as needed), the row scorer
 * bound to it, and what the sequence holds.
 */
import * as os from 'node:os';
import type { LlamaContext, LlamaContextSequence, LlamaModel, Token } from 'node-llama-cpp' with { 'resolution-mode': 'import' };
import type { ModelInfo } from '../../core/analysis';
import { compileSafeRegex } from '../../core/safeRegex';
import type { LoadSpec } from '../runtimeProtocol';
import { RuntimeError } from '../runtimeError';
import { AnalysisMemory } from './analysisMemory';
import { evaluationGeometry, type EvaluationGeometry } from './evaluationGeometry';
import { hasNativeInternals, MapRowScorer, NativeRowScorer, type RowScorer } from './rowScorer';
import type { RowStatsAddon } from './rowStatsAddon';
import { SequenceCache, WindowRowsMemo } from './sequenceCache';

const MIN_CONTEXT = 512;

/** The model, its context and the state the algorithms share; one per load. */
export class LoadedModel {
  /** What the sequence holds and the rows computed for it. */
  readonly cache = new SequenceCache();
  /** The rows of the last windowed analysis's windows. */
  readonly windowRows = new WindowRowsMemo();
  /** The last few text analyses, which later ones resume from and are sent as deltas against. */
  readonly results = new AnalysisMemory();
  /** The largest context the algorithms may create (see `contextLimit`). */
  readonly maxContext: number;
  /** [BOS] when the model wants one prepended, else []. */
  readonly bos: Token[];
  /** Tokens per decode call, at most and at least, for this load's setting (evaluationGeometry.ts). */
  readonly geometry: EvaluationGeometry;
  private context?: LlamaContext;
  private sequence?: LlamaContextSequence;
  private scorer?: RowScorer;
  private retired = false;
  private readonly altText = new Map<number, string>();
  private tokenClassCache?: { key: string; ids: Int32Array };

  constructor(
    readonly spec: LoadSpec,
    readonly model: LlamaModel,
    private readonly info: Omit<ModelInfo, 'contextSize'>,
    private readonly addon: RowStatsAddon | string,
    readonly log: (level: 'debug' | 'info' | 'warn', message: string) => void,
  ) {
    this.maxContext = contextLimit(info.trainContextSize, spec.maxContextSize);
    this.geometry = evaluationGeometry(spec.kvCache);
    this.bos = model.tokens.shouldPrependBosToken && model.tokens.bos !== null ? [model.tokens.bos] : [];
  }

  /** The model's description, with the size of the context as it is now. */
  modelInfo(): ModelInfo {
    return { ...this.info, contextSize: this.context?.contextSize ?? 0 };
  }

  /** The scorer route in use, or the one the next context will use. */
  get route(): 'native' | 'exact-map' {
    return this.scorer?.route ?? this.preferredRoute();
  }

  /** Whether this model is still the loaded one (a load replaces it while long work steps aside). */
  get current(): boolean {
    return !this.retired;
  }

  /**
   * A context of at least `needed` cells, with a fresh scorer bound to it. A new
   * context holds nothing, and the cache says so. It is sized with a margin of
   * one batch (then up to a power of two, at most `maxContext`), so a document
   * that grows by typing at its end keeps its cache instead of being
   * re-evaluated from scratch in a larger context.
   */
  async ensureContext(needed: number): Promise<{ sequence: LlamaContextSequence; scorer: RowScorer }> {
    if (this.context === undefined || this.context.contextSize < needed) {
      await this.context?.dispose();
      this.context = undefined;
      this.cache.resetTo([]);
      const size = contextSizeFor(needed, this.geometry.batch, this.maxContext);
      const threads = this.spec.threads > 0 ? this.spec.threads : Math.max(1, Math.min(os.availableParallelism(), 8));
      try {
        // Exact (default): flash attention off and an F32 KV cache, within 1e-3 bits of a float
        // reference. 'f16': llama.cpp's fast defaults, flash attention on and an F16 cache (its
        // CPU kernel casts K and V to F16 anyway): up to ≈ 1e-2 bits off. Either way the analysis
        // evaluates in the setting's geometry, so a re-analysis from an edit repeats a fresh
        // pass's operations and equals it bit for bit.
        const fast = this.geometry.setting === 'fast';
        const kv = fast ? {} : { experimentalKvCacheKeyType: 'F32', experimentalKvCacheValueType: 'F32' } as const;
        const flashAttention = fast;
        // llama.cpp's n_batch and n_ubatch (node-llama-cpp sets both from batchSize) must hold one
        // batch of the geometry, or node-llama-cpp would split it and change the batch boundaries.
        const batchSize = Math.max(this.geometry.batch, Math.min(size, 512));
        this.context = await this.model.createContext({ contextSize: size, threads, sequences: 1, batchSize, flashAttention, ...kv });
      } catch (err) {
        throw new RuntimeError('model', `Could not create a context of ${size} tokens: ${(err as Error).message}`);
      }
      this.sequence = this.context.getSequence();
      this.scorer = this.makeScorer(this.context, this.sequence);
    }
    return { sequence: this.sequence!, scorer: this.scorer! };
  }

  /** A token's text as it reads mid-text (SPM keeps its leading space after an anchor). */
  tokenText(id: number): string {
    let text = this.altText.get(id);
    if (text === undefined) {
      const anchor = this.model.tokenize('a', false);
      text = this.model.detokenize([id as Token], true, anchor);
      // A lone byte-fallback piece decodes to U+FFFD: show its vocabulary name (<0xE2>) instead.
      if (text.includes('\uFFFD')) text = vocabularyPiece(this.model, id) ?? text;
      this.altText.set(id, text);
    }
    return text;
  }

  /** The vocabulary entries whose text matches `regex` (cached per regex). */
  tokenClass(regex: string): Int32Array {
    if (this.tokenClassCache?.key === regex) return this.tokenClassCache.ids;
    // The pattern runs against every token text of the vocabulary: refuse one that can backtrack catastrophically.
    const compiled = compileSafeRegex(regex);
    if (compiled.error !== undefined) throw new RuntimeError('input', `formatClass ${compiled.error}`);
    const re = compiled.regex;
    const ids: number[] = [];
    for (let id = 0; id < this.info.vocabSize; id++) {
      const text = this.tokenText(id);
      if (text.length > 0 && re.test(text)) ids.push(id);
    }
    const out = Int32Array.from(ids);
    this.tokenClassCache = { key: regex, ids: out };
    return out;
  }

  /** Free the context and the model; work that stepped aside sees `current` false. */
  async dispose(): Promise<void> {
    this.retired = true;
    await this.context?.dispose();
    await this.model.dispose();
  }

  private preferredRoute(): 'native' | 'exact-map' {
    return this.spec.scorer === 'auto' && typeof this.addon !== 'string' ? 'native' : 'exact-map';
  }

  private makeScorer(context: LlamaContext, sequence: LlamaContextSequence): RowScorer {
    if (this.preferredRoute() === 'exact-map') return new MapRowScorer();
    const addon = this.addon as RowStatsAddon;
    const internals = context as unknown as { _ctx?: unknown };
    const model = this.model as unknown as { _model?: unknown };
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
}

/** The vocabulary's own string for token `id`, when the GGUF metadata lists it. */
function vocabularyPiece(model: LlamaModel, id: number): string | undefined {
  const tokens = ((model.fileInfo.metadata as unknown as { tokenizer?: { ggml?: { tokens?: unknown[] } } }).tokenizer?.ggml?.tokens);
  const piece = Array.isArray(tokens) ? tokens[id] : undefined;
  return typeof piece === 'string' ? piece : undefined;
}

/**
 * The context to create for `needed` cells: `needed` plus one batch, rounded up
 * to a power of two (at least MIN_CONTEXT), at most `maxContext`.
 */
export function contextSizeFor(needed: number, batch: number, maxContext: number): number {
  let size = MIN_CONTEXT;
  while (size < needed + batch) size *= 2;
  return Math.min(size, maxContext);
}

/**
 * The largest context the analysis may create: the setting, and never past the
 * model's training context (positions beyond it are out of distribution; longer
 * documents are analysed in windows instead).
 */
function contextLimit(trainContextSize: number, maxContextSize: number): number {
  return trainContextSize > 0 ? Math.min(maxContextSize, trainContextSize) : maxContextSize;
}
