/**
 * ICL Lens: Show Rendered Prompt. The exact text the model receives for a chat
 * file (its messages rendered by the chat template, special tokens as their
 * text) in a read-only virtual document titled with the file's name and the
 * template. The rendered analysis has its own entry in the AnalysisStore,
 * keyed by the view's URI, so the heatmap, the hover, the status bar and the
 * panel treat the view as any analysed document. It follows the chat file: a
 * new analysis replaces its text and colours, and a new template its tab.
 */
import * as vscode from 'vscode';
import type { Analysis } from '../core/analysis';
import type { ChatAnalysis } from '../core/chat/chatTypes';
import { isChatSourceAnalysis, markTemplateTokens } from '../core/chat/renderedView';
import type { AnalysisStore } from './analysisStore';
import { Disposable } from './disposable';
import { isRenderedPromptUri, renderedPromptUri, RENDERED_PROMPT_SCHEME, sourceUriOf } from './renderedPromptUri';
import { UserError } from './userError';

interface RenderedView {
  /** The chat file's URI. */
  readonly source: string;
  /** The chat file's analysis this view shows (undefined for a view restored before its file was analysed). */
  readonly from?: Analysis;
  /** The rendered analysis, template tokens marked. */
  readonly analysis?: ChatAnalysis;
}

/** What the view shows now (the integration tests read it through their seam). */
export interface RenderedViewState {
  readonly uri: string;
  readonly source: string;
  readonly version?: number;
  readonly text?: string;
}

export class RenderedPromptView extends Disposable implements vscode.TextDocumentContentProvider {
  /** Open views by their URI. */
  private readonly views = new Map<string, RenderedView>();
  private readonly changed = this.register(new vscode.EventEmitter<vscode.Uri>());
  readonly onDidChange = this.changed.event;

  /**
   * @param analyze analyses a chat file that has no current analysis (Analyze Prompt's progress and cancel).
   * @param targetDocument the document a command acts on (the active editor's, else the panel's).
   */
  constructor(
    private readonly store: AnalysisStore,
    private readonly analyze: (doc: vscode.TextDocument) => Promise<Analysis | undefined>,
    private readonly targetDocument: () => vscode.TextDocument | undefined,
  ) {
    super();
    this.register(vscode.workspace.registerTextDocumentContentProvider(RENDERED_PROMPT_SCHEME, this));
    this.register(store.onDidChange((uri) => this.follow(uri)));
    this.register(vscode.workspace.onDidOpenTextDocument((doc) => this.storeFor(doc)));
    this.register(vscode.workspace.onDidChangeTextDocument((e) => this.storeFor(e.document)));
    this.register(vscode.workspace.onDidCloseTextDocument((doc) => { if (isRenderedPromptUri(doc.uri)) this.views.delete(doc.uri.toString()); }));
  }

  provideTextDocumentContent(uri: vscode.Uri): string {
    const key = uri.toString();
    if (!this.views.has(key)) {
      // A view VS Code restored: it fills in when its chat file is analysed with the same template.
      this.views.set(key, { source: sourceUriOf(uri).toString() });
      this.follow(sourceUriOf(uri));
    }
    return this.views.get(key)?.analysis?.text ?? '';
  }

  /** What the views show now. */
  get state(): RenderedViewState[] {
    return [...this.views].map(([uri, v]) => ({ uri, source: v.source, version: this.openDocument(uri)?.version, text: v.analysis?.text }));
  }

  /**
   * Open the rendered prompt of `doc` (default: the target document; from a
   * rendered view, its chat file's) beside it, analysing the file first if its
   * analysis is not current. Returns the view's URI, or undefined when there
   * was no analysis (cancelled, or waiting for a template choice).
   */
  async show(doc = this.targetDocument()): Promise<vscode.Uri | undefined> {
    if (!doc) throw new UserError('Open a chat file first.');
    if (isRenderedPromptUri(doc.uri)) doc = await vscode.workspace.openTextDocument(sourceUriOf(doc.uri));
    const analysis = this.store.current(doc) ?? (await this.analyze(doc));
    if (analysis === undefined) return undefined;
    if (!isChatSourceAnalysis(analysis)) {
      throw new UserError(`${doc.uri.path.split('/').pop()} is not a chat file (JSON messages, or system:/user:/assistant: sections): the model reads it as written, so there is no rendered prompt to show.`);
    }
    const uri = renderedPromptUri(doc.uri, analysis.rendered.rendered);
    this.update(uri.toString(), { source: doc.uri.toString(), from: analysis, analysis: markTemplateTokens(analysis.rendered) });
    const view = await vscode.workspace.openTextDocument(uri);
    await vscode.window.showTextDocument(view, { viewColumn: vscode.ViewColumn.Beside, preview: false });
    this.storeFor(view);
    return uri;
  }

  /** A new analysis of a chat file: its views show it (a view of another template gives its tab to the new one). */
  private follow(uri: vscode.Uri): void {
    if (isRenderedPromptUri(uri)) return;
    const source = uri.toString();
    const stored = this.store.latest(uri)?.analysis;
    if (stored === undefined || !isChatSourceAnalysis(stored)) return;
    for (const [key, view] of [...this.views]) {
      if (view.source !== source || view.from === stored) continue;
      const next = renderedPromptUri(uri, stored.rendered.rendered).toString();
      const shown: RenderedView = { source, from: stored, analysis: markTemplateTokens(stored.rendered) };
      if (next === key) this.update(key, shown);
      else if (view.analysis !== undefined) void this.retitle(key, next, shown);
    }
  }

  /** Give `key`'s tabs to the view `next` (the template changed: the title names it). */
  private async retitle(key: string, next: string, shown: RenderedView): Promise<void> {
    this.views.delete(key);
    this.update(next, shown);
    const tabsOf = (uri: string) => vscode.window.tabGroups.all.flatMap((g) => g.tabs).filter((t) => t.input instanceof vscode.TabInputText && t.input.uri.toString() === uri);
    const columns = new Set(tabsOf(key).map((t) => t.group.viewColumn));
    const doc = await vscode.workspace.openTextDocument(vscode.Uri.parse(next, true));
    for (const column of columns) await vscode.window.showTextDocument(doc, { viewColumn: column, preview: false, preserveFocus: true });
    this.storeFor(doc);
    // Opening a tab renews the group's tab objects: look the old ones up again.
    await vscode.window.tabGroups.close(tabsOf(key), true);
  }

  /** Show `view` at `key`: an open document whose text differs is told to reload (then stored as it changes). */
  private update(key: string, view: RenderedView): void {
    this.views.set(key, view);
    const open = this.openDocument(key);
    if (open === undefined) return;
    if (open.getText() === view.analysis?.text) this.storeFor(open);
    else this.changed.fire(open.uri);
  }

  /** The rendered analysis goes into the store for the view's version once the view holds its text. */
  private storeFor(doc: vscode.TextDocument): void {
    if (!isRenderedPromptUri(doc.uri)) return;
    const analysis = this.views.get(doc.uri.toString())?.analysis;
    if (analysis === undefined || doc.getText() !== analysis.text) return;
    const stored = this.store.latest(doc.uri);
    if (stored?.analysis === analysis && stored.version === doc.version) return;
    this.store.set(doc.uri, doc.version, analysis);
  }

  private openDocument(key: string): vscode.TextDocument | undefined {
    return vscode.workspace.textDocuments.find((d) => d.uri.toString() === key);
  }
}
