/**
 * The integration tests' seam, built to dist/testSeam.js and loaded by the
 * extension only when that file exists (never in the VSIX). It registers
 * commands the manifest does not contribute:
 * - `iclLens.test.state` (optional URI, default the active editor's): what was
 *   painted, the stored analysis and its state, handshakes, the runtime, the
 *   last failure shown, the export confirmations shown (message and actions),
 *   the last wind-tunnel run, the few-shot view, the model in use, the model
 *   picker's last entries, its "now uses" messages and the status bar item's
 *   tooltip (Markdown, with whether it may hold HTML), what a comparison
 *   with an earlier version painted, how many snapshots and progress messages
 *   the panel posted so far, the no-template notifications shown, the
 *   template choices listed and the rendered-prompt views open;
 * - `iclLens.test.charts`: the panel's few-shot charts and its token chart, measured now;
 * - `iclLens.test.branchView` (optional message): sends the message to the
 *   continuation view as its webview would, then returns what the view shows
 *   (the last snapshot and what the webview rendered) and the last distribution
 *   What Comes Next? listed;
 * - `iclLens.test.comparison` (optional URI): what Compare With Model painted
 *   there (ranges with their level and bits, the mode, the summary, the memory note).
 */
import * as vscode from 'vscode';
import type { SeamTargets } from '../../../src/editor/testSeamLoader';

/** Called by the extension's loader at activation. */
export function install(targets: SeamTargets): vscode.Disposable {
  let handshakes = 0;
  let lastFailure: string | undefined;
  let modelChoices: readonly unknown[] | undefined;
  const switches: string[] = [];
  let lastDistribution: unknown;
  const notices: Array<{ message: string; actions: readonly string[] }> = [];
  const chatTemplateOffers: Array<{ message: string; actions: readonly string[] }> = [];
  let chatTemplateChoices: readonly unknown[] | undefined;
  return vscode.Disposable.from(
    targets.chatTemplates.onDidOffer((offer) => { chatTemplateOffers.push(offer); }),
    targets.chatTemplates.onDidList((items) => { chatTemplateChoices = items; }),
    targets.notices.onDidShow((notice) => { notices.push(notice); }),
    targets.prompts.onDidShowDistribution((shown) => { lastDistribution = shown; }),
    vscode.commands.registerCommand('iclLens.test.branchView', async (message?: unknown) => {
      if (message !== undefined) await targets.branchView.receive(message);
      return { ...targets.branchView.view, whatComesNext: lastDistribution };
    }),
    targets.panel.onDidHandshake(() => { handshakes++; }),
    targets.failures.onDidShow((message) => { lastFailure = message; }),
    targets.picker.onDidOffer((choices) => { modelChoices = choices; }),
    targets.picker.onDidSwitch((message) => { switches.push(message); }),
    vscode.commands.registerCommand('iclLens.test.state', (uri?: vscode.Uri) => {
      const target = uri ?? vscode.window.activeTextEditor?.document.uri;
      const stored = target ? targets.store.latest(target) : undefined;
      return {
        painted: target ? targets.heatmap.paintedFor(target) : undefined,
        revisionCompare: target ? targets.revisions.paintedFor(target) : undefined,
        analysis: stored ? { version: stored.version, route: stored.analysis.route, tokens: stored.analysis.tokens.length } : undefined,
        state: target ? targets.store.state(target) : undefined,
        handshakes,
        panelPosted: { ...targets.panel.posted },
        runtimeRunning: targets.runtime.running,
        lastFailure,
        model: { label: targets.models.label, source: targets.models.configuredSource },
        modelChoices,
        modelSwitches: [...switches],
        notices,
        windTunnel: targets.windTunnels.current,
        fewShot: target ? targets.fewShot.view(vscode.workspace.textDocuments.find((d) => d.uri.toString() === target.toString())) : undefined,
        chatTemplateOffers: [...chatTemplateOffers],
        chatTemplateChoices,
        renderedPrompts: targets.renderedPrompts.state,
        statusText: targets.status.text,
        statusTooltip: targets.status.tooltip ? { value: targets.status.tooltip.value, supportHtml: targets.status.tooltip.supportHtml === true } : undefined,
      };
    }),
    vscode.commands.registerCommand('iclLens.test.charts', () => targets.panel.measureCharts()),
    vscode.commands.registerCommand('iclLens.test.comparison', (uri?: vscode.Uri) => {
      const target = uri ?? vscode.window.activeTextEditor?.document.uri;
      return target ? targets.comparer.paintedFor(target) : undefined;
    }),
  );
}
