/**
 * The extension's half of the integration tests' seam. A development build has
 * `dist/testSeam.js` (test/integration/seam); the VSIX leaves it out. When the
 * file is there it is loaded and handed read access to the state below, which a
 * user sees only as colours, notifications and canvases; when it is not, nothing
 * happens and the extension has no test-only command or state.
 */
import * as fs from 'node:fs';
import type * as vscode from 'vscode';
import type { RenderedChart } from '../shared/protocol';
import type { AnalysisStore } from './analysisStore';
import type { FailureNotifier } from './failureNotifier';
import type { FewShotViewModel } from './fewShotViewModel';
import type { HeatmapController } from './heatmapController';
import type { SavedFileNotifier } from './savedFileNotice';
import type { WindTunnelStore } from './windTunnelStore';

/** What the seam may read: narrow views of the live services. */
export interface SeamTargets {
  readonly store: Pick<AnalysisStore, 'latest' | 'state'>;
  readonly heatmap: Pick<HeatmapController, 'paintedFor'>;
  readonly runtime: { readonly running: boolean };
  readonly failures: Pick<FailureNotifier, 'onDidShow'>;
  /** Export confirmations (saved …, with their actions). */
  readonly notices: Pick<SavedFileNotifier, 'onDidShow'>;
  readonly fewShot: Pick<FewShotViewModel, 'view'>;
  readonly windTunnels: Pick<WindTunnelStore, 'current'>;
  /** The panel (src/panel, which this side may not import): its handshakes and its charts measured on request. */
  readonly panel: { readonly onDidHandshake: vscode.Event<void>; measureCharts(): Promise<readonly RenderedChart[] | undefined> };
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
