/**
 * Composition root: builds the services, registers providers and commands, and
 * hands every disposable to VS Code. No model is loaded and no I/O happens here;
 * the model runtime starts with the first analysis.
 */
import * as vscode from 'vscode';
import { RuntimeClient } from './model/runtimeClient';
import { AnalysisStore } from './editor/analysisStore';
import { FailureView, registerCommand } from './editor/commands';
import { DocumentAnalyzer } from './editor/documentAnalyzer';
import { FailureNotifier } from './editor/failureNotifier';
import { FewShotCodeLensProvider } from './editor/fewShotCodeLensProvider';
import { FewShotCommands } from './editor/fewShotCommands';
import { FewShotController } from './editor/fewShotController';
import { HeatmapController } from './editor/heatmapController';
import { channelLogger } from './editor/logChannel';
import { ModelPicker } from './editor/modelPicker';
import { ModelService } from './editor/modelService';
import { PromptCommands } from './editor/promptCommands';
import { SettingsService } from './editor/settingsService';
import { StatusBarController } from './editor/statusBarController';
import { TokenHoverProvider } from './editor/tokenHoverProvider';
import { WindTunnelCommand } from './editor/windTunnelCommand';
import { PanelController } from './panel/panelController';
import type { ProbeName } from './core/fewShot/probes';

export function activate(context: vscode.ExtensionContext): void {
  const channel = vscode.window.createOutputChannel('ICL Lens', { log: true });
  const log = channelLogger(channel);
  const runtime = new RuntimeClient({ workerPath: context.asAbsolutePath('dist/worker.js'), logger: log });
  const settings = new SettingsService();
  const store = new AnalysisStore();
  const models = new ModelService(runtime, settings, context.globalStorageUri, context.asAbsolutePath('models/icl-lens-windtunnel.gguf'));
  const failureView = new FailureView(log, channel);
  const failures = new FailureNotifier(store, log, failureView);
  const analyzer = new DocumentAnalyzer(runtime, store, settings, models, log, failures);
  const heatmap = new HeatmapController(store, settings);
  const status = new StatusBarController(store, models, heatmap, settings);
  const isPrompt = (doc: vscode.TextDocument) => settings.value.autoAnalyze.some((pattern) => vscode.languages.match({ pattern }, doc) > 0);
  const fewShot = new FewShotController(runtime, models, settings, log, isPrompt);
  const fewShotCommands = new FewShotCommands(fewShot);
  const codeLens = new FewShotCodeLensProvider(fewShot, isPrompt);
  const panel = new PanelController(context.extensionUri, store, settings, fewShot, fewShotCommands);
  const prompts = new PromptCommands(analyzer, store, heatmap);
  const picker = new ModelPicker(models, runtime);
  const windTunnel = new WindTunnelCommand(runtime, panel);
  const command = (id: string, handler: (...args: any[]) => unknown) => registerCommand(id, handler, log, failureView);
  /** The document a command acts on: the URI it was given (CodeLens, panel, tests), else the active editor's. */
  const documentFor = async (uri?: vscode.Uri): Promise<vscode.TextDocument> => {
    if (uri instanceof vscode.Uri) return vscode.workspace.openTextDocument(uri);
    const doc = vscode.window.activeTextEditor?.document;
    if (!doc) throw new Error('Open a prompt file first.');
    return doc;
  };
  const probe = (name: ProbeName) => async (uri?: vscode.Uri) => {
    const doc = await documentFor(uri);
    panel.show(doc);
    return fewShot.probe(doc, name);
  };

  context.subscriptions.push(
    channel, settings, store, models, failures, analyzer, heatmap, status, fewShot, codeLens, panel,
    { dispose: () => void runtime.dispose() },
    vscode.languages.registerHoverProvider([{ scheme: 'file' }, { scheme: 'untitled' }, { scheme: 'vscode-remote' }], new TokenHoverProvider(store, settings)),
    command('iclLens.analyzePrompt', () => prompts.analyzePrompt()),
    command('iclLens.whatComesNext', () => prompts.whatComesNext()),
    command('iclLens.selectModel', () => picker.pick()),
    command('iclLens.toggleHeatmap', () => heatmap.toggle()),
    command('iclLens.showPanel', () => panel.show()),
    vscode.languages.registerCodeLensProvider([{ scheme: 'file' }, { scheme: 'untitled' }, { scheme: 'vscode-remote' }], codeLens),
    command('iclLens.sweepExamples', async (uri?: vscode.Uri) => {
      const doc = await documentFor(uri);
      panel.show(doc);
      await fewShot.sweep(doc, true);
      return fewShot.view(doc);
    }),
    command('iclLens.leaveOneOut', probe('loo')),
    command('iclLens.orderSensitivity', probe('order')),
    command('iclLens.calibrate', probe('calibrate')),
    command('iclLens.randomLabels', probe('random-labels')),
    command('iclLens.exportFewShot', async (options?: { format?: 'json' | 'csv'; uri?: vscode.Uri; target?: vscode.Uri }) => {
      const doc = await documentFor(options?.uri);
      const format = options?.format ?? (await vscode.window.showQuickPick([
        { label: 'JSON', description: 'the sweep and the probes, as icl-lens sweep --json', format: 'json' as const },
        { label: 'CSV', description: 'one row per k', format: 'csv' as const },
      ], { title: 'Export few-shot results' }))?.format;
      return format ? fewShotCommands.export(doc, format, options?.target) : undefined;
    }),
    command('iclLens.editFewShotStructure', async (uri?: vscode.Uri) => fewShotCommands.editStructure(await documentFor(uri))),
    command('iclLens.runWindTunnel', (options?: Parameters<WindTunnelCommand['run']>[0]) => windTunnel.run(options)),
    command('iclLens.showLog', () => channel.show()),
    // For the integration tests, which cannot read decorations or notifications back.
    command('iclLens.debug.state', (uri?: vscode.Uri) => {
      const target = uri ?? vscode.window.activeTextEditor?.document.uri;
      const stored = target ? store.latest(target) : undefined;
      return {
        painted: target ? heatmap.paintedFor(target) : undefined,
        analysis: stored ? { version: stored.version, route: stored.analysis.route, tokens: stored.analysis.tokens.length } : undefined,
        state: target ? store.state(target) : undefined,
        handshakes: panel.handshakes,
        runtimeRunning: runtime.running,
        lastFailure: failureView.last,
        windTunnel: panel.lastWindTunnel,
        fewShot: target ? fewShot.view(vscode.workspace.textDocuments.find((d) => d.uri.toString() === target.toString())) : undefined,
        fewShotRender: fewShot.lastRender,
      };
    }),
  );
}

export function deactivate(): void {}
