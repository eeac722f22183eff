/** "Analyze Prompt" and "What Comes Next?": the editor commands over the analyzer and the store. */
import * as vscode from 'vscode';
import { resolvePosition } from './documentPosition';
import { UserError } from './userError';
import { withCancellableProgress } from './cancellableProgress';
import type { Analysis, Reading } from '../core/analysis';
import { bar, formatBits, formatProbability } from '../core/format';
import { distributionAt } from '../core/tokenLookup';
import { escapeIcons, visibleText } from '../core/visibleText';
import type { AnalysisStore } from './analysisStore';
import { Disposable } from './disposable';
import type { DocumentAnalyzer } from './documentAnalyzer';
import type { HeatmapController } from './heatmapController';
import type { PanelRequests } from './panelRequests';

/** The distribution What Comes Next? showed: where, and after which token. */
export interface ShownDistribution {
  readonly uri: string;
  readonly offset: number;
  /** The index of the token the distribution follows (-1: the start of the text). */
  readonly afterIndex: number;
  readonly top: ReadonlyArray<{ readonly id: number; readonly p: number }>;
}

export class PromptCommands extends Disposable {
  private readonly shown = this.register(new vscode.EventEmitter<ShownDistribution>());
  /** Fires when What Comes Next? lists a distribution. */
  readonly onDidShowDistribution = this.shown.event;

  /** @param targets the document a command acts on: the active editor's, else the focused panel's. */
  constructor(
    private readonly analyzer: DocumentAnalyzer,
    private readonly store: AnalysisStore,
    private readonly heatmap: HeatmapController,
    private readonly targets: Pick<PanelRequests, 'targetDocument'>,
  ) {
    super();
  }

  /** Analyse `doc` (default: the target document) with a cancellable progress notification. */
  async analyzePrompt(doc = this.targetDocument()): Promise<Analysis | undefined> {
    if (!this.heatmap.isVisible) this.heatmap.toggle();
    return this.analyzeWithProgress(doc);
  }

  /**
   * Show the model's next-token distribution at `at` (a hover's link names the
   * hovered token; default: the cursor, in the focused panel's document when no
   * editor is active); picking one inserts it there.
   */
  async whatComesNext(at?: unknown): Promise<void> {
    const { document: doc, offset } = await resolvePosition(at, this.targets.targetDocument());
    let analysis = this.store.current(doc) ?? (await this.analyzeWithProgress(doc));
    if (analysis === undefined) return;
    // An analysis of surprisal only has no distributions inside the text (the one after it is whole): compute them.
    if (analysis.route.reading !== 'all' && distributionAt(analysis, offset) === undefined) analysis = await this.analyzeWithProgress(doc, 'all');
    if (analysis === undefined) return;
    const version = doc.version;
    const found = distributionAt(analysis, offset);
    if (found === undefined) {
      void vscode.window.showInformationMessage('ICL Lens: the model gives no distribution here (nothing precedes the cursor).');
      return;
    }
    const after = found.afterIndex >= 0 ? analysis.tokens[found.afterIndex] : undefined;
    const items = found.distribution.top.map((a) => ({
      label: escapeIcons(visibleText(a.text)),
      description: `p ${formatProbability(a.p)}  ${bar(a.p)}`,
      detail: `token ${a.id} · ${formatBits(-Math.log2(a.p))} surprisal`,
      text: a.text,
    }));
    this.shown.fire({ uri: doc.uri.toString(), offset, afterIndex: found.afterIndex, top: found.distribution.top.map(({ id, p }) => ({ id, p })) });
    const choice = await vscode.window.showQuickPick(items, {
      // A plain-text title: token text and the model's name (from its file) are shown literally, icons escaped.
      title: escapeIcons(`What comes next${after ? ` after "${visibleText(after.text)}"` : ''} — entropy ${formatBits(found.distribution.entropy)} (${analysis.model.name})`),
      placeHolder: at === undefined ? 'Pick a token to insert it at the cursor' : 'Pick a token to insert it there',
    });
    if (!choice) return;
    // Inserted where the distribution was read, into the text it describes.
    if (doc.version !== version) throw new UserError('The document changed while the list was open; nothing was inserted.');
    await insertText(doc, offset, choice.text);
  }

  private targetDocument(): vscode.TextDocument {
    const doc = this.targets.targetDocument();
    if (!doc) throw new UserError('Open a prompt file first.');
    return doc;
  }

  private analyzeWithProgress(doc: vscode.TextDocument, needs?: Reading): Promise<Analysis | undefined> {
    return withCancellableProgress('ICL Lens', (signal, report) =>
      this.analyzer.analyzeNow(doc, { signal, needs, onProgress: (done, total, phase) => report(done, total, phase) }));
  }
}

/** Insert `text` at `offset` of `doc` as one undoable edit (through its editor when one is active, so the cursor follows). */
export async function insertText(doc: vscode.TextDocument, offset: number, text: string): Promise<boolean> {
  const editor = vscode.window.activeTextEditor;
  const at = doc.positionAt(offset);
  if (editor?.document === doc) return editor.edit((e) => e.insert(at, text));
  const edit = new vscode.WorkspaceEdit();
  edit.insert(doc.uri, at, text);
  return vscode.workspace.applyEdit(edit);
}
