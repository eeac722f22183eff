/**
 * Messages between the runtime client (extension host or CLI) and the runtime
 * worker process, which alone loads node-llama-cpp. Plain JSON over Node IPC.
 */
import type { Analysis, AnalysisRoute, ModelInfo, NextDistribution, Reading, TokenStat } from '../core/analysis';
import type { ChatAnalysis, ChatTemplateChoice, ChatTurn } from '../core/chat/chatTypes';
import type { Continuation, ContinuationSpec } from '../core/continuation';
import type { PositionDivergence } from '../core/compare/modelsSummary';
import type { ScoreBatch, ScoreBatchResult } from '../core/fewShot/continuationScorer';

/** Progress of long work: `done` of `total` units in `phase`. */
export type ProgressListener = (done: number, total: number, phase: string) => void;

/** How the worker loads a model. */
export interface LoadSpec {
  /** A local path, an `hf:` URI or an https URL. */
  readonly source: string;
  /** Where downloads go. */
  readonly downloadDir: string;
  /** 0 = choose from the machine's cores. */
  readonly threads: number;
  readonly gpu: 'auto' | 'cpu';
  /** Upper bound on the context; the context is sized to the document below it. */
  readonly maxContextSize: number;
  /** `auto` uses the native row-statistics addon when present; `exact-map` forces node-llama-cpp maps. */
  readonly scorer: 'auto' | 'exact-map';
  /**
   * KV-cache precision, F32 unless set (exact: flash attention off). 'f16' is
   * llama.cpp's fast setting, flash attention on and an F16 cache: it perturbs
   * probabilities by up to ~1e-2 bits, the size of what the wind tunnel measures,
   * but edits still re-analyse bit-identically to a fresh pass (docs/runtime.md).
   */
  readonly kvCache?: 'f16' | 'f32';
}

export interface AnalyzeSpec {
  readonly text: string;
  readonly topK: number;
  /**
   * UTF-16 ranges of `text` the user sees. A text longer than the context
   * evaluates the windows that report them first (the numbers are the same in any
   * order), and their tokens stream first; a text that fits is evaluated in order.
   */
  readonly priority?: readonly TextRange[];
  /**
   * What the caller needs per token (default `all`). `surprisal` lets the
   * exact-map route skip entropy, rank and alternatives (1.3–1.6× plain evaluation
   * instead of 9–28×); the native route computes everything anyway.
   */
  readonly needs?: Reading;
}

/** [start, end) in UTF-16 code units. */
export interface TextRange {
  readonly start: number;
  readonly end: number;
}

/** Results the worker remembers at most, and the client holds (a few documents open side by side). */
export const REMEMBERED_RESULTS = 4;

/**
 * An analysis as the worker sends it: the tokens from the first one that differs
 * from a previous result (`base`) the client holds, which it reassembles into the
 * whole Analysis. The worker remembers its last few results by id; a request may
 * name one of them as its base (`WorkerRequest` analyze `base`), and a result with
 * no base carries every token. The text is the request's own and is not sent back.
 */
export interface AnalysisDelta {
  /** This result's id, which a later request may name as its base. */
  readonly id: number;
  /** The result it extends; undefined when `tokens` are all the tokens. */
  readonly base?: number;
  /** The leading tokens equal to the base's (0 without a base). */
  readonly keep: number;
  /** The tokens from index `keep` on (up to `streamedFrom` when set). */
  readonly tokens: readonly TokenStat[];
  /**
   * Set when the tokens from this index to the end came before the result, in
   * `tokens` events (each token once, parts in any order): the whole list is the base's first
   * `keep`, then `tokens`, then the streamed ones.
   */
  readonly streamedFrom?: number;
  readonly next: NextDistribution | null;
  readonly model: ModelInfo;
  readonly route: AnalysisRoute;
}

/**
 * A chat to analyse: `turns` rendered with `template` and the generation prompt
 * for the assistant's reply, then `reply` (the reply being written) as plain
 * text when given (ChatContext). Every token the model receives is analysed.
 */
export interface AnalyzeChatSpec {
  readonly turns: readonly ChatTurn[];
  readonly reply?: string;
  readonly template: ChatTemplateChoice;
  readonly topK: number;
}

/** Where a symbol is predicted, and which symbols compete there. */
export interface SymbolSlot {
  /** UTF-16 offset in the text where the predicted symbol starts. */
  readonly offset: number;
  readonly symbols: readonly string[];
}

