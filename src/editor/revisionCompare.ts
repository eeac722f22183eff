/**
 * ICL Lens: Compare With Previous Version. Compares the open prompt with the
 * file at a git revision (HEAD by default, or one the user types) or with
 * another file: both texts are analysed by the same model, each current token
 * is matched to the old token at the same place (core/compare), and the Δ of
 * the heatmap's metric is painted on a diverging scale (red: more surprising or
 * uncertain now, blue: less; new tokens underlined). While a comparison is
 * shown the heatmap's colours step aside; an edit, Clear Comparison or Toggle
 * Heatmap ends it. git runs only in trusted workspaces.
 */
import * as vscode from 'vscode';
import type { Analysis } from '../core/analysis';
import { checkInput, describeInputProblem } from '../core/inputCheck';
import { comparisonRanges, deltaColorId, type DeltaDirection, type DeltaRange } from '../core/compare/deltaScale';
import { revisionHoverMarkdown } from '../core/compare/revisionHover';
import { compareRevisions, type RevisionComparison } from '../core/compare/revisions';
import { tokenAt } from '../core/tokenLookup';
import { analyzeDocument } from '../model/analyzeDocument';
import { gitShowFile, RevisionError } from '../model/gitRevision';
import type { ModelRuntime } from '../model/runtimeClient';
import type { AnalysisStore } from './analysisStore';
import { withCancellableProgress } from './cancellableProgress';
import { Disposable } from './disposable';
import type { DocumentAnalyzer } from './documentAnalyzer';
import type { FewShotRunner } from './fewShotRunner';
import type { HeatmapController } from './heatmapController';
import type { PanelRequests } from './panelRequests';
import type { SettingsService } from './settingsService';
import { UserError } from './userError';

/** What to compare with: the file at a git revision, or another file. */
export type CompareTarget = { readonly revision: string } | { readonly file: string };

/** A comparison of a document's version with an older text. */
export interface ShownComparison {
  readonly version: number;
  /** What the old text is, e.g. `HEAD:prompt.txt` or a file's workspace-relative path. */
  readonly label: string;
  readonly current: Analysis;
  readonly old: Analysis;
  readonly comparison: RevisionComparison;
}

/** What was last painted for a document (the integration tests read it through their seam). */
export interface PaintedComparison {
  readonly version: number;
  readonly label: string;
  readonly metric: 'entropy' | 'surprisal';
  readonly deltas: readonly DeltaRange[];
  readonly added: ReadonlyArray<{ readonly start: number; readonly end: number }>;
}

const DIRECTIONS: readonly DeltaDirection[] = ['more', 'less'];
const STEPS = [1, 2, 3];

export class RevisionCompareController extends Disposable {
  private readonly shown = new Map<string, ShownComparison>();
  private readonly painted = new Map<string, PaintedComparison>();
  private readonly deltaTypes = new Map<string, vscode.TextEditorDecorationType>();
  private readonly newType: vscode.TextEditorDecorationType;
  /** Whether the comparison hid the heatmap (and shows it again when it ends). */
  private hidHeatmap = false;

  constructor(
    private readonly runtime: ModelRuntime,
    private readonly analyzer: DocumentAnalyzer,
    private readonly store: AnalysisStore,
    private readonly settings: SettingsService,
    private readonly heatmap: HeatmapController,
    private readonly targets: Pick<PanelRequests, 'targetDocument'>,
    /** Sweeps the old text too when both texts are few-shot prompts (the panel draws the curves before and after). */
    private readonly sweeps?: Pick<FewShotRunner, 'sweepAgainst' | 'clearBefore'>,
  ) {
    super();
    for (const direction of DIRECTIONS) {
      for (const step of STEPS) {
        this.deltaTypes.set(`${direction}${step}`, vscode.window.createTextEditorDecorationType({
          backgroundColor: new vscode.ThemeColor(deltaColorId(direction, step)),
          borderRadius: '2px',
          rangeBehavior: vscode.DecorationRangeBehavior.ClosedClosed,
        }));
      }
    }
    this.newType = vscode.window.createTextEditorDecorationType({
      borderStyle: 'none none dashed none', borderWidth: '0 0 2px 0', borderColor: new vscode.ThemeColor('editorInfo.foreground'),
      rangeBehavior: vscode.DecorationRangeBehavior.ClosedClosed,
    });
    this.register(vscode.workspace.onDidChangeTextDocument((e) => {
      if (e.contentChanges.length > 0 && this.shown.has(e.document.uri.toString())) this.clear(e.document.uri);
    }));
    this.register(vscode.workspace.onDidCloseTextDocument((doc) => this.clear(doc.uri)));
    this.register(vscode.window.onDidChangeVisibleTextEditors(() => this.renderAll()));
    this.register(settings.onDidChange(() => this.renderAll()));
    // The user shows the heatmap again: the comparison's colours give way.
    this.register(heatmap.onDidToggle((visible) => {
      if (!visible) return;
      this.hidHeatmap = false;
      for (const key of [...this.shown.keys()]) this.clear(vscode.Uri.parse(key));
    }));
  }

