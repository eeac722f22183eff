/**
 * The model runtime as the extension host and the CLI see it: a worker process
 * that loads node-llama-cpp, started on demand. A crash or hang of the worker
 * rejects the requests in flight with a clear error; the next request starts a
 * new worker and reloads the model.
 */
import { fork, type ChildProcess } from 'node:child_process';
import type { Analysis, ModelInfo, TokenStat } from '../core/analysis';
import type { Continuation, ContinuationSpec } from '../core/continuation';
import type { Logger } from '../core/logger';
import { commonTextPrefix } from '../core/tokenSpans';
import { RuntimeError } from './runtimeError';
import { REMEMBERED_RESULTS } from './runtimeProtocol';
import type { AnalysisDelta, AnalyzeChatSpec, AnalyzeSpec, ChatAnalysis, DivergenceResult, DivergenceSpec, LoadResult, LogProbRowsResult, LogProbRowsSpec, LoadSpec, ProgressListener, ScoreBatch, ScoreBatchResult, SymbolMassResult, SymbolMassSpec, WorkerEvent, WorkerRequest } from './runtimeProtocol';

export type { ProgressListener } from './runtimeProtocol';

export interface RequestOptions {
  readonly signal?: AbortSignal;
  readonly onProgress?: ProgressListener;
  /**
   * For an analysis: the statistics scored so far, final, as the worker streams
   * them, sorted by index (each carries its index). Every token from `from` on
   * comes anew, in order for a text that fits the context, window by window (the
   * visible ones first, so with gaps meanwhile) for a longer one; the tokens before
   * `from` are those of the last analysis the edit left unchanged. What paints a
   * long document while the rest is analysed.
   */
  readonly onPartial?: (tokens: readonly TokenStat[], model: ModelInfo, from: number) => void;
}

/** What callers need of the runtime; a fake or another transport can stand in. */
export interface ModelRuntime {
  /** The model to use from now on; work in flight for another model is cancelled. */
  setModel(spec: LoadSpec): void;
  /** Load the current model if it is not loaded (single flight); an aborted signal stops the load (a download too) unless another caller still waits on it. */
  ensureLoaded(options?: RequestOptions): Promise<LoadResult>;
  /** Analyse a document with the current model. */
  analyze(spec: AnalyzeSpec, options?: RequestOptions): Promise<Analysis>;
  /** Analyse a chat rendered by a chat template: every token the model receives, template tokens included. */
  analyzeChat(spec: AnalyzeChatSpec, options?: RequestOptions): Promise<ChatAnalysis>;
  /** The model's probabilities of competing symbols at given places in a text (the wind tunnel). */
  symbolMass(spec: SymbolMassSpec, options?: RequestOptions): Promise<SymbolMassResult>;
  /** Teacher-forced scores of continuations, sharing the KV cache across the batch (the few-shot sweep). */
  scoreContinuations(spec: ScoreBatch, options?: RequestOptions): Promise<ScoreBatchResult>;
  /** A short greedy continuation (after a branch's forced tokens), each step with its probability and alternatives. */
  greedyContinuation(spec: ContinuationSpec, options?: RequestOptions): Promise<Continuation>;
  /** Model comparison, model A's part: ln p of every vocabulary entry at every position, written to a file. */
  writeLogProbRows(spec: LogProbRowsSpec, options?: RequestOptions): Promise<LogProbRowsResult>;
  /** Model comparison, model B's part: KL(A ‖ B) per position against the rows model A wrote. */
  divergenceFromRows(spec: DivergenceSpec, options?: RequestOptions): Promise<DivergenceResult>;
  /** Stop the worker and free its model; the next request starts it again and reloads the model. */
  release(): void;
  dispose(): Promise<void>;
}

export interface RuntimeClientOptions {
  /** The bundled worker script (dist/worker.js). */
  readonly workerPath: string;
  readonly logger: Logger;
  /**
   * A running request with no progress of its own for this long is treated as a
   * hang; so is a queued one while the worker runs nothing.
   */
  readonly stallTimeoutMs?: number;
  /**
   * Whether analyses travel as deltas against a previous result (the default):
   * the client keeps its last few results and reassembles each delta into the
   * whole Analysis. False asks for every token every time (the benchmark's baseline).
   */
  readonly incremental?: boolean;
}

