/**
 * Owns the few-shot state of each document: its parsed structure (with
 * diagnostics for front matter), the last sweep (streamed in as it runs) and the
 * probes run since. Runs are latest-wins per document, cancellable, and re-run
 * (debounced) when a swept document changes. Parsing for diagnostics and
 * CodeLens is debounced too and latest-wins, so typing never waits on it, and
 * a file over the size limit is never parsed.
 */
import * as vscode from 'vscode';
import { parseFewShot } from '../core/fewShot/fewShotParser';
import type { ParseResult } from '../core/fewShot/fewShotStructure';
import { DEFAULT_PROBE_OPTIONS, ProbeInputError, runProbe, type CalibrateReport, type LooReport, type OrderReport, type ProbeName, type RandomLabelsReport } from '../core/fewShot/probes';
import { runSweep, type SweepResult } from '../core/fewShot/sweep';
import { checkInput, describeInputProblem } from '../core/inputCheck';
import type { Logger } from '../core/logger';
import type { ModelRuntime } from '../model/runtimeClient';
import { isCancellation, RuntimeError } from '../model/runtimeError';
import { fewShotView } from './fewShotView';
import type { FewShotView } from '../shared/protocol';
import { Disposable } from './disposable';
import type { ModelService } from './modelService';
import type { SettingsService } from './settingsService';

interface DocState {
  /** The document version the results describe. */
  version: number;
  text: string;
  sweep?: SweepResult;
  loo?: LooReport;
  order?: OrderReport;
  calibration?: CalibrateReport;
  randomLabels?: RandomLabelsReport;
  progress?: { done: number; total: number; phase: string };
  problem?: string;
  controller?: AbortController;
  timer?: NodeJS.Timeout;
}

const PROBE_TITLES: Record<ProbeName, string> = {
  loo: 'Leave-one-out',
  order: 'Order sensitivity',
  calibrate: 'Contextual calibration',
  'random-labels': 'Random labels',
};

export class FewShotController extends Disposable {
  private readonly states = new Map<string, DocState>();
  private readonly parsed = new Map<string, { version: number; result: ParseResult }>();
  /** Debounced parses not yet run, and who waits for them, by document. */
  private readonly pendingParses = new Map<string, { timer: NodeJS.Timeout; waiters: Array<() => void> }>();
  private readonly changed = this.register(new vscode.EventEmitter<vscode.Uri>());
  private readonly parsedEmitter = this.register(new vscode.EventEmitter<vscode.Uri>());
  /** Fires after a debounced parse of a document lands (its structure and diagnostics are current). */
  readonly onDidParse = this.parsedEmitter.event;
  /** The formatClass problem last shown, so a setting change that keeps it does not repeat it. */
  private shownFormatClassProblem?: string;
  private readonly diagnostics = this.register(vscode.languages.createDiagnosticCollection('iclLens.fewShot'));
  /** Fires when a document's few-shot state changes (results, progress, staleness). */
  readonly onDidChange = this.changed.event;

  constructor(
    private readonly runtime: ModelRuntime,
    private readonly models: ModelService,
    private readonly settings: SettingsService,
    private readonly log: Logger,
    private readonly isPrompt: (doc: vscode.TextDocument) => boolean,
  ) {
    super();
    this.register(vscode.workspace.onDidOpenTextDocument((doc) => this.scheduleParse(doc)));
    this.register(vscode.workspace.onDidChangeTextDocument((e) => {
      if (e.contentChanges.length === 0) return;
      this.scheduleParse(e.document);
      this.documentChanged(e.document);
    }));
    this.register(vscode.workspace.onDidCloseTextDocument((doc) => this.forget(doc.uri)));
    this.register(models.onDidChangeModel(() => {
      for (const [key, state] of this.states) {
        state.controller?.abort();
        // The numbers describe the old model: stale until a re-run, and no CodeLens numbers.
        state.version = -1;
        this.changed.fire(vscode.Uri.parse(key));
        const doc = vscode.workspace.textDocuments.find((d) => d.uri.toString() === key);
        if (doc && state.sweep) this.scheduleRerun(doc, state);
      }
    }));
    this.register(settings.onDidChange(() => {
      this.parsed.clear();
      this.reportFormatClassProblem();
      for (const doc of vscode.workspace.textDocuments) this.scheduleParse(doc);
    }));
    this.reportFormatClassProblem();
    // Documents already open at start-up are parsed after the debounce, not while activating.
    for (const doc of vscode.workspace.textDocuments) this.scheduleParse(doc);
  }

