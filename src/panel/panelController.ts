/**
 * The ICL Lens side panel: a webview that shows the active document's analysis.
 * Handshake: the webview posts `panel/ready` and gets a complete snapshot; it
 * gets a new snapshot when the analysis changes or the panel becomes visible.
 */
import * as crypto from 'node:crypto';
import * as vscode from 'vscode';
import { summarize } from '../core/bits';
import { unreadableNotice, windowsNotice } from '../core/readability';
import { visibleText } from '../core/visibleText';
import type { AnalysisStore } from '../editor/analysisStore';
import { Disposable, DisposableSlot } from '../editor/disposable';
import type { FewShotCommands } from '../editor/fewShotCommands';
import type { FewShotController } from '../editor/fewShotController';
import { selectInEditor } from '../editor/selectInEditor';
import type { SettingsService } from '../editor/settingsService';
import { assertNever, isWebviewToHost, type FewShotProbe, type HostToWebview, type PanelSnapshot, type WindTunnelView } from '../shared/protocol';
import { panelHtml } from './panelHtml';

export class PanelController extends Disposable {
  private readonly panel = this.register(new DisposableSlot<vscode.WebviewPanel>());
  private readonly subscriptions = this.register(new DisposableSlot<vscode.Disposable>());
  private document?: vscode.TextDocument;
  private windTunnel?: WindTunnelView;
  private readyCount = 0;

  constructor(
    private readonly extensionUri: vscode.Uri,
    private readonly store: AnalysisStore,
    private readonly settings: SettingsService,
    private readonly fewShot: FewShotController,
    private readonly fewShotCommands: FewShotCommands,
  ) {
    super();
    this.register(store.onDidChange((uri) => { if (uri.toString() === this.document?.uri.toString()) this.post(); }));
    this.register(fewShot.onDidChange((uri) => { if (uri.toString() === this.document?.uri.toString()) this.post(); }));
    this.register(vscode.window.onDidChangeActiveTextEditor((e) => {
      if (e && e.document.uri.scheme !== 'output') {
        this.document = e.document;
        this.post();
      }
    }));
    this.register(settings.onDidChange(() => this.post()));
  }

  /** How many ready/snapshot handshakes completed (for tests). */
  get handshakes(): number {
    return this.readyCount;
  }

  /** The last wind-tunnel run shown (for tests). */
  get lastWindTunnel(): WindTunnelView | undefined {
    return this.windTunnel;
  }

  /** Show a wind-tunnel run in the panel (opening it if needed). */
  showWindTunnel(view: WindTunnelView): void {
    this.windTunnel = view;
    this.show();
    this.post();
  }

  /** Open the panel beside the editor, or reveal it, showing `doc` (default: the active editor's). */
  show(doc?: vscode.TextDocument): void {
    this.document = doc ?? vscode.window.activeTextEditor?.document ?? this.document;
    this.post();
    if (this.panel.value) {
      this.panel.value.reveal(vscode.ViewColumn.Beside, true);
      return;
    }
    const root = (p: string) => vscode.Uri.joinPath(this.extensionUri, p);
    const panel = vscode.window.createWebviewPanel('iclLens.panel', 'ICL Lens', { viewColumn: vscode.ViewColumn.Beside, preserveFocus: true }, {
      enableScripts: true,
      localResourceRoots: [root('dist/webview'), root('media')],
    });
    panel.iconPath = root('media/icon.svg');
    panel.webview.html = panelHtml({
      cspSource: panel.webview.cspSource,
      nonce: crypto.randomBytes(16).toString('base64'),
      scriptUri: panel.webview.asWebviewUri(root('dist/webview/main.js')).toString(),
      styleUri: panel.webview.asWebviewUri(root('media/panel.css')).toString(),
    });
    const subs = [
      panel.webview.onDidReceiveMessage((m: unknown) => this.receive(m)),
      panel.onDidChangeViewState((e) => { if (e.webviewPanel.visible) this.post(); }),
      panel.onDidDispose(() => {
        this.subscriptions.value = undefined;
        if (this.panel.value === panel) this.panel.value = undefined;
      }),
    ];
    this.subscriptions.value = vscode.Disposable.from(...subs);
    this.panel.value = panel;
  }

