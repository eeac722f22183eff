/**
 * Runs the few-shot sweep and probes and writes their results into the
 * FewShotStore: latest-wins per document, cancellable, with a progress
 * notification when interactive, and re-run (debounced) when a swept document
 * changes or the model does.
 */
import * as vscode from 'vscode';
import { UserError } from './userError';
import { withCancellableProgress } from './cancellableProgress';
import type { ContinuationScorer } from '../core/fewShot/continuationScorer';
import type { FewShotStructure } from '../core/fewShot/fewShotStructure';
import { DEFAULT_PROBE_OPTIONS, ProbeInputError, runProbe, type ProbeName } from '../core/fewShot/probes';
import { runSweep, type SweepResult } from '../core/fewShot/sweep';
import { checkInput, describeInputProblem } from '../core/inputCheck';
import type { Logger } from '../core/logger';
import type { ModelRuntime } from '../model/runtimeClient';
import { isCancellation, RuntimeError } from '../model/runtimeError';
import { Disposable } from './disposable';
import { LatestWins } from './latestWins';
import type { FewShotRecord, FewShotStore } from './fewShotStore';
import type { FewShotStructureController } from './fewShotStructureController';
import type { ModelService } from './modelService';
import type { SettingsService } from './settingsService';

const PROBE_TITLES: Record<ProbeName, string> = {
  loo: 'Leave-one-out',
  order: 'Order sensitivity',
  calibrate: 'Contextual calibration',
  'random-labels': 'Random labels',
};

export class FewShotRunner extends Disposable {
  /** Each document's run in flight and its pending re-run. */
  private readonly runs = this.register(new LatestWins());
  private readonly swept = this.register(new vscode.EventEmitter<{ readonly doc: vscode.TextDocument; readonly interactive: boolean }>());
  /** Fires when a sweep finished for the text the document still has (a comparison's model B sweeps after it). */
  readonly onDidSweep = this.swept.event;
  /** Each document's earlier-version sweep in flight (cancelled when its comparison ends). */
  private readonly beforeRuns = new Map<string, AbortController>();

  constructor(
    private readonly runtime: ModelRuntime,
    private readonly models: ModelService,
    private readonly settings: SettingsService,
    private readonly log: Logger,
    private readonly store: FewShotStore,
    private readonly structures: Pick<FewShotStructureController, 'parse' | 'parseText'>,
  ) {
    super();
    this.register(vscode.workspace.onDidChangeTextDocument((e) => {
      if (e.contentChanges.length > 0) this.documentChanged(e.document);
    }));
    this.register(vscode.workspace.onDidCloseTextDocument((doc) => this.forget(doc.uri)));
    this.register(models.onDidChangeModel(() => this.invalidate(() => true)));
    // A chat's numbers describe the template that rendered it.
    let template = settings.value.chatTemplate;
    this.register(settings.onDidChange((s) => {
      if (s.chatTemplate === template) return;
      template = s.chatTemplate;
      this.invalidate((doc) => doc !== undefined && this.structures.parse(doc).structure?.chat !== undefined);
    }));
  }

  /**
   * Sweep `doc` for k = 0..K. Interactive runs show a cancellable notification
   * and throw on failure; background re-runs record the problem for the panel.
   */
  async sweep(doc: vscode.TextDocument, interactive: boolean): Promise<SweepResult | undefined> {
    const { key, controller, state } = this.begin(doc);
    const text = doc.getText();
    const version = doc.version;
    try {
      const structure = this.structureOrThrow(doc);
      if (!this.models.hasModel) throw new RuntimeError('model', 'No model is selected. Run "ICL Lens: Select Model".');
      const work = (signal: AbortSignal, report: (done: number, total: number) => void) => runSweep(text, structure, this.scorer(structure, signal), {
        leaveOneOut: this.settings.value.fewShot.leaveOneOut,
        toleranceBits: this.settings.value.fewShot.toleranceBits,
        onPartial: (partial, done, total) => {
          if (!this.runs.isCurrent(key, controller)) return;
          state.sweep = partial;
          state.version = version;
          state.text = text;
          state.progress = partial.complete ? undefined : { done, total, phase: 'sweep' };
          report(done, total);
          this.store.changed(doc.uri);
        },
      });
      const result = await this.withProgress(interactive, `Sweeping ${structure.examples.length} few-shot examples`, controller, work);
      this.log.info(`swept ${doc.uri.fsPath}: K=${structure.examples.length}, ${result.tokensEvaluated} tokens evaluated (minimum ${result.tokensMinimum}), leave-one-out ${result.looTokensEvaluated}`);
      // Probes of an earlier text stay, out of date (their versions say so) until re-run; a sweep
      // that computed leave-one-out itself supersedes the leave-one-out probe.
      if (this.runs.isCurrent(key, controller) && result.examples.some((e) => e.looDeltaBits !== null)) {
        state.loo = undefined;
        if (state.probeVersions) delete state.probeVersions.loo;
      }
      if (this.runs.isCurrent(key, controller) && result.complete && doc.version === version) this.swept.fire({ doc, interactive });
      return result;
    } catch (err) {
      this.fail(doc, key, state, controller, err, interactive);
      return undefined;
    } finally {
      this.end(doc, key, state, controller);
    }
  }

