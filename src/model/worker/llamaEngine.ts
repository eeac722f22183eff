/**
 * The model runtime proper: loads a GGUF with node-llama-cpp (downloading it
 * first where the source is remote) and hands each request to its algorithm
 * (analysis.ts, chatAnalysis.ts, symbolMass.ts, continuations.ts, greedyContinuation.ts) over the loaded model. Runs
 * only inside the worker process.
 */
import * as fs from 'node:fs';
import type { Llama, LlamaModel } from 'node-llama-cpp' with { 'resolution-mode': 'import' };
import type { Analysis } from '../../core/analysis';
import type { Continuation, ContinuationSpec } from '../../core/continuation';
import type { ScoreBatch, ScoreBatchResult } from '../../core/fewShot/continuationScorer';
import type { ChatAnalysis } from '../../core/chat/chatTypes';
import type { AnalysisDelta, AnalyzeChatSpec, AnalyzeSpec, DivergenceResult, DivergenceSpec, LoadResult, LogProbRowsResult, LogProbRowsSpec, LoadSpec, ProgressListener, SymbolMassResult, SymbolMassSpec } from '../runtimeProtocol';
import { RuntimeError } from '../runtimeError';
import { analyze, analyzeDelta, type StepAside, type TokenSink } from './analysis';
import { analyzeChat } from './chatAnalysis';
import { scoreContinuations } from './continuations';
import { greedyContinuation } from './greedyContinuation';
import { DOWNLOAD_REMEDY, DownloadError, downloadLimits } from './httpDownload';
import { LoadedModel } from './loadedModel';
import { divergenceFromRows, writeLogProbRows } from './logProbRows';
import { cachedModel, isRemoteSource } from './modelCache';
import { checkModelFile } from './modelFile';
import { loadRowStatsAddon, type RowStatsAddon } from './rowStatsAddon';
import { symbolMass } from './symbolMass';

type NodeLlamaCpp = typeof import('node-llama-cpp', { with: { 'resolution-mode': 'import' } });

/** One model at a time, and the requests on it. */
export class LlamaEngine {
  private llama?: Llama;
  private llamaGpu?: 'auto' | 'cpu';
  private loaded?: LoadedModel;
  private readonly addon: RowStatsAddon | string;

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
    const info = { path: modelPath, name: model.fileInfo.metadata.general?.name ?? modelPath.split(/[\\/]/).pop() ?? modelPath, vocabSize: vocabularySize(model), trainContextSize };
    this.loaded = new LoadedModel(spec, model, info, this.addon, this.log);
    const scorerNote = spec.scorer === 'exact-map' ? 'exact-map route requested' : typeof this.addon === 'string' ? this.addon : undefined;
    return { model: this.loaded.modelInfo(), scorer: scorerNote === undefined ? 'native' : 'exact-map', scorerNote };
  }

  /** Analyse `spec.text`: offsets, then statistics for every token, reusing the cached prefix (analysis.ts). */
  analyze(spec: AnalyzeSpec, signal: AbortSignal, progress: ProgressListener, stepAside?: StepAside): Promise<Analysis> {
    return analyze(this.requireLoaded(), spec, signal, progress, stepAside);
  }

  /** `analyze`, streaming tokens to `sink` as they are scored, sent as a delta against the remembered result `base` where it is still remembered (runtimeProtocol.ts AnalysisDelta). */
  analyzeDelta(spec: AnalyzeSpec, base: number | undefined, signal: AbortSignal, progress: ProgressListener, stepAside?: StepAside, sink?: TokenSink): Promise<AnalysisDelta> {
    return analyzeDelta(this.requireLoaded(), spec, base, signal, progress, stepAside, sink);
  }

  /** Render a chat with its template and analyse every token the model receives (chatAnalysis.ts). */
  analyzeChat(spec: AnalyzeChatSpec, signal: AbortSignal, progress: ProgressListener, stepAside?: StepAside): Promise<ChatAnalysis> {
    return analyzeChat(this.requireLoaded(), spec, signal, progress, stepAside);
  }

  /** The probability of each competing symbol at each slot of `spec.text` (symbolMass.ts). */
  symbolMass(spec: SymbolMassSpec, signal: AbortSignal, progress: ProgressListener): Promise<SymbolMassResult> {
    return symbolMass(this.requireLoaded(), spec, signal, progress);
  }

  /** Teacher-forced scores of groups of continuations after contexts, the few-shot sweep (continuations.ts). */
  scoreContinuations(spec: ScoreBatch, signal: AbortSignal, progress: ProgressListener): Promise<ScoreBatchResult> {
    return scoreContinuations(this.requireLoaded(), spec, signal, progress);
  }

  /** A branch's forced tokens, then greedy ones, each with its probability and alternatives (greedyContinuation.ts). */
  greedyContinuation(spec: ContinuationSpec, signal: AbortSignal, progress: ProgressListener): Promise<Continuation> {
    return greedyContinuation(this.requireLoaded(), spec, signal, progress);
  }

  /** Model comparison, model A's part: its full log-probability rows to a file (logProbRows.ts). */
  writeLogProbRows(spec: LogProbRowsSpec, signal: AbortSignal, progress: ProgressListener): Promise<LogProbRowsResult> {
    return writeLogProbRows(this.requireLoaded(), spec, signal, progress);
  }

  /** Model comparison, model B's part: KL(A ‖ B) per position against A's rows (logProbRows.ts). */
  divergenceFromRows(spec: DivergenceSpec, signal: AbortSignal, progress: ProgressListener): Promise<DivergenceResult> {
    return divergenceFromRows(this.requireLoaded(), spec, signal, progress);
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
      if (err instanceof DownloadError) throw new RuntimeError('model', `Could not download ${source}: ${endSentence(err.message)} ${DOWNLOAD_REMEDY}`);
      // The download folder cannot be written (permissions, a full disk): the user's to fix, not a bug.
      const code = (err as NodeJS.ErrnoException).code;
      if (typeof code === 'string') throw new RuntimeError('model', `Could not download ${source}: ${code} in ${spec.downloadDir}: ${(err as Error).message}`);
      throw err;
    }
  }

  private async unload(): Promise<void> {
    const loaded = this.loaded;
    this.loaded = undefined;
    await loaded?.dispose();
  }

  private requireLoaded(): LoadedModel {
    if (this.loaded === undefined) throw new RuntimeError('model', 'No model is loaded.');
    return this.loaded;
  }
}

/** `text` ending in a full stop unless it ends in one already (or in ? or !). */
function endSentence(text: string): string {
  const t = text.trim();
  return /[.?!]$/.test(t) ? t : `${t}.`;
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