  override dispose(): void {
    this.deltaTypes.forEach((t) => t.dispose());
    this.newType.dispose();
    super.dispose();
  }

  /** The comparison shown for `doc`'s current version, if any. */
  comparisonFor(doc: vscode.TextDocument): ShownComparison | undefined {
    const shown = this.shown.get(doc.uri.toString());
    return shown && shown.version === doc.version ? shown : undefined;
  }

  /** What was last painted for `uri`, if anything. */
  paintedFor(uri: vscode.Uri): PaintedComparison | undefined {
    return this.painted.get(uri.toString());
  }

  /**
   * Compare the target document with `target` (a command argument
   * `{revision}` or `{file}`); without one, ask: HEAD, another revision, or a file.
   */
  async compare(target?: unknown): Promise<ShownComparison | undefined> {
    const doc = this.targets.targetDocument();
    if (!doc) throw new UserError('Open a prompt file first.');
    const chosen = isCompareTarget(target) ? target : await this.pick(doc);
    if (!chosen) return undefined;
    const { text, label } = await this.oldText(doc, chosen);
    const version = doc.version;
    const result = await withCancellableProgress(`ICL Lens: comparing with ${label}`, async (signal) => {
      const current = this.store.current(doc) ?? (await this.analyzer.analyzeNow(doc, { signal }));
      if (current === undefined) return undefined;
      const old = await analyzeDocument(this.runtime, text, this.settings.value.hoverTopK, { signal });
      return { current, old };
    });
    if (!result) return undefined;
    if (doc.version !== version) throw new UserError('The document changed while it was being compared; run the comparison again.');
    if (result.current.model.path !== result.old.model.path) throw new UserError('The model changed while comparing; run the comparison again.');
    const shown: ShownComparison = { version, label, ...result, comparison: compareRevisions(result.current, result.old) };
    this.shown.set(doc.uri.toString(), shown);
    if (this.heatmap.isVisible) {
      this.hidHeatmap = true;
      this.heatmap.toggle();
    }
    this.renderAll();
    const c = shown.comparison;
    void vscode.window.showInformationMessage(
      `ICL Lens: compared with ${label}: ${c.matched} tokens matched, ${c.added} new. Red: more surprising now, blue: less; new tokens are underlined.`,
      'Clear Comparison',
    ).then((choice) => { if (choice) this.clear(doc.uri); });
    // A few-shot prompt: the old text's sweep too, for the panel's curves before and after (progress and cancel as a sweep's).
    await this.sweeps?.sweepAgainst(doc, { text, label });
    return shown;
  }

  /** End the comparison of `uri` (default: the target document's), and bring the heatmap back if it hid it. */
  clear(uri = this.targets.targetDocument()?.uri): void {
    if (!uri) return;
    const key = uri.toString();
    this.shown.delete(key);
    this.painted.delete(key);
    this.sweeps?.clearBefore(uri);
    for (const editor of vscode.window.visibleTextEditors) {
      if (editor.document.uri.toString() !== key) continue;
      this.deltaTypes.forEach((t) => editor.setDecorations(t, []));
      editor.setDecorations(this.newType, []);
    }
    if (this.shown.size === 0 && this.hidHeatmap && !this.heatmap.isVisible) {
      this.hidHeatmap = false;
      this.heatmap.toggle();
    }
  }