interface Pending {
  readonly resolve: (value: unknown) => void;
  readonly reject: (err: Error) => void;
  readonly onProgress?: ProgressListener;
  readonly onTokens?: (from: number, tokens: readonly TokenStat[], streamedFrom: number) => void;
  /** queued: sent, not started; running: the worker works on it; paused: it stepped aside for newer requests. */
  state: 'queued' | 'running' | 'paused';
  /** The last progress reported, repeated with phase `waiting` while paused. */
  last?: { done: number; total: number };
  timer?: NodeJS.Timeout;
  /** Removes the abort listener from the caller's signal. */
  cleanup?: () => void;
}

const STDERR_TAIL = 2000;

export class RuntimeClient implements ModelRuntime {
  private worker?: ChildProcess;
  private stderrTail = '';
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private spec?: LoadSpec;
  private loading?: Promise<LoadResult>;
  /** Who waits on `loading` with a signal; the load is cancelled when the last of them cancels. */
  private loadWaiters?: { readonly loading: Promise<LoadResult>; readonly controller: AbortController; count: number };
  private disposed = false;
  /** The last results the worker sent, which a new analysis may be sent as a delta against. */
  private readonly results = new HeldResults();

  constructor(private readonly options: RuntimeClientOptions) {}

  /** Whether a worker process is running (none until the first request). */
  get running(): boolean {
    return this.worker !== undefined;
  }

  setModel(spec: LoadSpec): void {
    if (this.spec !== undefined && JSON.stringify(this.spec) === JSON.stringify(spec)) return;
    this.spec = spec;
    // The old model's worker goes: its work is moot and its memory is freed with it.
    this.stopWorker(new RuntimeError('cancelled', 'The model was switched.'));
  }

  /** Load the current model; when `options.signal` aborts, the load (a download included) stops in the worker, unless another caller still waits on it. */
  ensureLoaded(options: RequestOptions = {}): Promise<LoadResult> {
    return this.joinLoad(options, true);
  }

  /**
   * Wait for the current model's load, starting it if needed. A caller that
   * `owns` the load cancels it with its signal; work that merely needs a model
   * (an analysis superseded by a keystroke) stops waiting but lets the load go on.
   */
  private joinLoad(options: RequestOptions, owns: boolean): Promise<LoadResult> {
    const spec = this.spec;
    // No worker is started for a request that cannot succeed.
    if (spec === undefined || spec.source.trim() === '') return Promise.reject(new RuntimeError('model', 'No model is selected. Run "ICL Lens: Select Model" or pass --model.'));
    if (options.signal?.aborted) return Promise.reject(new RuntimeError('cancelled', 'Cancelled.'));
    if (this.loading === undefined) {
      // The load is shared by its callers, so it has its own signal: it is cancelled
      // (a download stopped in the worker) once every caller waiting on it has cancelled.
      const controller = new AbortController();
      const loading = this.request<LoadResult>({ type: 'load', spec }, { onProgress: options.onProgress, signal: controller.signal });
      this.loading = loading;
      this.loadWaiters = { loading, controller, count: 0 };
      loading.then(
        (r) => this.options.logger.info(`model loaded: ${r.model.name} (${r.model.vocabSize} tokens, scorer ${r.scorer}${r.scorerNote ? `: ${r.scorerNote}` : ''})`),
        () => { if (this.loading === loading) this.loading = undefined; },
      );
    }
    const loading = this.loading;
    const waiters = this.loadWaiters?.loading === loading ? this.loadWaiters : undefined;
    // An owner that cannot cancel keeps the load going for good.
    if (!owns || !options.signal || waiters === undefined) {
      if (owns && waiters) waiters.count = Infinity;
      return options.signal ? raceAbort(loading, options.signal) : loading;
    }
    waiters.count++;
    return raceAbort(loading, options.signal, () => { if (--waiters.count === 0) waiters.controller.abort(); });
  }

  async analyze(spec: AnalyzeSpec, options: RequestOptions = {}): Promise<Analysis> {
    const loaded = await this.joinLoad({ signal: options.signal, onProgress: options.onProgress }, false);
    const incremental = this.options.incremental ?? true;
    const base = incremental ? this.results.closest(spec.text) : undefined;
    const worker = this.worker;
    const streamed = new StreamedTokens();
    const onTokens = (from: number, tokens: readonly TokenStat[], streamedFrom: number) => {
      streamed.add(from, tokens, streamedFrom);
      options.onPartial?.(streamed.tokens, loaded.model, streamedFrom);
    };
    const delta = await this.request<AnalysisDelta>({ type: 'analyze', spec, ...(base ? { base: base.id } : {}) }, { ...options, onTokens });
    const analysis = assembleDelta(spec.text, delta, base, streamed.tokens);
    // Only results of the worker that is still running can be bases (ids restart with a new worker).
    if (incremental && this.worker === worker) this.results.add(delta.id, analysis);
    return analysis;
  }

