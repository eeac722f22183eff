/**
 * Decides when documents are analysed and applies the results: debounced per
 * document, the newest request aborts the previous one, and a result is stored
 * only if the document still has the version that was analysed.
 */
import * as vscode from 'vscode';
import type { Analysis } from '../core/analysis';
import { checkInput, describeInputProblem } from '../core/inputCheck';
import type { Logger } from '../core/logger';
import { analyzeDocument } from '../model/analyzeDocument';
import type { ModelRuntime, ProgressListener } from '../model/runtimeClient';
import { isCancellation, RuntimeError } from '../model/runtimeError';
import type { AnalysisStore } from './analysisStore';
import { Disposable } from './disposable';
import type { FailureNotifier } from './failureNotifier';
import { LatestWins } from './latestWins';
import { isPromptFile } from './promptFiles';
import type { ModelService } from './modelService';
import type { SettingsService } from './settingsService';

export class DocumentAnalyzer extends Disposable {
  private readonly runs = this.register(new LatestWins());
  private readonly tracked = new Set<string>();

  constructor(
    private readonly runtime: ModelRuntime,
    private readonly store: AnalysisStore,
    private readonly settings: SettingsService,
    models: ModelService,
    private readonly log: Logger,
    private readonly failures: Pick<FailureNotifier, 'reportOnce'>,
  ) {
    super();
    this.register(vscode.workspace.onDidChangeTextDocument((e) => {
      if (e.contentChanges.length > 0 && this.isTracked(e.document)) this.schedule(e.document);
    }));
    this.register(vscode.workspace.onDidCloseTextDocument((doc) => this.forget(doc.uri)));
    this.register(vscode.window.onDidChangeVisibleTextEditors((editors) => editors.forEach((e) => this.autoAnalyze(e.document))));
    this.register(models.onDidChangeModel(() => this.reanalyzeTracked()));
    let topK = settings.value.hoverTopK;
    this.register(settings.onDidChange((s) => {
      if (s.hoverTopK !== topK) {
        topK = s.hoverTopK;
        this.reanalyzeTracked();
      }
      vscode.window.visibleTextEditors.forEach((e) => this.autoAnalyze(e.document));
    }));
    vscode.window.visibleTextEditors.forEach((e) => this.autoAnalyze(e.document));
  }

  isTracked(doc: vscode.TextDocument): boolean {
    return this.tracked.has(doc.uri.toString());
  }

  /** Analyse `doc` now (cancelling any pending run) and keep it analysed as it changes. */
  async analyzeNow(doc: vscode.TextDocument, options: { signal?: AbortSignal; onProgress?: ProgressListener } = {}): Promise<Analysis | undefined> {
    this.tracked.add(doc.uri.toString());
    // The caller shows failures itself (the command wrapper).
    return this.run(doc, { ...options, reportFailures: false });
  }

  /** Re-analyse after the debounce delay; the latest call wins. */
  schedule(doc: vscode.TextDocument): void {
    // Failures are reported inside run(); a scheduled run has no caller to rethrow to.
    this.runs.schedule(doc.uri.toString(), this.settings.value.debounceMs, () => { this.run(doc, { reportFailures: true }).catch(() => undefined); });
  }

  private autoAnalyze(doc: vscode.TextDocument): void {
    if (this.isTracked(doc) || !vscode.workspace.isTrusted || doc.uri.scheme === 'output') return;
    if (!isPromptFile(doc, this.settings.value.autoAnalyze)) return;
    this.tracked.add(doc.uri.toString());
    this.schedule(doc);
  }

  private reanalyzeTracked(): void {
    for (const doc of vscode.workspace.textDocuments) if (this.isTracked(doc)) this.schedule(doc);
  }

  private forget(uri: vscode.Uri): void {
    this.runs.forget(uri.toString());
    this.tracked.delete(uri.toString());
  }

  private async run(doc: vscode.TextDocument, options: { signal?: AbortSignal; onProgress?: ProgressListener; reportFailures: boolean }): Promise<Analysis | undefined> {
    const key = doc.uri.toString();
    const controller = this.runs.begin(key);
    const onAbort = () => controller.abort();
    options.signal?.addEventListener('abort', onAbort, { once: true });

    const version = doc.version;
    const text = doc.getText();
    const problem = checkInput(text, this.settings.value.maxFileBytes);
    if (problem) {
      const message = describeInputProblem(problem, 'setting iclLens.analysis.maxFileBytes');
      this.store.setState(doc.uri, { kind: 'error', message });
      const error = new RuntimeError('input', message);
      if (options.reportFailures) this.failures.reportOnce(error);
      throw error;
    }
    this.store.setState(doc.uri, { kind: 'running', fraction: 0, phase: 'starting' });
    const started = Date.now();
    try {
      const analysis = await analyzeDocument(this.runtime, text, this.settings.value.hoverTopK, {
        signal: controller.signal,
        onProgress: (done, total, phase) => {
          this.store.setState(doc.uri, { kind: 'running', fraction: total > 0 ? done / total : 0, phase });
          options.onProgress?.(done, total, phase);
        },
        // The top of a long document colours while the rest is analysed.
        onPartial: (tokens, model) => {
          if (!doc.isClosed && doc.version === version && this.runs.isCurrent(key, controller)) this.store.setPartial(doc.uri, version, tokens, model);
        },
      });
      if (doc.isClosed || doc.version !== version) {
        this.log.debug(`dropped analysis of ${doc.uri.fsPath} v${version}: the document is at v${doc.version}`);
        // A newer run is scheduled for the new version; until it starts, nothing is running.
        if (!doc.isClosed && this.runs.isCurrent(key, controller)) this.store.setState(doc.uri, { kind: 'idle' });
        return undefined;
      }
      this.log.info(`analysed ${doc.uri.fsPath}: ${analysis.tokens.length} tokens, ${analysis.route.tokensEvaluated} evaluated, ${Date.now() - started} ms (${analysis.route.scorer})`);
      this.store.set(doc.uri, version, analysis);
      return analysis;
    } catch (err) {
      if (isCancellation(err)) {
        // A newer run replaced this one, or the user cancelled: not an error.
        if (this.runs.isCurrent(key, controller) && !doc.isClosed) this.store.setState(doc.uri, { kind: 'idle' });
        throw err;
      }
      const error = err instanceof RuntimeError ? err : new RuntimeError('internal', (err as Error).message);
      this.store.setState(doc.uri, { kind: 'error', message: error.message });
      if (options.reportFailures) this.failures.reportOnce(error);
      throw error;
    } finally {
      options.signal?.removeEventListener('abort', onAbort);
      this.runs.end(key, controller);
    }
  }
}