  /**
   * The parse of `doc` at its current version (cached), computed now if needed:
   * for commands, which need it at once. A file over the size limit (or binary)
   * is not parsed: the result has no structure and says why.
   */
  parse(doc: vscode.TextDocument): ParseResult {
    const key = doc.uri.toString();
    const cached = this.parsed.get(key);
    if (cached?.version === doc.version) return cached.result;
    const text = doc.getText();
    const problem = checkInput(text, this.settings.value.maxFileBytes);
    const f = this.settings.value.fewShot;
    const result: ParseResult = problem
      ? { structure: null, diagnostics: [{ offset: 0, length: 0, message: describeInputProblem(problem), severity: 'warning' }], bodyStart: 0, frontMatterDiagnostics: [] }
      : parseFewShot(text, { contentFree: f.contentFreeInput, formatClass: f.formatClass || undefined, lengthNormalize: f.lengthNormalize });
    this.parsed.set(key, { version: doc.version, result });
    return result;
  }

  /** The cached parse of `doc` if it describes the current text, without parsing. */
  parsedNow(doc: vscode.TextDocument): ParseResult | undefined {
    const cached = this.parsed.get(doc.uri.toString());
    return cached?.version === doc.version ? cached.result : undefined;
  }

  /**
   * The parse of `doc` once the debounced parse has run (at once when the cache
   * is current); undefined when the document closed or changed again meanwhile.
   */
  whenParsed(doc: vscode.TextDocument): Promise<ParseResult | undefined> {
    const now = this.parsedNow(doc);
    if (now) return Promise.resolve(now);
    const key = doc.uri.toString();
    if (!this.pendingParses.has(key)) this.scheduleParse(doc, true);
    const pending = this.pendingParses.get(key);
    if (!pending) return Promise.resolve(undefined);
    return new Promise((resolve) => pending.waiters.push(() => resolve(doc.isClosed ? undefined : this.parsedNow(doc))));
  }

  /** The sweep of `doc`, if one ran (possibly stale or partial). */
  result(uri: vscode.Uri): SweepResult | undefined {
    return this.states.get(uri.toString())?.sweep;
  }

  /** Whether `doc`'s results describe its current text. */
  isCurrent(doc: vscode.TextDocument): boolean {
    return this.states.get(doc.uri.toString())?.version === doc.version;
  }

  /** Everything known about `doc` for export: the sweep and the probes run since. */
  exportable(uri: vscode.Uri): { sweep: SweepResult; probes: { loo?: LooReport; order?: OrderReport; calibrate?: CalibrateReport; randomLabels?: RandomLabelsReport } } | undefined {
    const state = this.states.get(uri.toString());
    if (!state?.sweep) return undefined;
    return { sweep: state.sweep, probes: { loo: state.loo, order: state.order, calibrate: state.calibration, randomLabels: state.randomLabels } };
  }