  /**
   * Sweep an earlier version of `doc` (`old.text`, e.g. the file at HEAD) as the
   * current text is swept (the same options, so the numbers are `icl-lens sweep
   * --against`'s `before`), after sweeping the current text when its sweep is
   * missing or out of date; the panel draws it beside the current curves until
   * `clearBefore`. Nothing runs (undefined) when either text has no few-shot examples.
   */
  async sweepAgainst(doc: vscode.TextDocument, old: { readonly text: string; readonly label: string }): Promise<SweepResult | undefined> {
    const current = this.structures.parse(doc).structure;
    const earlier = this.structures.parseText(old.text, doc.fileName).structure;
    if (!current || current.examples.length === 0 || !earlier || earlier.examples.length === 0) return undefined;
    const existing = this.store.get(doc.uri);
    if (!existing?.sweep?.complete || existing.version !== doc.version) {
      if ((await this.sweep(doc, true)) === undefined) return undefined;
    }
    const { key, controller, state } = this.begin(doc);
    this.beforeRuns.set(key, controller);
    const version = doc.version;
    const phase = `before: ${old.label}`;
    try {
      if (!this.models.hasModel) throw new RuntimeError('model', 'No model is selected. Run "ICL Lens: Select Model".');
      return await this.withProgress(true, `Sweeping ${old.label}`, controller, (signal, report) => runSweep(old.text, earlier, this.scorer(earlier, signal), {
        leaveOneOut: this.settings.value.fewShot.leaveOneOut,
        toleranceBits: this.settings.value.fewShot.toleranceBits,
        onPartial: (partial, done, total) => {
          if (!this.runs.isCurrent(key, controller)) return;
          state.before = { label: old.label, version, sweep: partial };
          state.progress = partial.complete ? undefined : { done, total, phase };
          report(done, total);
          this.store.changed(doc.uri);
        },
      }));
    } catch (err) {
      this.fail(doc, key, state, controller, err, true);
      return undefined;
    } finally {
      if (this.beforeRuns.get(key) === controller) this.beforeRuns.delete(key);
      this.end(doc, key, state, controller);
    }
  }

  /** Drop `uri`'s earlier-version sweep (the comparison ended), cancelling it if it is still running. */
  clearBefore(uri: vscode.Uri): void {
    const key = uri.toString();
    const running = this.beforeRuns.get(key);
    if (running && this.runs.isCurrent(key, running)) this.runs.cancel(key);
    const state = this.store.get(uri);
    if (!state?.before) return;
    state.before = undefined;
    this.store.changed(uri);
  }

