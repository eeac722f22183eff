/**
 * Analyses per document, keyed by URI and tagged with the document version they
 * describe. Readers ask for a version; a stale result is not returned.
 */
import * as vscode from 'vscode';
import type { Analysis, ModelInfo, TokenStat } from '../core/analysis';
import { Disposable } from './disposable';

export interface StoredAnalysis {
  readonly version: number;
  readonly analysis: Analysis;
}

/** What the status bar shows about a document's analysis. */
export type AnalysisState =
  | { readonly kind: 'idle' }
  | { readonly kind: 'running'; readonly fraction: number; readonly phase: string }
  /** `label`: a few words for the status bar's text (the message is its tooltip). */
  | { readonly kind: 'error'; readonly message: string; readonly label?: string };

/** Statistics streamed while a document's analysis runs, for the version being analysed. */
export interface PartialAnalysis {
  readonly version: number;
  /**
   * Final statistics of the tokens scored so far, sorted by index, all at `from` or
   * after; a long document's windows come visible ones first, so there may be gaps.
   */
  readonly tokens: readonly TokenStat[];
  readonly model: ModelInfo;
  /** The first token the analysis reports anew: those before it are the last analysis's. */
  readonly from: number;
}

export class AnalysisStore extends Disposable {
  private readonly results = new Map<string, StoredAnalysis>();
  private readonly partials = new Map<string, PartialAnalysis>();
  private readonly states = new Map<string, AnalysisState>();
  private readonly changed = this.register(new vscode.EventEmitter<vscode.Uri>());
  /** Fires when a document's analysis or state changes. */
  readonly onDidChange = this.changed.event;

  constructor() {
    super();
    this.register(vscode.workspace.onDidCloseTextDocument((doc) => this.delete(doc.uri)));
  }

  /** The analysis of `doc` if it describes the document's current version. */
  current(doc: vscode.TextDocument): Analysis | undefined {
    const stored = this.results.get(doc.uri.toString());
    return stored && stored.version === doc.version ? stored.analysis : undefined;
  }

  /** The latest analysis of `uri`, whatever version it describes. */
  latest(uri: vscode.Uri): StoredAnalysis | undefined {
    return this.results.get(uri.toString());
  }

  /** What the running analysis of `doc` has scored so far, if it analyses the document's current version. */
  partial(doc: vscode.TextDocument): PartialAnalysis | undefined {
    const partial = this.partials.get(doc.uri.toString());
    return partial && partial.version === doc.version ? partial : undefined;
  }

  /**
   * The running analysis of `uri` at `version` has scored `tokens` so far, reporting anew every token
   * from `from` (the heatmap paints them before the result).
   */
  setPartial(uri: vscode.Uri, version: number, tokens: readonly TokenStat[], model: ModelInfo, from: number): void {
    this.partials.set(uri.toString(), { version, tokens, model, from });
    this.changed.fire(uri);
  }

  set(uri: vscode.Uri, version: number, analysis: Analysis): void {
    this.partials.delete(uri.toString());
    this.results.set(uri.toString(), { version, analysis });
    this.states.set(uri.toString(), { kind: 'idle' });
    this.changed.fire(uri);
  }

  state(uri: vscode.Uri): AnalysisState {
    return this.states.get(uri.toString()) ?? { kind: 'idle' };
  }

  setState(uri: vscode.Uri, state: AnalysisState): void {
    if (state.kind !== 'running') this.partials.delete(uri.toString());
    this.states.set(uri.toString(), state);
    this.changed.fire(uri);
  }

  delete(uri: vscode.Uri): void {
    const key = uri.toString();
    this.partials.delete(key);
    if (!this.results.delete(key) && !this.states.delete(key)) return;
    this.states.delete(key);
    this.changed.fire(uri);
  }
}