  async analyzeChat(spec: AnalyzeChatSpec, options: RequestOptions = {}): Promise<ChatAnalysis> {
    await this.joinLoad({ signal: options.signal, onProgress: options.onProgress }, false);
    return this.request<ChatAnalysis>({ type: 'analyzeChat', spec }, options);
  }

  async symbolMass(spec: SymbolMassSpec, options: RequestOptions = {}): Promise<SymbolMassResult> {
    await this.joinLoad({ signal: options.signal, onProgress: options.onProgress }, false);
    return this.request<SymbolMassResult>({ type: 'symbolMass', spec }, options);
  }

  async scoreContinuations(spec: ScoreBatch, options: RequestOptions = {}): Promise<ScoreBatchResult> {
    await this.joinLoad(options, false);
    return this.request<ScoreBatchResult>({ type: 'scoreContinuations', spec }, options);
  }

  async greedyContinuation(spec: ContinuationSpec, options: RequestOptions = {}): Promise<Continuation> {
    await this.joinLoad(options, false);
    return this.request<Continuation>({ type: 'greedyContinuation', spec }, options);
  }

  async writeLogProbRows(spec: LogProbRowsSpec, options: RequestOptions = {}): Promise<LogProbRowsResult> {
    await this.joinLoad(options, false);
    return this.request<LogProbRowsResult>({ type: 'writeLogProbRows', spec }, options);
  }

  async divergenceFromRows(spec: DivergenceSpec, options: RequestOptions = {}): Promise<DivergenceResult> {
    await this.joinLoad(options, false);
    return this.request<DivergenceResult>({ type: 'divergenceFromRows', spec }, options);
  }

  release(): void {
    this.stopWorker(new RuntimeError('cancelled', 'The model was unloaded to free memory.'));
  }

