/**
 * Analyses per document, keyed by URI and tagged with the document version they
 * describe. Readers ask for a version; a stale result is not returned.
 */
import * as vscode from 'vscode';
import type { Analysis } from '../core/analysis';
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

export class AnalysisStore extends Disposable {
  private readonly results = new Map<string, StoredAnalysis>();
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

  set(uri: vscode.Uri, version: number, analysis: Analysis): void {
    this.results.set(uri.toString(), { version, analysis });
    this.states.set(uri.toString(), { kind: 'idle' });
    this.changed.fire(uri);
  }

  state(uri: vscode.Uri): AnalysisState {
    return this.states.get(uri.toString()) ?? { kind: 'idle' };
  }

  setState(uri: vscode.Uri, state: AnalysisState): void {
    this.states.set(uri.toString(), state);
    this.changed.fire(uri);
  }

  delete(uri: vscode.Uri): void {
    const key = uri.toString();
    if (!this.results.delete(key) && !this.states.delete(key)) return;
    this.states.delete(key);
    this.changed.fire(uri);
  }
}