  /** The panel's view of `doc`'s results, if any. */
  view(doc: vscode.TextDocument | undefined): FewShotView | undefined {
    const state = doc && this.states.get(doc.uri.toString());
    if (!doc || !state) return undefined;
    const document = vscode.workspace.asRelativePath(doc.uri);
    const stale = state.version !== doc.version;
    if (!state.sweep) {
      return {
        document, uri: doc.uri.toString(), model: '', complete: false, stale, target: null, candidates: [], lengthNormalized: false, reference: null,
        toleranceBits: this.settings.value.fewShot.toleranceBits, verdicts: {}, ks: [], examples: [], tokensEvaluated: 0, tokensMinimum: 0, looTokensEvaluated: 0,
        ...(state.progress ? { progress: state.progress } : {}), ...(state.problem ? { problem: state.problem } : {}),
      };
    }
    return fewShotView({
      document, uri: doc.uri.toString(), text: state.text, sweep: state.sweep, stale,
      progress: state.progress, problem: state.problem, loo: state.loo, order: state.order, calibration: state.calibration, randomLabels: state.randomLabels,
    });
  }

  /**
   * Sweep `doc` for k = 0..K. Interactive runs show a cancellable notification
   * and throw on failure; background re-runs record the problem for the panel.
   */
  async sweep(doc: vscode.TextDocument, interactive: boolean): Promise<SweepResult | undefined> {
    const state = this.begin(doc);
    const controller = state.controller!;
    const text = doc.getText();
    const version = doc.version;
    try {
      const structure = this.structureOrThrow(doc);
      if (!this.models.hasModel) throw new RuntimeError('model', 'No model is selected. Run "ICL Lens: Select Model".');
      const work = (signal: AbortSignal, report: (done: number, total: number) => void) => runSweep(text, structure, (batch) => this.runtime.scoreContinuations(batch, { signal }), {
        leaveOneOut: this.settings.value.fewShot.leaveOneOut,
        toleranceBits: this.settings.value.fewShot.toleranceBits,
        onPartial: (partial, done, total) => {
          if (state.controller !== controller) return;
          state.sweep = partial;
          state.version = version;
          state.text = text;
          state.progress = partial.complete ? undefined : { done, total, phase: 'sweep' };
          report(done, total);
          this.changed.fire(doc.uri);
        },
      });
      const result = await this.withProgress(interactive, `Sweeping ${structure.examples.length} few-shot examples`, controller, work);
      this.log.info(`swept ${doc.uri.fsPath}: K=${structure.examples.length}, ${result.tokensEvaluated} tokens evaluated (minimum ${result.tokensMinimum}), leave-one-out ${result.looTokensEvaluated}`);
      // Probes describe the previous text once a new sweep lands.
      if (state.controller === controller) {
        state.loo = state.order = state.calibration = state.randomLabels = undefined;
      }
      return result;
    } catch (err) {
      this.fail(doc, state, controller, err, interactive);
      return undefined;
    } finally {
      this.end(doc, state, controller);
    }
  }

  /** Run `probe` on `doc` (after a sweep of its current text, which the panel plots beside it). */
  async probe(doc: vscode.TextDocument, probe: ProbeName): Promise<unknown> {
    const existing = this.states.get(doc.uri.toString());
    if (!existing?.sweep?.complete || existing.version !== doc.version) {
      if ((await this.sweep(doc, true)) === undefined) return undefined;
    }
    const state = this.begin(doc);
    const controller = state.controller!;
    const text = doc.getText();
    try {
      const structure = this.structureOrThrow(doc);
      const f = this.settings.value.fewShot;
      const options = { ...DEFAULT_PROBE_OPTIONS, permutations: f.orderPermutations, shuffles: f.randomLabelShuffles, seed: f.seed, toleranceBits: f.toleranceBits };
      const report = await this.withProgress(true, PROBE_TITLES[probe], controller, (signal, progress) =>
        runProbe(probe, text, structure, (batch) => this.runtime.scoreContinuations(batch, { signal }), {
          ...options,
          onProgress: (done, total) => {
            progress(done, total);
            if (state.controller !== controller) return;
            state.progress = { done, total, phase: PROBE_TITLES[probe] };
            this.changed.fire(doc.uri);
          },
        }));
      if (state.controller === controller) {
        switch (report.probe) {
          case 'loo':
            state.loo = report;
            // The panel's leave-one-out chart reads the sweep's examples (the probe equals the sweep's pass).
            if (state.sweep) state.sweep = { ...state.sweep, examples: state.sweep.examples.map((e, i) => ({ ...e, looDeltaBits: report.examples[i]?.looDeltaBits ?? e.looDeltaBits, looEffect: report.examples[i]?.effect ?? e.looEffect })) };
            break;
          case 'order': state.order = report; break;
          case 'calibrate': state.calibration = report; break;
          case 'random-labels': state.randomLabels = report; break;
        }
      }
      return report;
    } catch (err) {
      if (err instanceof ProbeInputError) err = new RuntimeError('input', err.message);
      this.fail(doc, state, controller, err, true);
      return undefined;
    } finally {
      this.end(doc, state, controller);
    }
  }

