/**
 * "ICL Lens: Compare With Model…": the open prompt under the model in use (A)
 * and a second model (B), chosen as Select Model chooses (its picker and its
 * checks). Each token is painted by how far the two next-token distributions
 * are apart (KL(A ‖ B) where the vocabularies agree, else |Δ surprisal| of the
 * aligned span, src/core/compare); the comparison hover shows both models side
 * by side. The heatmap steps aside while a comparison is shown; an edit, a
 * close or "Clear Model Comparison" ends the painting. B stays the document's
 * comparison model (`partnerOf`: the panel sweeps under it too, comparedSweeps.ts)
 * until "Clear Model Comparison" or a close.
 *
 * Memory: A's part runs in the heatmap's runtime, where A is loaded already.
 * B gets a runtime of its own, disposed when it is done; when B's file does not
 * clearly fit in free memory beside A (compareModels.ts, `memoryPlan`), A's
 * worker is stopped first and the heatmap reloads it on the next analysis.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { ModelComparison } from '../core/compare/modelsComparison';
import { comparisonHover } from '../core/compare/modelsHover';
import { HEATMAP_LEVELS, levelOf } from '../core/heatmapScale';
import { levelColorId } from '../core/heatmapPalette';
import type { Logger } from '../core/logger';
import { compareModels } from '../model/compareModels';
import type { ModelRuntime, RuntimeClient } from '../model/runtimeClient';
import { isCancellation, RuntimeError } from '../model/runtimeError';
import { isRemoteSource } from '../model/worker/modelCache';
import { checkModelFile } from '../model/worker/modelFile';
import type { LoadSpec } from '../model/runtimeProtocol';
import { withCancellableProgress } from './cancellableProgress';
import { Disposable } from './disposable';
import type { HeatmapController } from './heatmapController';
import { openModelB } from './modelBRuntime';
import type { PanelRequests } from './panelRequests';
import type { ModelPicker } from './modelPicker';
import type { ModelService } from './modelService';
import type { SettingsService } from './settingsService';

/** What `iclLens.compareWithModel` may be given instead of asking: the second model's source ('' for the built-in model). */
export interface CompareRequest {
  readonly source?: string;
}

/** What the comparison painted in a document, for the integration tests' seam. */
export interface PaintedComparison {
  readonly version: number;
  readonly mode: ModelComparison['mode'];
  readonly ranges: ReadonlyArray<{ readonly start: number; readonly end: number; readonly level: number; readonly bits: number }>;
  readonly summary: ModelComparison['summary'];
  readonly memory: string;
}

/** A document's model B: how it loads and its name. */
export interface ComparisonPartner {
  readonly spec: LoadSpec;
  readonly name: string;
}

export class ModelComparer extends Disposable {
  private readonly comparisons = new Map<string, { readonly version: number; readonly comparison: ModelComparison }>();
  private readonly partners = new Map<string, ComparisonPartner>();
  private readonly partnerChanged = this.register(new vscode.EventEmitter<vscode.Uri>());
  /** Fires when a document gets a model B, another one, or none any more. */
  readonly onDidChangePartner = this.partnerChanged.event;
  private readonly types: vscode.TextEditorDecorationType[] = [];
  private hidHeatmap = false;
  private running?: AbortController;

  constructor(
    private readonly runtime: ModelRuntime,
    private readonly models: ModelService,
    private readonly picker: Pick<ModelPicker, 'askSource'>,
    private readonly heatmap: Pick<HeatmapController, 'isVisible' | 'toggle'>,
    private readonly settings: SettingsService,
    private readonly workerPath: string,
    private readonly log: Logger,
    /** The document a command acts on: the active editor's, else the focused panel's. */
    private readonly targets: Pick<PanelRequests, 'targetDocument'>,
  ) {
    super();
    for (let level = 0; level < HEATMAP_LEVELS; level++) {
      // The heatmap's level colours, with a dotted outline that says "comparison" without colour.
      this.types.push(vscode.window.createTextEditorDecorationType({
        backgroundColor: new vscode.ThemeColor(levelColorId(level)),
        border: '1px dotted',
        borderColor: new vscode.ThemeColor('editorWidget.border'),
      }));
    }
    this.register(vscode.workspace.onDidChangeTextDocument((e) => { if (e.contentChanges.length > 0) this.unpaint(e.document.uri); }));
    this.register(vscode.workspace.onDidCloseTextDocument((d) => this.clear(d.uri)));
    this.register(vscode.window.onDidChangeVisibleTextEditors(() => this.paintAll()));
    this.register(vscode.languages.registerHoverProvider([{ scheme: 'file' }, { scheme: 'untitled' }, { scheme: 'vscode-remote' }], {
      provideHover: (document, position) => this.hover(document, position),
    }));
  }

  override dispose(): void {
    this.running?.abort();
    for (const t of this.types) t.dispose();
    super.dispose();
  }

