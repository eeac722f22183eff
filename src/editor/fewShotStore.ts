/**
 * Few-shot results per document, keyed by URI: the last sweep (streamed in as it
 * runs), the probes run since, progress and the last problem, tagged with the
 * document version they describe. `FewShotRunner` writes them; the CodeLens,
 * the commands and the view model (fewShotViewModel.ts) read them.
 */
import * as vscode from 'vscode';
import type { CalibrateReport, LooReport, OrderReport, ProbeName, RandomLabelsReport } from '../core/fewShot/probes';
import type { SweepResult } from '../core/fewShot/sweep';
import { Disposable } from './disposable';

/** One document's results. The runner updates a record in place and then calls `changed`. */
export interface FewShotRecord {
  /** The document version the results describe (-1: another model's, stale whatever the text). */
  version: number;
  text: string;
  sweep?: SweepResult;
  loo?: LooReport;
  order?: OrderReport;
  calibration?: CalibrateReport;
  randomLabels?: RandomLabelsReport;
  /** The document version each probe's report describes (-1: another model's); the sweep may move on without them. */
  probeVersions?: Partial<Record<ProbeName, number>>;
  progress?: { done: number; total: number; phase: string };
  problem?: string;
  /** The sweep of an earlier version (Compare With Previous Version) and the document version it was compared with. */
  before?: { label: string; version: number; sweep: SweepResult };
}

/** Everything known about a document for export: the sweep and the probes run since. */
export interface FewShotExport {
  readonly sweep: SweepResult;
  readonly probes: { loo?: LooReport; order?: OrderReport; calibrate?: CalibrateReport; randomLabels?: RandomLabelsReport };
}

export class FewShotStore extends Disposable {
  private readonly records = new Map<string, FewShotRecord>();
  private readonly emitter = this.register(new vscode.EventEmitter<vscode.Uri>());
  /** Fires when a document's few-shot state changes (results, progress, staleness). */
  readonly onDidChange = this.emitter.event;

  /** Whether `uri` has results or a run (its structure then matters even if it is no prompt). */
  has(uri: vscode.Uri): boolean {
    return this.records.has(uri.toString());
  }

  /** `uri`'s record, if any. */
  get(uri: vscode.Uri): FewShotRecord | undefined {
    return this.records.get(uri.toString());
  }

  /** `doc`'s record, created (describing its current text) when there is none. */
  entry(doc: vscode.TextDocument): FewShotRecord {
    const key = doc.uri.toString();
    let record = this.records.get(key);
    if (!record) {
      record = { version: doc.version, text: doc.getText() };
      this.records.set(key, record);
    }
    return record;
  }

  /** Every record, by URI string. */
  entries(): IterableIterator<[string, FewShotRecord]> {
    return this.records.entries();
  }

  /** Say that `uri`'s record changed. */
  changed(uri: vscode.Uri): void {
    this.emitter.fire(uri);
  }

  /** The sweep of `uri`, if one ran (possibly stale or partial). */
  result(uri: vscode.Uri): SweepResult | undefined {
    return this.get(uri)?.sweep;
  }

  /** Whether `doc`'s results describe its current text. */
  isCurrent(doc: vscode.TextDocument): boolean {
    return this.get(doc.uri)?.version === doc.version;
  }

  /** The sweep and the probes of `uri`, once a sweep ran. */
  exportable(uri: vscode.Uri): FewShotExport | undefined {
    const record = this.get(uri);
    if (!record?.sweep) return undefined;
    return { sweep: record.sweep, probes: { loo: record.loo, order: record.order, calibrate: record.calibration, randomLabels: record.randomLabels } };
  }

  delete(uri: vscode.Uri): void {
    this.records.delete(uri.toString());
  }
}
