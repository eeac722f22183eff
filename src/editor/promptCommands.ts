/** "Analyze Prompt" and "What Comes Next?": the editor commands over the analyzer and the store. */
import * as vscode from 'vscode';
import { UserError } from './userError';
import { withCancellableProgress } from './cancellableProgress';
import type { Analysis } from '../core/analysis';
import { bar, formatBits, formatProbability } from '../core/format';
import { distributionAt } from '../core/tokenLookup';
import { escapeIcons, visibleText } from '../core/visibleText';
import type { AnalysisStore } from './analysisStore';
import type { DocumentAnalyzer } from './documentAnalyzer';
import type { HeatmapController } from './heatmapController';
import type { PanelRequests } from './panelRequests';

export class PromptCommands {
  /** @param targets the document a command acts on: the active editor's, else the focused panel's. */
  constructor(
    private readonly analyzer: DocumentAnalyzer,
    private readonly store: AnalysisStore,
    private readonly heatmap: HeatmapController,
    private readonly targets: Pick<PanelRequests, 'targetDocument'>,
  ) {}

  /** Analyse `doc` (default: the target document) with a cancellable progress notification. */
  async analyzePrompt(doc = this.targetDocument()): Promise<Analysis | undefined> {
    if (!this.heatmap.isVisible) this.heatmap.toggle();
    return this.analyzeWithProgress(doc);
  }

  /** Show the model's next-token distribution at the cursor; picking one inserts it. */
  async whatComesNext(): Promise<void> {
    // From the panel: the cursor of the panel's document in the editor beside it.
    const target = this.targets.targetDocument();
    const editor = vscode.window.activeTextEditor ?? vscode.window.visibleTextEditors.find((e) => e.document === target);
    if (!editor) throw new UserError('Open a prompt file first.');
    const doc = editor.document;
    const analysis = this.store.current(doc) ?? (await this.analyzeWithProgress(doc));
    if (analysis === undefined) return;
    const offset = doc.offsetAt(editor.selection.active);
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
    const choice = await vscode.window.showQuickPick(items, {
      // A plain-text title: token text and the model's name (from its file) are shown literally, icons escaped.
      title: escapeIcons(`What comes next${after ? ` after "${visibleText(after.text)}"` : ''} — entropy ${formatBits(found.distribution.entropy)} (${analysis.model.name})`),
      placeHolder: 'Pick a token to insert it at the cursor',
    });
    if (choice) await editor.edit((e) => e.insert(editor.selection.active, choice.text));
  }

  private targetDocument(): vscode.TextDocument {
    const doc = this.targets.targetDocument();
    if (!doc) throw new UserError('Open a prompt file first.');
    return doc;
  }

  private analyzeWithProgress(doc: vscode.TextDocument): Promise<Analysis | undefined> {
    return withCancellableProgress('ICL Lens', (signal, report) =>
      this.analyzer.analyzeNow(doc, { signal, onProgress: (done, total, phase) => report(done, total, phase) }));
  }
}