  /** Cancel `doc`'s run in flight, if any. */
  cancel(uri: vscode.Uri): void {
    const state = this.states.get(uri.toString());
    clearTimeout(state?.timer);
    state?.controller?.abort();
  }

  private structureOrThrow(doc: vscode.TextDocument) {
    const problem = checkInput(doc.getText(), this.settings.value.maxFileBytes);
    if (problem) throw new RuntimeError('input', describeInputProblem(problem, 'setting iclLens.analysis.maxFileBytes'));
    const parsed = this.parse(doc);
    if (parsed.frontMatterDiagnostics.length > 0) {
      const d = parsed.frontMatterDiagnostics[0];
      throw new RuntimeError('input', `Fix the front matter first (line ${d.line + 1}: ${d.message})`);
    }
    if (parsed.structure === null) throw new RuntimeError('input', parsed.diagnostics[parsed.diagnostics.length - 1]?.message ?? 'No few-shot structure found.');
    return parsed.structure;
  }

  private begin(doc: vscode.TextDocument): DocState {
    const key = doc.uri.toString();
    let state = this.states.get(key);
    if (!state) {
      state = { version: doc.version, text: doc.getText() };
      this.states.set(key, state);
    }
    clearTimeout(state.timer);
    state.controller?.abort();
    state.controller = new AbortController();
    state.problem = undefined;
    state.progress = { done: 0, total: 1, phase: 'starting' };
    this.changed.fire(doc.uri);
    return state;
  }

  private end(doc: vscode.TextDocument, state: DocState, controller: AbortController): void {
    if (state.controller !== controller) return;
    state.controller = undefined;
    state.progress = undefined;
    this.changed.fire(doc.uri);
  }

  private fail(doc: vscode.TextDocument, state: DocState, controller: AbortController, err: unknown, interactive: boolean): void {
    if (state.controller !== controller) return;
    if (isCancellation(err)) {
      state.problem = 'Cancelled.';
      return;
    }
    const message = err instanceof Error ? err.message : String(err);
    state.problem = message;
    this.log.warn(`few-shot run on ${doc.uri.fsPath} failed: ${message}`);
    if (interactive) throw err;
  }