  /** Ask what to compare with. Untrusted workspaces and untitled documents offer only a file. */
  private async pick(doc: vscode.TextDocument): Promise<CompareTarget | undefined> {
    type Item = vscode.QuickPickItem & { readonly choice: 'head' | 'revision' | 'file' };
    const git = vscode.workspace.isTrusted && doc.uri.scheme === 'file';
    const items: Item[] = [
      ...(git ? [
        { label: 'HEAD', description: 'the last commit', detail: 'git show HEAD:<this file>', choice: 'head' as const },
        { label: 'Another revision…', description: 'HEAD~1, a branch, a tag or a commit', choice: 'revision' as const },
      ] : []),
      { label: 'A file…', description: 'another prompt file', choice: 'file' as const },
    ];
    const picked = await vscode.window.showQuickPick(items, {
      title: 'ICL Lens: compare with…',
      placeHolder: git ? 'The previous version of this prompt' : vscode.workspace.isTrusted ? 'This document has no file in git: pick a file' : 'git runs only in trusted workspaces: pick a file',
    });
    if (!picked) return undefined;
    if (picked.choice === 'head') return { revision: 'HEAD' };
    if (picked.choice === 'revision') {
      const revision = await vscode.window.showInputBox({ title: 'ICL Lens: compare with revision', value: 'HEAD~1', prompt: 'A git revision of this file' });
      return revision ? { revision: revision.trim() } : undefined;
    }
    const files = await vscode.window.showOpenDialog({ canSelectMany: false, openLabel: 'Compare', title: 'ICL Lens: compare with file' });
    return files?.[0] ? { file: files[0].fsPath } : undefined;
  }

  /** The old text and its label; problems are one line for the user. */
  private async oldText(doc: vscode.TextDocument, target: CompareTarget): Promise<{ text: string; label: string }> {
    let bytes: Uint8Array;
    let label: string;
    if ('file' in target) {
      const uri = vscode.Uri.file(target.file);
      label = vscode.workspace.asRelativePath(uri);
      try {
        bytes = await vscode.workspace.fs.readFile(uri);
      } catch (err) {
        throw new UserError(`Cannot read ${label}: ${(err as Error).message}`);
      }
    } else {
      if (!vscode.workspace.isTrusted) throw new UserError('git runs only in trusted workspaces: trust this folder, or compare with a file.');
      if (doc.uri.scheme !== 'file') throw new UserError('This document is not a file on disk, so git has no earlier version of it: compare with a file.');
      label = `${target.revision}:${vscode.workspace.asRelativePath(doc.uri)}`;
      try {
        bytes = await gitShowFile(doc.uri.fsPath, target.revision, { maxBytes: this.settings.value.maxFileBytes });
      } catch (err) {
        if (err instanceof RevisionError) throw new UserError(err.message);
        throw err;
      }
    }
    if (bytes.includes(0)) throw new UserError(`${label}: ${describeInputProblem({ kind: 'binary' })}`);
    const text = new TextDecoder().decode(bytes).replace(/^\uFEFF/, '');
    const problem = checkInput(text, this.settings.value.maxFileBytes);
    if (problem) throw new UserError(`${label}: ${describeInputProblem(problem, 'setting iclLens.analysis.maxFileBytes')}`);
    return { text, label };
  }

  private renderAll(): void {
    for (const editor of vscode.window.visibleTextEditors) this.renderEditor(editor);
  }

  private renderEditor(editor: vscode.TextEditor): void {
    const doc = editor.document;
    const shown = this.comparisonFor(doc);
    if (!shown) return;
    const metric = this.settings.value.metric;
    const ranges = comparisonRanges(shown.current.tokens, shown.comparison, metric);
    const range = (r: { start: number; end: number }) => new vscode.Range(doc.positionAt(r.start), doc.positionAt(r.end));
    for (const [key, type] of this.deltaTypes) editor.setDecorations(type, ranges.deltas.filter((r) => `${r.direction}${r.step}` === key).map(range));
    editor.setDecorations(this.newType, ranges.added.map(range));
    this.painted.set(doc.uri.toString(), { version: doc.version, label: shown.label, metric, deltas: ranges.deltas, added: ranges.added });
  }
}

function isCompareTarget(x: unknown): x is CompareTarget {
  if (typeof x !== 'object' || x === null) return false;
  const t = x as Record<string, unknown>;
  return typeof t.revision === 'string' || typeof t.file === 'string';
}

/** The hover's comparison part over a compared token: old and new numbers, or that it is new. */
export class RevisionHoverProvider implements vscode.HoverProvider {
  constructor(private readonly revisions: Pick<RevisionCompareController, 'comparisonFor'>) {}

  provideHover(doc: vscode.TextDocument, position: vscode.Position): vscode.Hover | undefined {
    const shown = this.revisions.comparisonFor(doc);
    if (!shown) return undefined;
    const token = tokenAt(shown.current.tokens, doc.offsetAt(position));
    if (!token) return undefined;
    const delta = shown.comparison.deltas[token.index];
    const old = delta.oldIndex === null ? undefined : shown.old.tokens[delta.oldIndex];
    return new vscode.Hover(new vscode.MarkdownString(revisionHoverMarkdown(token, old, delta, shown.label)), new vscode.Range(doc.positionAt(token.start), doc.positionAt(token.end)));
  }
}
