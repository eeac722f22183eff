/**
 * Decides when documents are analysed and applies the results: debounced per
 * document, the newest request aborts the previous one, and a result is stored
 * only if the document still has the version that was analysed. A chat file
 * goes through its chat template (model/analyzeChat.ts) with the template
 * setting; one with errors is not sent to the model, and a model without a
 * template gets the choice of one (ChatTemplateChooser).
 */
import * as vscode from 'vscode';
import { readingFor, type Analysis, type ModelInfo, type Reading, type TokenStat } from '../core/analysis';
import { isChatSourceAnalysis } from '../core/chat/renderedView';
import { checkInput, describeInputProblem } from '../core/inputCheck';
import type { Logger } from '../core/logger';
import { analyzeChatDocument, isNoChatTemplateError } from '../model/analyzeChat';
import { analyzeDocument } from '../model/analyzeDocument';
import type { ModelRuntime, ProgressListener } from '../model/runtimeClient';
import type { TextRange } from '../model/runtimeProtocol';
import { isCancellation, RuntimeError } from '../model/runtimeError';
import type { AnalysisStore } from './analysisStore';
import { chatErrors, describeChatErrors, type ChatDocuments } from './chatDocuments';
import type { ChatTemplateChooser } from './chatTemplateChooser';
import { isRenderedPromptUri, sourceUriOf } from './renderedPromptUri';
import { Disposable } from './disposable';
import type { FailureNotifier } from './failureNotifier';
import { LatestWins } from './latestWins';
import { isPromptFile } from './promptFiles';
import type { ModelService } from './modelService';
import type { SettingsService } from './settingsService';
import { UserError } from './userError';

/** How chat files are read and what happens when the model has no template. */
export interface ChatRoute {
  readonly chats: Pick<ChatDocuments, 'parse'>;
  readonly noTemplate: Pick<ChatTemplateChooser, 'offer'>;
}

export class DocumentAnalyzer extends Disposable {
  private readonly runs = this.register(new LatestWins());
  private readonly tracked = new Set<string>();

  constructor(
    private readonly runtime: ModelRuntime,
    private readonly store: AnalysisStore,
    private readonly settings: SettingsService,
    private readonly models: ModelService,
    private readonly log: Logger,
    private readonly failures: Pick<FailureNotifier, 'reportOnce'>,
    private readonly chat: ChatRoute,
  ) {
    super();
    this.register(vscode.workspace.onDidChangeTextDocument((e) => {
      if (e.contentChanges.length > 0 && this.isTracked(e.document)) this.schedule(e.document);
    }));
    this.register(vscode.workspace.onDidCloseTextDocument((doc) => this.forget(doc.uri)));
    this.register(vscode.window.onDidChangeVisibleTextEditors((editors) => editors.forEach((e) => this.autoAnalyze(e.document))));
    this.register(models.onDidChangeModel(() => this.reanalyzeTracked()));
    let topK = settings.value.hoverTopK;
    let template = settings.value.chatTemplate;
    let metric = settings.value.metric;
    this.register(settings.onDidChange((s) => {
      if (s.hoverTopK !== topK) {
        topK = s.hoverTopK;
        this.reanalyzeTracked();
      } else if (s.chatTemplate !== template) {
        this.reanalyzeTracked((doc) => this.chat.chats.parse(doc) !== null);
      } else if (s.metric !== metric && readingFor(s.metric) === 'all') {
        // Entropy where the analysis read surprisal only (the exact-map route): analyse again in full.
        this.reanalyzeTracked((doc) => this.store.current(doc)?.route.reading === 'surprisal');
      }
      template = s.chatTemplate;
      metric = s.metric;
      vscode.window.visibleTextEditors.forEach((e) => this.autoAnalyze(e.document));
    }));
    vscode.window.visibleTextEditors.forEach((e) => this.autoAnalyze(e.document));
  }

  isTracked(doc: vscode.TextDocument): boolean {
    return this.tracked.has(doc.uri.toString());
  }

  /**
   * Analyse `doc` now (cancelling any pending run) and keep it analysed as it
   * changes. The rendered prompt of a chat file is its chat file's analysis:
   * that file is analysed, and the analysis of its rendered text returned.
   */
  async analyzeNow(doc: vscode.TextDocument, options: { signal?: AbortSignal; onProgress?: ProgressListener; needs?: Reading } = {}): Promise<Analysis | undefined> {
    if (isRenderedPromptUri(doc.uri)) {
      const source = await vscode.workspace.openTextDocument(sourceUriOf(doc.uri));
      const analysis = await this.analyzeNow(source, options);
      return analysis && isChatSourceAnalysis(analysis) ? analysis.rendered : undefined;
    }
    this.tracked.add(doc.uri.toString());
    // The caller shows failures itself (the command wrapper).
    return this.run(doc, { ...options, reportFailures: false });
  }

  /** Re-analyse after the debounce delay; the latest call wins. */
  schedule(doc: vscode.TextDocument): void {
    // Failures are reported inside run(); a scheduled run has no caller to rethrow to.
    this.runs.schedule(doc.uri.toString(), this.settings.value.debounceMs, () => { this.run(doc, { reportFailures: true }).catch(() => undefined); });
  }