  /** Choose B (or take `request.source`), compare the active document under A and B, paint and hover the result. */
  async compareWith(request?: CompareRequest): Promise<ModelComparison | undefined> {
    const document = this.targets.targetDocument();
    if (document === undefined) throw new RuntimeError('input', 'Open a prompt to compare it under two models.');
    const source = typeof request?.source === 'string' ? request.source.trim() : await this.picker.askSource(`ICL Lens: Compare With Model (A: ${this.models.label})`);
    if (source === undefined) return undefined;
    const specB = this.models.loadSpecFor(source);
    // The checks Select Model makes before it tries a model: a missing or malformed file is refused at once.
    if (source !== '' && !isRemoteSource(source)) checkModelFile(source);
    const nameB = source === '' ? 'the built-in wind-tunnel model' : path.basename(source);
    this.running?.abort();
    const controller = new AbortController();
    this.running = controller;
    const version = document.version;
    const text = document.getText();
    const comparison = await withCancellableProgress(`Comparing with ${nameB}`, async (signal, report) => {
      let runtimeB: RuntimeClient | undefined;
      try {
        return await compareModels(text, this.runtime, specB.source, async () => {
          const opened = openModelB(this.runtime, specB, this.workerPath, this.log);
          runtimeB = opened.runtime;
          return opened;
        }, { topK: this.settings.value.hoverTopK, signal, onProgress: (done, total, phase) => report(done, total, phase) });
      } catch (err) {
        if (isCancellation(err)) return undefined;
        throw err;
      } finally {
        await runtimeB?.dispose();
      }
    }, controller);
    if (this.running === controller) this.running = undefined;
    if (comparison === undefined || document.isClosed || document.version !== version) return undefined;
    this.comparisons.set(document.uri.toString(), { version, comparison });
    this.partners.set(document.uri.toString(), { spec: specB, name: comparison.b.model.name });
    this.partnerChanged.fire(document.uri);
    if (this.heatmap.isVisible) {
      this.heatmap.toggle();
      this.hidHeatmap = true;
    }
    this.paintAll();
    const s = comparison.summary;
    const headline = comparison.mode === 'kl' && s.kl !== null
      ? `mean KL(A‖B) ${s.kl.klBits.mean.toFixed(3)} bits, same top ${(100 * s.kl.sameTop).toFixed(1)}%, RMS Δp ${(100 * s.kl.deltaP.rms).toFixed(2)}%`
      : `different vocabularies: A ${s.spans.bitsA.toFixed(1)} bits, B ${s.spans.bitsB.toFixed(1)} bits over ${s.spans.scored} aligned spans`;
    void vscode.window.showInformationMessage(`ICL Lens: ${comparison.a.model.name} vs ${comparison.b.model.name}: ${headline}. ${comparison.memory}`, 'Clear Comparison').then((action) => {
      if (action === 'Clear Comparison') this.clear(document.uri);
    });
    return comparison;
  }

  /** `uri`'s model B, from its comparison until it is cleared (edits do not end it). */
  partnerOf(uri: vscode.Uri): ComparisonPartner | undefined {
    return this.partners.get(uri.toString());
  }

  /** End the comparison of `uri` (default: the active editor's, else the focused panel's): its painting and its model B. */
  clear(uri: vscode.Uri | undefined = this.targets.targetDocument()?.uri): void {
    if (uri === undefined) return;
    const hadPartner = this.partners.delete(uri.toString());
    this.unpaint(uri);
    if (hadPartner) this.partnerChanged.fire(uri);
  }

  /** Remove the comparison's colours from `uri`; the heatmap comes back when no comparison is painted. */
  private unpaint(uri: vscode.Uri): void {
    if (!this.comparisons.delete(uri.toString())) return;
    this.paintAll();
    if (this.comparisons.size === 0 && this.hidHeatmap) {
      this.hidHeatmap = false;
      if (!this.heatmap.isVisible) this.heatmap.toggle();
    }
  }

  /** What is painted for `uri`, for the seam. */
  paintedFor(uri: vscode.Uri): PaintedComparison | undefined {
    const entry = this.comparisons.get(uri.toString());
    if (entry === undefined) return undefined;
    const max = this.settings.value.scaleMaxBits;
    const { comparison } = entry;
    return {
      version: entry.version, mode: comparison.mode, summary: comparison.summary, memory: comparison.memory,
      ranges: comparison.cells.filter((c) => c.end > c.start).map((c) => ({ start: c.start, end: c.end, bits: c.bits, level: levelOf(c.bits, max) })),
    };
  }

  private paintAll(): void {
    for (const editor of vscode.window.visibleTextEditors) {
      const painted = this.paintedFor(editor.document.uri);
      const byLevel: vscode.Range[][] = Array.from({ length: HEATMAP_LEVELS }, () => []);
      for (const r of painted?.ranges ?? []) byLevel[r.level].push(new vscode.Range(editor.document.positionAt(r.start), editor.document.positionAt(r.end)));
      this.types.forEach((t, level) => editor.setDecorations(t, byLevel[level]));
    }
  }

  /** Whether `document` shows a comparison now (its hover has both models' numbers, so the heatmap's hover steps aside). */
  shows(document: vscode.TextDocument): boolean {
    return this.comparisons.get(document.uri.toString())?.version === document.version;
  }

  private hover(document: vscode.TextDocument, position: vscode.Position): vscode.Hover | undefined {
    const entry = this.comparisons.get(document.uri.toString());
    if (entry === undefined || entry.version !== document.version) return undefined;
    const markdown = comparisonHover(entry.comparison, document.offsetAt(position));
    return markdown === undefined ? undefined : new vscode.Hover(new vscode.MarkdownString(markdown));
  }
}
