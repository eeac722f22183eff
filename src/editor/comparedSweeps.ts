/**
 * Model B's few-shot sweep while a model comparison is shown: when a document
 * gets a model B (Compare With Model) its prompt is swept under A (unless A's
 * sweep is current) and then under B; every later sweep under A that finishes
 * (the user's, or the re-run after an edit or a model switch) is followed by
 * one under B. B runs in a worker of its own, beside A only when memory clearly
 * allows (modelBRuntime.ts), disposed after the run. Latest wins per document
 * and the run is cancellable (the panel's Cancel, the notification's).
 *
 * B's results describe the text (and model A) they were computed for: an edit
 * or a model switch leaves them shown and marked out of date until the re-run,
 * as probes are. Clearing the comparison (or closing the document) drops them.
 */
import * as vscode from 'vscode';
import type { SweepResult } from '../core/fewShot/sweep';
import type { Logger } from '../core/logger';
import { sweepWithModelB } from '../model/modelBSweep';
import type { ModelRuntime, RuntimeClient } from '../model/runtimeClient';
import { isCancellation } from '../model/runtimeError';
import { withCancellableProgress } from './cancellableProgress';
import { Disposable } from './disposable';
import type { FewShotRunner } from './fewShotRunner';
import type { FewShotStore } from './fewShotStore';
import type { FewShotStructureController } from './fewShotStructureController';
import { LatestWins } from './latestWins';
import { openModelB } from './modelBRuntime';
import type { ModelComparer } from './modelComparer';
import type { ModelService } from './modelService';
import type { SettingsService } from './settingsService';

/** One document's sweep under model B. */
export interface ComparedSweepRecord {
  /** Model B's name. */
  readonly model: string;
  /** The document version the sweep describes (-1: computed beside another model A). */
  version: number;
  sweep?: SweepResult;
  /** What was done about memory for the last run. */
  memory?: string;
  progress?: { done: number; total: number; phase: string };
  problem?: string;
}

export class ComparedSweeps extends Disposable {
  private readonly records = new Map<string, ComparedSweepRecord>();
  private readonly runs = this.register(new LatestWins());
  private readonly emitter = this.register(new vscode.EventEmitter<vscode.Uri>());
  /** Fires when a document's sweep under B changes (results, progress, staleness, cleared). */
  readonly onDidChange = this.emitter.event;

  constructor(
    private readonly runtimeA: ModelRuntime,
    models: Pick<ModelService, 'onDidChangeModel'>,
    private readonly settings: Pick<SettingsService, 'value'>,
    private readonly comparer: Pick<ModelComparer, 'partnerOf' | 'onDidChangePartner'>,
    private readonly runner: Pick<FewShotRunner, 'sweep' | 'onDidSweep'>,
    private readonly store: Pick<FewShotStore, 'get'>,
    private readonly structures: Pick<FewShotStructureController, 'parse'>,
    private readonly workerPath: string,
    private readonly log: Logger,
  ) {
    super();
    this.register(comparer.onDidChangePartner((uri) => this.partnerChanged(uri)));
    this.register(runner.onDidSweep(({ doc, interactive }) => { if (comparer.partnerOf(doc.uri)) void this.sweep(doc, interactive); }));
    // Another model A: B's numbers stay (they are B's), out of date until A's re-run is followed by B's.
    this.register(models.onDidChangeModel(() => {
      for (const [key, record] of this.records) {
        this.runs.abort(key);
        record.version = -1;
        this.emitter.fire(vscode.Uri.parse(key));
      }
    }));
    // An edit: the run in flight describes the old text; A's re-run is followed by B's.
    this.register(vscode.workspace.onDidChangeTextDocument((e) => {
      if (e.contentChanges.length === 0 || !this.records.has(e.document.uri.toString())) return;
      this.runs.abort(e.document.uri.toString());
      this.emitter.fire(e.document.uri);
    }));
    this.register(vscode.workspace.onDidCloseTextDocument((doc) => this.forget(doc.uri)));
  }

  /** `uri`'s sweep under B, if a comparison is shown there. */
  get(uri: vscode.Uri): ComparedSweepRecord | undefined {
    return this.records.get(uri.toString());
  }