  async dispose(): Promise<void> {
    this.disposed = true;
    const worker = this.worker;
    this.stopWorker(new RuntimeError('cancelled', 'The runtime was disposed.'), false);
    if (worker === undefined || worker.exitCode !== null || worker.signalCode !== null) return;
    // Let the worker free native memory; kill it if it does not go in time.
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => { worker.kill('SIGKILL'); resolve(); }, 3000);
      worker.once('exit', () => { clearTimeout(timer); resolve(); });
      if (worker.connected) worker.disconnect();
      else worker.kill('SIGKILL');
    });
  }

  private request<T>(req: DistributiveOmit<Exclude<WorkerRequest, { type: 'cancel' }>, 'id'>, options: RequestOptions & Pick<Pending, 'onTokens'>): Promise<T> {
    if (this.disposed) return Promise.reject(new RuntimeError('cancelled', 'The runtime was disposed.'));
    if (options.signal?.aborted) return Promise.reject(new RuntimeError('cancelled', 'Cancelled.'));
    const worker = this.ensureWorker();
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      const entry: Pending = { resolve: resolve as (v: unknown) => void, reject, onProgress: options.onProgress, onTokens: options.onTokens, state: 'queued' };
      this.pending.set(id, entry);
      this.updateWatchdogs();
      const signal = options.signal;
      if (signal) {
        const onAbort = () => {
          if (!this.pending.has(id)) return;
          this.settle(id);
          if (worker.connected) worker.send({ id: this.nextId++, type: 'cancel', target: id } satisfies WorkerRequest);
          reject(new RuntimeError('cancelled', 'Cancelled.'));
        };
        signal.addEventListener('abort', onAbort, { once: true });
        entry.cleanup = () => signal.removeEventListener('abort', onAbort);
      }
      worker.send({ ...req, id } as WorkerRequest);
    });
  }

  /**
   * One watchdog per request. The worker runs one request at a time, so a request
   * that waits is watched by the one that runs: its timer runs only while it runs,
   * or while nothing runs (then the worker should start something promptly).
   */
  private updateWatchdogs(): void {
    const anyRunning = [...this.pending.values()].some((e) => e.state === 'running');
    for (const entry of this.pending.values()) {
      const watched = entry.state === 'running' || !anyRunning;
      if (watched && entry.timer === undefined) this.armStallTimer(entry);
      else if (!watched && entry.timer !== undefined) {
        clearTimeout(entry.timer);
        entry.timer = undefined;
      }
    }
  }

  private armStallTimer(entry: Pending): void {
    clearTimeout(entry.timer);
    const ms = this.options.stallTimeoutMs ?? 120_000;
    entry.timer = setTimeout(() => {
      this.options.logger.error(`model runtime made no progress on a request for ${ms} ms; stopping it`);
      this.stopWorker(new RuntimeError('crashed', `The model runtime stopped responding (no progress for ${Math.round(ms / 1000)} s) and was stopped. The next request starts it again.`));
    }, ms);
    entry.timer.unref?.();
  }

  private settle(id: number): Pending | undefined {
    const entry = this.pending.get(id);
    if (entry) {
      clearTimeout(entry.timer);
      entry.cleanup?.();
      this.pending.delete(id);
      this.updateWatchdogs();
    }
    return entry;
  }

  private ensureWorker(): ChildProcess {
    if (this.worker !== undefined) return this.worker;
    this.stderrTail = '';
    const worker = fork(this.options.workerPath, [], {
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
      // Inside Electron (VS Code desktop) the host's executable must run as plain Node.
      env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' },
    });
    worker.stderr?.setEncoding('utf8');
    worker.stderr?.on('data', (chunk: string) => {
      this.stderrTail = (this.stderrTail + chunk).slice(-STDERR_TAIL);
    });
    worker.on('message', (event: WorkerEvent) => this.onEvent(event));
    worker.on('error', (err) => this.options.logger.error(`model runtime process error: ${err.message}`));
    worker.on('exit', (code, signal) => {
      if (this.worker !== worker) return;
      const how = signal ? `was killed by ${signal}` : `exited with code ${code}`;
      const detail = this.stderrTail.trim().split('\n').slice(-3).join(' | ');
      this.options.logger.warn(`model runtime ${how}${detail ? `: ${detail}` : ''}`);
      this.forgetWorker(new RuntimeError('crashed', `The model runtime ${how}${detail ? ` (${detail})` : ''}. Your last results are kept; the next request starts it again.`));
    });
    this.worker = worker;
    this.options.logger.debug(`model runtime started (pid ${worker.pid})`);
    return worker;
  }

  private onEvent(event: WorkerEvent): void {
    switch (event.type) {
      case 'ready':
        return;
      case 'log':
        this.options.logger[event.level](event.message);
        return;
      case 'started':
      case 'paused': {
        const entry = this.pending.get(event.id);
        if (entry === undefined) return;
        entry.state = event.type === 'started' ? 'running' : 'paused';
        // Only a request's own events reset its stall clock.
        clearTimeout(entry.timer);
        entry.timer = undefined;
        this.updateWatchdogs();
        if (event.type === 'paused') entry.onProgress?.(entry.last?.done ?? 0, entry.last?.total ?? 0, 'waiting');
        return;
      }
      case 'progress': {
        const entry = this.pending.get(event.id);
        if (entry === undefined) return;
        entry.last = { done: event.done, total: event.total };
        if (entry.timer !== undefined) this.armStallTimer(entry);
        entry.onProgress?.(event.done, event.total, event.phase);
        return;
      }
      case 'tokens': {
        const entry = this.pending.get(event.id);
        if (entry === undefined) return;
        if (entry.timer !== undefined) this.armStallTimer(entry);
        try {
          entry.onTokens?.(event.from, event.tokens, event.streamedFrom);
        } catch (err) {
          this.settle(event.id)?.reject(err as Error);
        }
        return;
      }
      case 'result':
        this.settle(event.id)?.resolve(event.value);
        return;
      case 'error':
        this.settle(event.id)?.reject(new RuntimeError(event.error.code, event.error.message));
        return;
    }
  }

  /** Reject everything pending with `reason` and forget the worker (it is gone or going). */
  private forgetWorker(reason: RuntimeError): void {
    this.worker = undefined;
    this.loading = undefined;
    this.results.clear();
    for (const id of [...this.pending.keys()]) this.settle(id)?.reject(reason);
  }

  private stopWorker(reason: RuntimeError, kill = true): void {
    const worker = this.worker;
    this.forgetWorker(reason);
    if (kill && worker && worker.exitCode === null && worker.signalCode === null) worker.kill('SIGKILL');
  }
}