  /** Run `probe` on `doc` (after a sweep of its current text, which the panel plots beside it). */
  async probe(doc: vscode.TextDocument, probe: ProbeName): Promise<unknown> {
    const existing = this.store.get(doc.uri);
    if (!existing?.sweep?.complete || existing.version !== doc.version) {
      if ((await this.sweep(doc, true)) === undefined) return undefined;
    }
    const { key, controller, state } = this.begin(doc);
    const text = doc.getText();
    const version = doc.version;
    try {
      const structure = this.structureOrThrow(doc);
      const f = this.settings.value.fewShot;
      const options = { ...DEFAULT_PROBE_OPTIONS, permutations: f.orderPermutations, shuffles: f.randomLabelShuffles, seed: f.seed, toleranceBits: f.toleranceBits };
      const report = await this.withProgress(true, PROBE_TITLES[probe], controller, (signal, progress) =>
        runProbe(probe, text, structure, this.scorer(structure, signal), {
          ...options,
          onProgress: (done, total) => {
            progress(done, total);
            if (!this.runs.isCurrent(key, controller)) return;
            state.progress = { done, total, phase: PROBE_TITLES[probe] };
            this.store.changed(doc.uri);
          },
        }));
      if (this.runs.isCurrent(key, controller)) {
        state.probeVersions = { ...state.probeVersions, [probe]: version };
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
      if (err instanceof ProbeInputError) err = new UserError(err.message);
      this.fail(doc, key, state, controller, err, true);
      return undefined;
    } finally {
      this.end(doc, key, state, controller);
    }
  }

  /** Cancel `uri`'s run in flight, if any. */
  cancel(uri: vscode.Uri): void {
    this.runs.cancel(uri.toString());
  }

  /** The runtime's scorer for `structure`: a chat's batches are rendered with the template setting. */
  private scorer(structure: FewShotStructure, signal: AbortSignal): ContinuationScorer {
    const template = this.settings.value.chatTemplate;
    return structure.chat
      ? (batch) => this.runtime.scoreContinuations({ ...batch, template }, { signal })
      : (batch) => this.runtime.scoreContinuations(batch, { signal });
  }

  private structureOrThrow(doc: vscode.TextDocument): FewShotStructure {
    const problem = checkInput(doc.getText(), this.settings.value.maxFileBytes);
    if (problem) throw new RuntimeError('input', describeInputProblem(problem, 'setting iclLens.analysis.maxFileBytes'));
    const parsed = this.structures.parse(doc);
    if (parsed.frontMatterDiagnostics.length > 0) {
      const d = parsed.frontMatterDiagnostics[0];
      throw new UserError(`Fix the front matter first (line ${d.line + 1}: ${d.message})`);
    }
    // A chat file with errors (or few-shot fields it cannot use) sends nothing to the model.
    const error = parsed.diagnostics.find((d) => d.severity === 'error');
    if (error) throw new UserError(`Fix the chat file first (line ${doc.positionAt(error.offset).line + 1}: ${error.message})`);
    if (parsed.structure === null) throw new UserError(parsed.diagnostics[parsed.diagnostics.length - 1]?.message ?? 'No few-shot structure found.');
    return parsed.structure;
  }

  /** Start a run on `doc`: the previous one (and any pending re-run) is cancelled; latest wins. */
  private begin(doc: vscode.TextDocument): { key: string; controller: AbortController; state: FewShotRecord } {
    const state = this.store.entry(doc);
    const key = doc.uri.toString();
    const controller = this.runs.begin(key);
    state.problem = undefined;
    state.progress = { done: 0, total: 1, phase: 'starting' };
    this.store.changed(doc.uri);
    return { key, controller, state };
  }

  private end(doc: vscode.TextDocument, key: string, state: FewShotRecord, controller: AbortController): void {
    if (!this.runs.isCurrent(key, controller)) return;
    this.runs.end(key, controller);
    state.progress = undefined;
    this.store.changed(doc.uri);
  }

  private fail(doc: vscode.TextDocument, key: string, state: FewShotRecord, controller: AbortController, err: unknown, interactive: boolean): void {
    if (!this.runs.isCurrent(key, controller)) return;
    if (isCancellation(err)) {
      state.problem = 'Cancelled.';
      return;
    }
    const message = err instanceof Error ? err.message : String(err);
    state.problem = message;
    this.log.warn(`few-shot run on ${doc.uri.fsPath} failed: ${message}`);
    if (interactive) throw err;
  }

  private withProgress<T>(
    interactive: boolean, title: string, controller: AbortController,
    work: (signal: AbortSignal, report: (done: number, total: number) => void) => Promise<T>,
  ): Promise<T> {
    // Background re-runs show no notification; their progress reaches the panel through the store.
    if (!interactive) return work(controller.signal, () => {});
    return withCancellableProgress(`ICL Lens: ${title}`, work, controller);
  }

  private documentChanged(doc: vscode.TextDocument): void {
    const state = this.store.get(doc.uri);
    if (!state) return;
    this.store.changed(doc.uri);
    if (state.sweep) this.scheduleRerun(doc);
  }

  private scheduleRerun(doc: vscode.TextDocument): void {
    if (!this.settings.value.fewShot.autoRerun) return;
    this.runs.schedule(doc.uri.toString(), this.settings.value.debounceMs, () => {
      if (!doc.isClosed) void this.sweep(doc, false);
    });
  }

  /**
   * The results of the documents `which` picks describe another model or template:
   * stale until a re-run (no CodeLens numbers), which is scheduled for swept documents.
   */
  private invalidate(which: (doc: vscode.TextDocument | undefined) => boolean): void {
    for (const [key, record] of this.store.entries()) {
      const doc = vscode.workspace.textDocuments.find((d) => d.uri.toString() === key);
      if (!which(doc)) continue;
      this.runs.abort(key);
      record.version = -1;
      // An earlier version's sweep under the old model is no comparison any more.
      record.before = undefined;
      for (const probe of Object.keys(record.probeVersions ?? {}) as ProbeName[]) record.probeVersions![probe] = -1;
      this.store.changed(vscode.Uri.parse(key));
      if (doc && record.sweep) this.scheduleRerun(doc);
    }
  }

  private forget(uri: vscode.Uri): void {
    this.runs.forget(uri.toString());
    this.store.delete(uri);
  }
}