  private receive(message: unknown): void {
    if (!isWebviewToHost(message)) return;
    switch (message.type) {
      case 'panel/ready':
        this.readyCount++;
        this.post();
        return;
      case 'panel/analyze':
        void vscode.commands.executeCommand('iclLens.analyzePrompt');
        return;
      case 'panel/revealToken':
        void this.reveal(message.index);
        return;
      case 'fewShot/sweep':
        if (this.document) void vscode.commands.executeCommand('iclLens.sweepExamples', this.document.uri);
        return;
      case 'fewShot/probe':
        if (this.document) void vscode.commands.executeCommand(PROBE_COMMANDS[message.probe], this.document.uri);
        return;
      case 'fewShot/cancel':
        if (this.document) this.fewShot.cancel(this.document.uri);
        return;
      case 'fewShot/revealExample':
        void this.fewShotCommands.revealExample(this.document, message.index);
        return;
      case 'fewShot/export':
        void vscode.commands.executeCommand('iclLens.exportFewShot', { format: message.format, uri: this.document?.uri });
        return;
      case 'fewShot/exportPng':
        this.fewShotCommands.exportPng(this.document, message.chart, message.dataUrl).then(
          (uri) => { if (uri) void vscode.window.showInformationMessage(`ICL Lens: saved ${vscode.workspace.asRelativePath(uri)}`); },
          (err: Error) => void vscode.window.showErrorMessage(`ICL Lens: could not save the chart: ${err.message}`),
        );
        return;
      case 'fewShot/rendered':
        this.fewShot.lastRender = message.charts;
        return;
      default:
        assertNever(message);
    }
  }

  private async reveal(index: number): Promise<void> {
    const doc = this.document;
    const token = doc && this.store.current(doc)?.tokens[index];
    if (!doc || !token) return;
    await selectInEditor(doc, token.start, token.end);
  }

  private post(): void {
    const panel = this.panel.value;
    if (!panel?.visible) return;
    const message: HostToWebview = { type: 'panel/snapshot', snapshot: this.snapshot() };
    void panel.webview.postMessage(message);
  }

  private snapshot(): PanelSnapshot {
    const metric = this.settings.value.metric;
    const doc = this.document;
    const stored = doc && this.store.latest(doc.uri);
    const windTunnel = this.windTunnel;
    const fewShot = this.fewShot.view(doc);
    if (!doc || !stored) return { schema: 1, metric, windTunnel, fewShot };
    const { analysis } = stored;
    const s = summarize(analysis.tokens);
    const unreadable = unreadableNotice(s, analysis.model.vocabSize, analysis.model.name)?.message;
    const windows = windowsNotice(analysis) ?? undefined;
    return {
      schema: 1,
      metric,
      document: {
        name: vscode.workspace.asRelativePath(doc.uri),
        model: analysis.model.name,
        route: analysis.route.scorer,
        tokens: s.tokens,
        perplexity: s.perplexity,
        meanEntropy: s.meanEntropy,
        meanSurprisal: s.meanSurprisal,
        stale: stored.version !== doc.version,
        ...(unreadable ? { unreadable } : {}),
        ...(windows ? { windows } : {}),
      },
      series: {
        labels: analysis.tokens.map((t) => visibleText(t.text)),
        entropy: analysis.tokens.map((t) => t.entropy),
        surprisal: analysis.tokens.map((t) => t.surprisal),
      },
      windTunnel,
      fewShot,
    };
  }
}

const PROBE_COMMANDS: Record<FewShotProbe, string> = {
  loo: 'iclLens.leaveOneOut',
  order: 'iclLens.orderSensitivity',
  calibrate: 'iclLens.calibrate',
  'random-labels': 'iclLens.randomLabels',
};