export interface SymbolMassSpec {
  readonly text: string;
  readonly slots: readonly SymbolSlot[];
}

/** The model's probability of each symbol's first token at each slot. */
export interface SymbolMassResult {
  readonly model: ModelInfo;
  readonly slots: ReadonlyArray<{
    readonly mass: readonly number[];
    /** Whether each symbol is exactly one token there (otherwise its first token stands for it). */
    readonly singleToken: readonly boolean[];
  }>;
}

/** Model comparison, model A's part: write ln p of every vocabulary entry at every position of `text` to `file` (float32 rows). */
export interface LogProbRowsSpec {
  readonly text: string;
  readonly file: string;
}

export interface LogProbRowsResult {
  readonly model: ModelInfo;
  /** The evaluated tokens, BOS included when the model wants one. */
  readonly tokens: readonly number[];
  /** 1 when BOS was prepended, else 0. */
  readonly bos: number;
  readonly vocabSize: number;
  /** SHA-256 of the token text of every id: equal keys mean the same vocabulary. */
  readonly vocabularyKey: string;
  readonly rows: number;
}

/** Model comparison, model B's part: KL(A ‖ B) per position against the rows model A wrote. */
export interface DivergenceSpec {
  readonly text: string;
  readonly file: string;
  readonly tokens: readonly number[];
  readonly vocabSize: number;
  readonly vocabularyKey: string;
}

export type DivergenceResult =
  | { readonly shared: true; readonly positions: readonly PositionDivergence[] }
  | { readonly shared: false; readonly reason: string };

export type WorkerRequest =
  | { readonly id: number; readonly type: 'load'; readonly spec: LoadSpec }
  /** `base`: the id of a previous result the client holds, to send the result as a delta against (AnalysisDelta). */
  | { readonly id: number; readonly type: 'analyze'; readonly spec: AnalyzeSpec; readonly base?: number }
  | { readonly id: number; readonly type: 'analyzeChat'; readonly spec: AnalyzeChatSpec }
  | { readonly id: number; readonly type: 'symbolMass'; readonly spec: SymbolMassSpec }
  | { readonly id: number; readonly type: 'scoreContinuations'; readonly spec: ScoreBatch }
  | { readonly id: number; readonly type: 'greedyContinuation'; readonly spec: ContinuationSpec }
  | { readonly id: number; readonly type: 'writeLogProbRows'; readonly spec: LogProbRowsSpec }
  | { readonly id: number; readonly type: 'divergenceFromRows'; readonly spec: DivergenceSpec }
  | { readonly id: number; readonly type: 'cancel'; readonly target: number };

/** Error categories, which map to user messages and CLI exit codes. */
export type RuntimeErrorCode = 'model' | 'input' | 'cancelled' | 'crashed' | 'internal';

export interface WireError {
  readonly code: RuntimeErrorCode;
  readonly message: string;
}

export interface LoadResult {
  readonly model: ModelInfo;
  readonly scorer: 'native' | 'exact-map';
  /** Why the native scorer is not used, when it is not. */
  readonly scorerNote?: string;
}

export type WorkerEvent =
  | { readonly id: number; readonly type: 'result'; readonly value: unknown }
  | { readonly id: number; readonly type: 'error'; readonly error: WireError }
  | { readonly id: number; readonly type: 'progress'; readonly done: number; readonly total: number; readonly phase: string }
  /**
   * An analysis's statistics of tokens [from, from + tokens.length), final, sent as their rows are scored
   * (AnalysisDelta.streamedFrom): in order for a text that fits the context; window by window, the
   * visible ones first, for a longer one. Together they are every token from `streamedFrom`, each once;
   * the tokens before it are the base's (none without a base).
   */
  | { readonly id: number; readonly type: 'tokens'; readonly from: number; readonly tokens: readonly TokenStat[]; readonly streamedFrom: number }
  /** The worker started (or resumed) the request: its stall clock runs from here. */
  | { readonly id: number; readonly type: 'started' }
  /** The request stepped aside between chunks for newer ones; it resumes with another `started`. */
  | { readonly id: number; readonly type: 'paused' }
  | { readonly type: 'log'; readonly level: 'debug' | 'info' | 'warn' | 'error'; readonly message: string }
  | { readonly type: 'ready' };

export type { Analysis, ChatAnalysis, Continuation, ContinuationSpec, ModelInfo, ScoreBatch, ScoreBatchResult };
