/**
 * The extension's half of the integration tests' seam. A development build has
 * `dist/testSeam.js` (test/integration/seam); the VSIX leaves it out. When the
 * file is there it is loaded and handed read access to the state below, which a
 * user sees only as colours, notifications and canvases; when it is not, nothing
 * happens and the extension has no test-only command or state.
 */
import * as fs from 'node:fs';
import type * as vscode from 'vscode';
import type { BranchViewSnapshot } from '../shared/branchViewProtocol';
import type { RenderedChart } from '../shared/protocol';
import type { AnalysisStore } from './analysisStore';
import type { ChatTemplateChooser } from './chatTemplateChooser';
import type { FailureNotifier } from './failureNotifier';
import type { FewShotViewModel } from './fewShotViewModel';
import type { HeatmapController } from './heatmapController';
import type { ModelComparer } from './modelComparer';
import type { ModelPicker } from './modelPicker';
import type { ModelService } from './modelService';
import type { PromptCommands } from './promptCommands';
import type { RenderedPromptView } from './renderedPromptView';
import type { RevisionCompareController } from './revisionCompare';
import type { SavedFileNotifier } from './savedFileNotice';
import type { StatusBarController } from './statusBarController';
import type { WindTunnelStore } from './windTunnelStore';

/** What the seam may read: narrow views of the live services. */
export interface SeamTargets {
  readonly store: Pick<AnalysisStore, 'latest' | 'state'>;
  readonly heatmap: Pick<HeatmapController, 'paintedFor'>;
  /** The status bar item's tooltip (the heatmap's legend), which only shows on a mouse hover, and its text. */
  readonly status: Pick<StatusBarController, 'tooltip' | 'text'>;
  readonly runtime: { readonly running: boolean };
  readonly failures: Pick<FailureNotifier, 'onDidShow'>;
  /** Export confirmations (saved …, with their actions). */
  readonly notices: Pick<SavedFileNotifier, 'onDidShow'>;
  readonly fewShot: Pick<FewShotViewModel, 'view'>;
  readonly windTunnels: Pick<WindTunnelStore, 'current'>;
  /** The model in use as the status bar names it, and the configured source. */
  readonly models: Pick<ModelService, 'label' | 'configuredSource'>;
  /** The picker's entries as offered, and the "now uses" messages it showed. */
  readonly picker: Pick<ModelPicker, 'onDidOffer' | 'onDidSwitch'>;
  /** The panel (src/panel, which this side may not import): its handshakes, the messages it posted, and its charts measured on request. */
  readonly panel: {
    readonly onDidHandshake: vscode.Event<void>;
    readonly posted: { readonly snapshots: number; readonly progress: number };
    measureCharts(): Promise<readonly RenderedChart[] | undefined>;
  };
  /** What a comparison with an earlier version painted. */
  readonly revisions: Pick<RevisionCompareController, 'paintedFor'>;
  /** What What Comes Next? listed, as it lists it. */
  readonly prompts: Pick<PromptCommands, 'onDidShowDistribution'>;
  /**
   * The continuation view (src/panel): the last snapshot sent, what its webview said it
   * rendered, and its message handler, which the tests drive as the webview's buttons do.
   */
  readonly branchView: {
    readonly view: { readonly snapshot?: BranchViewSnapshot; readonly rendered?: { readonly revision: number; readonly text: string } };
    receive(message: unknown): Promise<unknown>;
  };
  /** What Compare With Model painted in a document. */
  readonly comparer: Pick<ModelComparer, 'paintedFor'>;
  /** The no-template notification as shown (message, actions) and the template choices as listed. */
  readonly chatTemplates: Pick<ChatTemplateChooser, 'onDidOffer' | 'onDidList'>;
  /** The rendered-prompt views open now: their URIs, chat files, versions and texts. */
  readonly renderedPrompts: Pick<RenderedPromptView, 'state'>;
}

/** The shape of dist/testSeam.js. */
export interface TestSeamModule {
  install(targets: SeamTargets): vscode.Disposable;
}

/** Load the seam at `file` if it exists; the disposable removes what it registered. */
export function loadTestSeam(file: string, targets: SeamTargets): vscode.Disposable | undefined {
  if (!fs.existsSync(file)) return undefined;
  // A path known only at run time: esbuild leaves the require alone, so the seam is never bundled in.
  const seam = require(file) as TestSeamModule;
  return seam.install(targets);
}