  private async withProgress<T>(
    interactive: boolean, title: string, controller: AbortController,
    work: (signal: AbortSignal, report: (done: number, total: number) => void) => Promise<T>,
  ): Promise<T> {
    if (!interactive) return work(controller.signal, () => {});
    return vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `ICL Lens: ${title}`, cancellable: true }, async (progress, token) => {
      const cancellation = token.onCancellationRequested(() => controller.abort());
      let last = 0;
      try {
        return await work(controller.signal, (done, total) => {
          const pct = (100 * done) / Math.max(1, total);
          progress.report({ increment: pct - last, message: `${done} / ${total}` });
          last = pct;
        });
      } finally {
        cancellation.dispose();
      }
    });
  }

  private documentChanged(doc: vscode.TextDocument): void {
    const state = this.states.get(doc.uri.toString());
    if (!state) return;
    this.changed.fire(doc.uri);
    if (state.sweep) this.scheduleRerun(doc, state);
  }

  private scheduleRerun(doc: vscode.TextDocument, state: DocState): void {
    if (!this.settings.value.fewShot.autoRerun) return;
    clearTimeout(state.timer);
    state.timer = setTimeout(() => {
      if (!doc.isClosed) void this.sweep(doc, false);
    }, this.settings.value.debounceMs);
  }

  /**
   * Parse `doc` after the debounce delay, off the event that asked for it: a
   * newer change restarts the delay (latest wins), so a burst of keystrokes
   * costs one parse. `force` parses documents that are not prompts (CodeLens asked).
   */
  private scheduleParse(doc: vscode.TextDocument, force = false): void {
    const key = doc.uri.toString();
    if (!force && !this.pendingParses.has(key) && !this.isPrompt(doc) && !this.states.has(key)) return;
    const pending = this.pendingParses.get(key);
    clearTimeout(pending?.timer);
    const timer = setTimeout(() => {
      const waiters = this.pendingParses.get(key)?.waiters ?? [];
      this.pendingParses.delete(key);
      if (!doc.isClosed) {
        this.refreshDiagnostics(doc);
        this.parsedEmitter.fire(doc.uri);
      }
      for (const w of waiters) w();
    }, this.settings.value.debounceMs);
    this.pendingParses.set(key, { timer, waiters: pending?.waiters ?? [] });
  }

  /** Settles the waiters of `key`'s pending parse (with no result) and drops it. */
  private dropPendingParse(key: string): void {
    const pending = this.pendingParses.get(key);
    if (!pending) return;
    clearTimeout(pending.timer);
    this.pendingParses.delete(key);
    for (const w of pending.waiters) w();
  }

  private reportFormatClassProblem(): void {
    const problem = this.settings.value.fewShot.formatClassProblem;
    if (problem === this.shownFormatClassProblem) return;
    this.shownFormatClassProblem = problem;
    if (problem === undefined) return;
    this.log.warn(`${problem} The format class falls back to the example outputs.`);
    void vscode.window.showWarningMessage(`ICL Lens: ${problem} The format class falls back to the example outputs.`);
  }

  private refreshDiagnostics(doc: vscode.TextDocument): void {
    if (!this.isPrompt(doc) && !this.states.has(doc.uri.toString())) return;
    const parsed = this.parse(doc);
    const out: vscode.Diagnostic[] = parsed.frontMatterDiagnostics.map((d) => {
      const line = Math.min(d.line, doc.lineCount - 1);
      const diagnostic = new vscode.Diagnostic(doc.lineAt(line).range, d.message, vscode.DiagnosticSeverity.Error);
      diagnostic.source = 'ICL Lens front matter';
      return diagnostic;
    });
    // Structure warnings only where the author asked for a few-shot reading (front matter).
    if (parsed.bodyStart > 0) {
      for (const d of parsed.diagnostics) {
        const start = doc.positionAt(d.offset);
        const range = d.length > 0 ? new vscode.Range(start, doc.positionAt(d.offset + d.length)) : doc.lineAt(start.line).range;
        const diagnostic = new vscode.Diagnostic(range, d.message, d.severity === 'error' ? vscode.DiagnosticSeverity.Error : vscode.DiagnosticSeverity.Warning);
        diagnostic.source = 'ICL Lens';
        out.push(diagnostic);
      }
    }
    this.diagnostics.set(doc.uri, out);
  }

  private forget(uri: vscode.Uri): void {
    this.cancel(uri);
    this.states.delete(uri.toString());
    this.parsed.delete(uri.toString());
    this.dropPendingParse(uri.toString());
    this.diagnostics.delete(uri);
  }

  override dispose(): void {
    for (const key of [...this.pendingParses.keys()]) this.dropPendingParse(key);
    for (const state of this.states.values()) {
      clearTimeout(state.timer);
      state.controller?.abort();
    }
    super.dispose();
  }
}
