/**
 * The integration tests' seam, built to dist/testSeam.js and loaded by the
 * extension only when that file exists (never in the VSIX). It registers two
 * commands the manifest does not contribute:
 * - `iclLens.test.state` (optional URI, default the active editor's): what was
 *   painted, the stored analysis and its state, handshakes, the runtime, the
 *   last failure shown, the last wind-tunnel run, the few-shot view and the
 *   status bar item's tooltip (Markdown, with whether it may hold HTML);
 * - `iclLens.test.charts`: the panel's few-shot charts, measured now.
 */
import * as vscode from 'vscode';
import type { SeamTargets } from '../../../src/editor/testSeamLoader';

/** Called by the extension's loader at activation. */
export function install(targets: SeamTargets): vscode.Disposable {
  let handshakes = 0;
  let lastFailure: string | undefined;
  return vscode.Disposable.from(
    targets.panel.onDidHandshake(() => { handshakes++; }),
    targets.failures.onDidShow((message) => { lastFailure = message; }),
    vscode.commands.registerCommand('iclLens.test.state', (uri?: vscode.Uri) => {
      const target = uri ?? vscode.window.activeTextEditor?.document.uri;
      const stored = target ? targets.store.latest(target) : undefined;
      return {
        painted: target ? targets.heatmap.paintedFor(target) : undefined,
        analysis: stored ? { version: stored.version, route: stored.analysis.route, tokens: stored.analysis.tokens.length } : undefined,
        state: target ? targets.store.state(target) : undefined,
        handshakes,
        runtimeRunning: targets.runtime.running,
        lastFailure,
        windTunnel: targets.windTunnels.current,
        fewShot: target ? targets.fewShot.view(vscode.workspace.textDocuments.find((d) => d.uri.toString() === target.toString())) : undefined,
        statusTooltip: targets.status.tooltip ? { value: targets.status.tooltip.value, supportHtml: targets.status.tooltip.supportHtml === true } : undefined,
      };
    }),
    vscode.commands.registerCommand('iclLens.test.charts', () => targets.panel.measureCharts()),
  );
}