  /** Cancel `uri`'s run under B, if one is in flight. */
  cancel(uri: vscode.Uri): void {
    this.runs.cancel(uri.toString());
  }

  /** Sweep `doc` under its model B (after A's sweep of the same text); failures are recorded for the panel and logged. */
  async sweep(doc: vscode.TextDocument, interactive: boolean): Promise<SweepResult | undefined> {
    const partner = this.comparer.partnerOf(doc.uri);
    const structure = this.structures.parse(doc).structure;
    if (!partner || structure === null || structure.examples.length === 0) return undefined;
    const key = doc.uri.toString();
    const controller = this.runs.begin(key);
    const current = () => this.runs.isCurrent(key, controller);
    let record = this.records.get(key);
    if (record?.model !== partner.name) this.records.set(key, (record = { model: partner.name, version: doc.version }));
    const state = record;
    state.problem = undefined;
    state.progress = { done: 0, total: 1, phase: `loading model B (${partner.name})` };
    this.emitter.fire(doc.uri);
    const text = doc.getText();
    const version = doc.version;
    const work = async (signal: AbortSignal, report: (done: number, total: number) => void) => {
      let runtimeB: RuntimeClient | undefined;
      try {
        return await sweepWithModelB(text, structure, async () => {
          const opened = openModelB(this.runtimeA, partner.spec, this.workerPath, this.log);
          runtimeB = opened.runtime;
          return opened;
        }, {
          toleranceBits: this.settings.value.fewShot.toleranceBits,
          template: this.settings.value.chatTemplate,
          signal,
          onMemory: (memory) => { if (current()) state.memory = memory; },
          onPartial: (partial, done, total) => {
            if (!current()) return;
            state.sweep = partial;
            state.version = version;
            state.progress = partial.complete ? undefined : { done, total, phase: `sweep under model B (${partner.name})` };
            report(done, total);
            this.emitter.fire(doc.uri);
          },
        });
      } finally {
        await runtimeB?.dispose();
      }
    };
    try {
      const { result } = interactive
        ? await withCancellableProgress(`ICL Lens: Sweeping under model B (${partner.name})`, work, controller)
        : await work(controller.signal, () => {});
      this.log.info(`swept ${doc.uri.fsPath} under model B ${partner.name}: ${result.tokensEvaluated} tokens evaluated`);
      return result;
    } catch (err) {
      if (current()) state.problem = isCancellation(err) ? `The sweep under model B (${partner.name}) was cancelled.` : `The sweep under model B (${partner.name}) failed: ${err instanceof Error ? err.message : String(err)}`;
      if (!isCancellation(err)) this.log.warn(`sweep of ${doc.uri.fsPath} under model B failed: ${err instanceof Error ? err.message : String(err)}`);
      return undefined;
    } finally {
      if (current()) {
        this.runs.end(key, controller);
        state.progress = undefined;
        this.emitter.fire(doc.uri);
      }
    }
  }

  /** A new model B: sweep under A first unless A's sweep describes the current text, then under B. No B any more: drop its curves. */
  private partnerChanged(uri: vscode.Uri): void {
    const key = uri.toString();
    if (!this.comparer.partnerOf(uri)) {
      this.forget(uri);
      this.emitter.fire(uri);
      return;
    }
    this.runs.cancel(key);
    // Another model B: the previous one's curves go at once.
    if (this.records.get(key) && this.records.get(key)?.model !== this.comparer.partnerOf(uri)?.name) {
      this.records.delete(key);
      this.emitter.fire(uri);
    }
    const doc = vscode.workspace.textDocuments.find((d) => d.uri.toString() === key);
    if (!doc || this.structures.parse(doc).structure === null) return;
    const a = this.store.get(uri);
    if (a?.sweep?.complete && a.version === doc.version) {
      void this.sweep(doc, true);
    } else {
      // A's sweep finishing fires onDidSweep, which starts B's.
      this.runner.sweep(doc, true).catch((err: Error) => this.log.warn(`sweep of ${doc.uri.fsPath} before model B's failed: ${err.message}`));
    }
  }

  private forget(uri: vscode.Uri): void {
    this.runs.forget(uri.toString());
    this.records.delete(uri.toString());
  }
}
