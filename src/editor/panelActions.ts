/**
 * What the panel's buttons and charts ask the editor to do, as one typed
 * interface: the panel depends on it, the editor implements it, and neither
 * side goes through command ids to reach the other.
 */
import * as vscode from 'vscode';
import type { FewShotProbe } from '../shared/protocol';
import type { AnalysisStore } from './analysisStore';
import type { GuardedRunner } from './commands';
import type { FewShotCommands } from './fewShotCommands';
import { selectInEditor } from './selectInEditor';

/**
 * The panel's requests. `doc` is the document the panel shows (undefined when it
 * shows none); each action reports its own failures, so the panel fires and forgets.
 */
export interface PanelActions {
  /** Analyse `doc` (undefined: the active editor's prompt). */
  analyze(doc: vscode.TextDocument | undefined): void;
  /** Select token `index` of `doc`'s current analysis in an editor. */
  revealToken(doc: vscode.TextDocument | undefined, index: number): void;
  /** Sweep k = 0..K examples of `doc`. */
  sweep(doc: vscode.TextDocument | undefined): void;
  /** Run `probe` on `doc`. */
  probe(doc: vscode.TextDocument | undefined, probe: FewShotProbe): void;
  /** Cancel `doc`'s few-shot run in flight. */
  cancel(doc: vscode.TextDocument | undefined): void;
  /** Select example `index` (1-based) of `doc` in an editor. */
  revealExample(doc: vscode.TextDocument | undefined, index: number): void;
  /** Save `doc`'s few-shot results as `format` (the user picks where). */
  export(doc: vscode.TextDocument | undefined, format: 'json' | 'csv'): void;
  /** Save a chart the panel drew (a PNG data URL). */
  exportPng(doc: vscode.TextDocument | undefined, chart: string, dataUrl: string): void;
}

/** The ids the palette runs each probe under: failures are logged and shown as the command's. */
const PROBE_COMMANDS: Record<FewShotProbe, string> = {
  loo: 'iclLens.leaveOneOut',
  order: 'iclLens.orderSensitivity',
  calibrate: 'iclLens.calibrate',
  'random-labels': 'iclLens.randomLabels',
};

/** The editor's side of the panel: the same work, and the same error reporting, as the palette commands. */
export class EditorPanelActions implements PanelActions {
  constructor(
    private readonly store: Pick<AnalysisStore, 'current'>,
    private readonly fewShot: { cancel(uri: vscode.Uri): void },
    private readonly fewShotCommands: Pick<FewShotCommands, 'sweep' | 'probe' | 'exportResults' | 'revealExample' | 'exportPng'>,
    private readonly prompts: { analyzePrompt(doc?: vscode.TextDocument): Promise<unknown> },
    private readonly run: GuardedRunner,
  ) {}

  analyze(doc: vscode.TextDocument | undefined): void {
    void this.run('iclLens.analyzePrompt', () => this.prompts.analyzePrompt(doc));
  }

  revealToken(doc: vscode.TextDocument | undefined, index: number): void {
    const token = doc && this.store.current(doc)?.tokens[index];
    if (!doc || !token) return;
    void selectInEditor(doc, token.start, token.end);
  }

  sweep(doc: vscode.TextDocument | undefined): void {
    if (doc) void this.run('iclLens.sweepExamples', () => this.fewShotCommands.sweep(doc.uri));
  }

  probe(doc: vscode.TextDocument | undefined, probe: FewShotProbe): void {
    if (doc) void this.run(PROBE_COMMANDS[probe], () => this.fewShotCommands.probe(probe, doc.uri));
  }

  cancel(doc: vscode.TextDocument | undefined): void {
    if (doc) this.fewShot.cancel(doc.uri);
  }

  revealExample(doc: vscode.TextDocument | undefined, index: number): void {
    void this.fewShotCommands.revealExample(doc, index);
  }

  export(doc: vscode.TextDocument | undefined, format: 'json' | 'csv'): void {
    void this.run('iclLens.exportFewShot', () => this.fewShotCommands.exportResults({ format, uri: doc?.uri }));
  }

  exportPng(doc: vscode.TextDocument | undefined, chart: string, dataUrl: string): void {
    this.fewShotCommands.exportPng(doc, chart, dataUrl).then(
      undefined,
      (err: Error) => void vscode.window.showErrorMessage(`ICL Lens: could not save the chart: ${err.message}`),
    );
  }
}