/** The whole analysis of `text` from the worker's `delta` against `base` (the result it names) and the tokens it `streamed` before it. */
export function assembleDelta(text: string, delta: AnalysisDelta, base: HeldResult | undefined, streamed: readonly TokenStat[]): Analysis {
  if (delta.base !== undefined && (base?.id !== delta.base || delta.keep > base.analysis.tokens.length)) {
    throw new RuntimeError('internal', `The model runtime sent a delta against result ${delta.base}, which this client does not hold.`);
  }
  // Sorted and without repeats (StreamedTokens), so first and last at their places mean every index in between.
  if (delta.streamedFrom !== undefined && streamed.length > 0 && (streamed[0].index !== delta.streamedFrom || streamed.at(-1)!.index !== delta.streamedFrom + streamed.length - 1)) {
    throw new RuntimeError('internal', 'The model runtime streamed tokens that do not follow its result.');
  }
  const kept = delta.base === undefined || delta.keep === 0 ? [] : base!.analysis.tokens.slice(0, delta.keep);
  const tail = delta.streamedFrom === undefined ? [] : streamed;
  const tokens = kept.length === 0 && tail.length === 0 ? delta.tokens : kept.concat(delta.tokens, tail);
  return { model: delta.model, text, tokens, next: delta.next, route: delta.route };
}

/**
 * The tokens an analysis streamed so far, sorted by index, whatever order their
 * parts came in (windows of a long text come visible ones first). A part in order
 * is appended; one before others is inserted where it belongs.
 */
export class StreamedTokens {
  private readonly list: TokenStat[] = [];
  private first: number | undefined;

  /** Sorted by index, each once. */
  get tokens(): readonly TokenStat[] {
    return this.list;
  }

  /** The part [from, from + tokens.length) of an analysis streaming every token from `streamedFrom`. */
  add(from: number, tokens: readonly TokenStat[], streamedFrom: number): void {
    const invalid = (why: string) => new RuntimeError('internal', `The model runtime streamed tokens ${why}.`);
    if (this.first !== undefined && this.first !== streamedFrom) throw invalid('from two starting points');
    this.first = streamedFrom;
    if (from < streamedFrom || tokens.some((t, i) => t.index !== from + i)) throw invalid('out of place');
    if (tokens.length === 0) return;
    const list = this.list;
    // The first stored token after the part; the one before it must end before the part starts.
    let lo = 0;
    let hi = list.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (list[mid].index < from) lo = mid + 1;
      else hi = mid;
    }
    const end = from + tokens.length;
    if (lo < list.length && list[lo].index < end) throw invalid('twice');
    if (lo === list.length) for (const t of tokens) list.push(t);
    else list.splice(lo, 0, ...tokens);
  }
}

/** A result the client holds, under the worker's id. */
export interface HeldResult {
  readonly id: number;
  readonly analysis: Analysis;
}

/** The client's last few results (as many as the worker remembers), newest last. */
class HeldResults {
  private held: HeldResult[] = [];

  add(id: number, analysis: Analysis): void {
    this.held.push({ id, analysis });
    if (this.held.length > REMEMBERED_RESULTS) this.held.shift();
  }

  /** The result sharing the longest text prefix with `text` (the newest among equals), if any shares some. */
  closest(text: string): HeldResult | undefined {
    let best: HeldResult | undefined;
    let bestShared = 0;
    for (const r of this.held) {
      const shared = commonTextPrefix(r.analysis.text, text);
      if (shared > 0 && shared >= bestShared) {
        best = r;
        bestShared = shared;
      }
    }
    return best;
  }

  clear(): void {
    this.held = [];
  }
}

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

function raceAbort<T>(promise: Promise<T>, signal: AbortSignal, onAbort?: () => void): Promise<T> {
  if (signal.aborted) return Promise.reject(new RuntimeError('cancelled', 'Cancelled.'));
  return new Promise<T>((resolve, reject) => {
    const abort = () => {
      reject(new RuntimeError('cancelled', 'Cancelled.'));
      onAbort?.();
    };
    signal.addEventListener('abort', abort, { once: true });
    promise.then(
      (v) => { signal.removeEventListener('abort', abort); resolve(v); },
      (e) => { signal.removeEventListener('abort', abort); reject(e); },
    );
  });
}