  /** Analyse `uri` again after the debounce delay, if it is open. */
  reanalyze(uri: vscode.Uri): void {
    const doc = vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri.toString());
    if (doc) {
      this.tracked.add(doc.uri.toString());
      this.schedule(doc);
    }
  }

  private autoAnalyze(doc: vscode.TextDocument): void {
    if (this.isTracked(doc) || !vscode.workspace.isTrusted || doc.uri.scheme === 'output' || isRenderedPromptUri(doc.uri)) return;
    if (!isPromptFile(doc, this.settings.value.autoAnalyze)) return;
    this.tracked.add(doc.uri.toString());
    this.schedule(doc);
  }

  private reanalyzeTracked(which: (doc: vscode.TextDocument) => boolean = () => true): void {
    for (const doc of vscode.workspace.textDocuments) if (this.isTracked(doc) && which(doc)) this.schedule(doc);
  }

  private forget(uri: vscode.Uri): void {
    this.runs.forget(uri.toString());
    this.tracked.delete(uri.toString());
  }

  /** `options.needs`: what to compute (default: what the heatmap metric needs). */
  private async run(doc: vscode.TextDocument, options: { signal?: AbortSignal; onProgress?: ProgressListener; reportFailures: boolean; needs?: Reading }): Promise<Analysis | undefined> {
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
    const chat = this.chat.chats.parse(doc);
    const errors = chat ? chatErrors(chat) : [];
    if (errors.length > 0) {
      // Nothing goes to the model; the diagnostics show where, the status bar says so, the last heatmap stays.
      const message = describeChatErrors(doc, errors);
      this.store.setState(doc.uri, { kind: 'error', message, label: 'chat file has errors' });
      options.signal?.removeEventListener('abort', onAbort);
      this.runs.end(key, controller);
      // A command shows it; while the user types, the diagnostics and the status bar are enough.
      if (!options.reportFailures) throw new UserError(message);
      return undefined;
    }
    this.store.setState(doc.uri, { kind: 'running', fraction: 0, phase: 'starting' });
    const started = Date.now();
    const { hoverTopK, chatTemplate, metric } = this.settings.value;
    const modelLabel = this.models.label;
    try {
      const request = {
        signal: controller.signal,
        onProgress: (done: number, total: number, phase: string) => {
          this.store.setState(doc.uri, { kind: 'running', fraction: total > 0 ? done / total : 0, phase });
          options.onProgress?.(done, total, phase);
        },
      };
      // A chat's analysis comes whole (its tokens land on the file only once mapped back).
      const analysis = chat
        ? await analyzeChatDocument(this.runtime, text, chat, chatTemplate, hoverTopK, request)
        : await analyzeDocument(this.runtime, text, hoverTopK, {
          ...request,
          // What is on screen first: a long document's visible windows are analysed and painted before the rest.
          priority: visibleRanges(doc),
          onPartial: (tokens: readonly TokenStat[], model: ModelInfo, from: number) => {
            if (!doc.isClosed && doc.version === version && this.runs.isCurrent(key, controller)) this.store.setPartial(doc.uri, version, tokens, model, from);
          },
        }, options.needs ?? readingFor(metric));
      if (doc.isClosed || doc.version !== version) {
        this.log.debug(`dropped analysis of ${doc.uri.fsPath} v${version}: the document is at v${doc.version}`);
        // A newer run is scheduled for the new version; until it starts, nothing is running.
        if (!doc.isClosed && this.runs.isCurrent(key, controller)) this.store.setState(doc.uri, { kind: 'idle' });
        return undefined;
      }
      this.log.info(`analysed ${doc.uri.fsPath}: ${analysis.tokens.length} tokens, ${analysis.route.tokensEvaluated} evaluated, ${Date.now() - started} ms (${analysis.route.scorer}, ${analysis.route.reading})`);
      this.store.set(doc.uri, version, analysis);
      return analysis;
    } catch (err) {
      if (isCancellation(err)) {
        // A newer run replaced this one, or the user cancelled: not an error.
        if (this.runs.isCurrent(key, controller) && !doc.isClosed) this.store.setState(doc.uri, { kind: 'idle' });
        throw err;
      }
      if (chat && isNoChatTemplateError(err) && !doc.isClosed && this.runs.isCurrent(key, controller)) {
        // Not a failure to report: the user chooses a template, which analyses the file again.
        this.log.info(`${doc.uri.fsPath}: ${(err as Error).message}`);
        this.store.setState(doc.uri, { kind: 'error', message: (err as Error).message, label: 'no chat template' });
        this.chat.noTemplate.offer(doc.uri, modelLabel, !options.reportFailures);
        return undefined;
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

/**
 * The ranges of `doc` its editors show now, as offsets. Taken when an analysis
 * starts: scrolling while it runs does not reorder it (the next edit's analysis
 * takes the new ranges).
 */
function visibleRanges(doc: vscode.TextDocument): TextRange[] {
  return vscode.window.visibleTextEditors
    .filter((e) => e.document === doc)
    .flatMap((e) => e.visibleRanges.map((r) => ({ start: doc.offsetAt(r.start), end: doc.offsetAt(r.end) })));
}
