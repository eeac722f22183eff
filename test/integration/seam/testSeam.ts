/**
 * The integration tests' seam, built to dist/testSeam.js and loaded by the
 * extension only when that file exists (never in the VSIX). It registers two
 * commands the manifest does not contribute:
 * - `iclLens.test.state` (optional URI, default the active editor's): what was
 *   painted, the stored analysis and its state, handshakes, the runtime, the
 *   last failure shown, the export confirmations shown (message and actions),
 *   the last wind-tunnel run and the few-shot view;
 * - `iclLens.test.charts`: the panel's few-shot charts, measured now.
 */
import * as vscode from 'vscode';
import type { SeamTargets } from '../../../src/editor/testSeamLoader';

/** Called by the extension's loader at activation. */
export function install(targets: SeamTargets): vscode.Disposable {
  let handshakes = 0;
  let lastFailure: string | undefined;
  const notices: Array<{ message: string; actions: readonly string[] }> = [];
  return vscode.Disposable.from(
    targets.notices.onDidShow((notice) => { notices.push(notice); }),
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
        notices,
        windTunnel: targets.windTunnels.current,
        fewShot: target ? targets.fewShot.view(vscode.workspace.textDocuments.find((d) => d.uri.toString() === target.toString())) : undefined,
      };
    }),
    vscode.commands.registerCommand('iclLens.test.charts', () => targets.panel.measureCharts()),
  );
}
