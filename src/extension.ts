/**
 * Composition root: builds the services, registers providers and commands, and
 * hands every disposable to VS Code. No model is loaded and no I/O happens here;
 * the model runtime starts with the first analysis.
 */
import * as vscode from 'vscode';
import { RuntimeClient } from './model/runtimeClient';
import { AnalysisStore } from './editor/analysisStore';
import { ChatDocuments } from './editor/chatDocuments';
import { ChatTemplateChooser } from './editor/chatTemplateChooser';
import { guardedRunner, registerCommand } from './editor/commands';
import { ComparedSweeps } from './editor/comparedSweeps';
import { ContinuationExplorer } from './editor/continuationExplorer';
import { resolvePosition } from './editor/documentPosition';
import { DocumentAnalyzer } from './editor/documentAnalyzer';
import { ExampleCommand } from './editor/exampleCommand';
import { FailureNotifier } from './editor/failureNotifier';
import { FewShotCodeLensProvider } from './editor/fewShotCodeLensProvider';
import { FewShotCommands } from './editor/fewShotCommands';
import { FewShotRunner } from './editor/fewShotRunner';
import { FewShotStore } from './editor/fewShotStore';
import { FewShotStructureController } from './editor/fewShotStructureController';
import { FewShotViewModel } from './editor/fewShotViewModel';
import { HeatmapController } from './editor/heatmapController';
import { channelLogger } from './editor/logChannel';
import { ModelComparer, type CompareRequest } from './editor/modelComparer';
import { ModelPicker, type SelectModelRequest } from './editor/modelPicker';
import { ModelService } from './editor/modelService';
import { EditorPanelActions } from './editor/panelActions';
import { PanelRequests } from './editor/panelRequests';
import { PromptCommands } from './editor/promptCommands';
import { RenderedPromptView } from './editor/renderedPromptView';
import { RENDERED_PROMPT_SCHEME } from './editor/renderedPromptUri';
import { RevisionCompareController, RevisionHoverProvider } from './editor/revisionCompare';
import { SavedFileNotifier } from './editor/savedFileNotice';
import { toggleMetric } from './editor/metricToggle';
import { isPromptFile } from './editor/promptFiles';
import { SettingsService } from './editor/settingsService';
import { StatusBarController } from './editor/statusBarController';
import { loadTestSeam } from './editor/testSeamLoader';
import { TokenHoverProvider } from './editor/tokenHoverProvider';
import { WindTunnelCommand } from './editor/windTunnelCommand';
import { WindTunnelStore } from './editor/windTunnelStore';
import { BranchViewController } from './panel/branchViewController';
import { PanelController } from './panel/panelController';

export function activate(context: vscode.ExtensionContext): void {
  const channel = vscode.window.createOutputChannel('ICL Lens', { log: true });
  const log = channelLogger(channel);
  const runtime = new RuntimeClient({ workerPath: context.asAbsolutePath('dist/worker.js'), logger: log });
  const settings = new SettingsService();
  const store = new AnalysisStore();
  const models = new ModelService(runtime, settings, context.globalStorageUri, context.asAbsolutePath('models/icl-lens-windtunnel.gguf'));
  const failures = new FailureNotifier(store, log, channel);
  const chats = new ChatDocuments(settings);
  // Built before the analyzer it asks to analyse a chat file again (when the setting already held the choice).
  const chatTemplates = new ChatTemplateChooser(settings, (uri) => analyzer.reanalyze(uri));
  const analyzer = new DocumentAnalyzer(runtime, store, settings, models, log, failures, { chats, noTemplate: chatTemplates });
  const heatmap = new HeatmapController(store, settings);
  const status = new StatusBarController(store, models, heatmap, settings);
  const isPrompt = (doc: vscode.TextDocument) => isPromptFile(doc, settings.value.autoAnalyze);
  const fewShotStore = new FewShotStore();
  // Built before the runner: on an edit the structure's parse is scheduled before the runner marks results stale.
  const structures = new FewShotStructureController(settings, log, isPrompt, (uri) => fewShotStore.has(uri));
  const runner = new FewShotRunner(runtime, models, settings, log, fewShotStore, structures);
  const picker = new ModelPicker(models, runtime);
  const panelRequests = new PanelRequests();
  const comparer = new ModelComparer(runtime, models, picker, heatmap, settings, context.asAbsolutePath('dist/worker.js'), log, panelRequests);
  // While a comparison is shown on a few-shot prompt, its model B sweeps after A and the panel draws both.
  const comparedSweeps = new ComparedSweeps(runtime, models, settings, comparer, runner, fewShotStore, structures, context.asAbsolutePath('dist/worker.js'), log);
  const fewShot = new FewShotViewModel(fewShotStore, settings, comparedSweeps);
  const windTunnels = new WindTunnelStore();
  const saved = new SavedFileNotifier();
  const fewShotCommands = new FewShotCommands(runner, fewShotStore, fewShot, structures, panelRequests, saved);
  const codeLens = new FewShotCodeLensProvider(fewShotStore, structures, isPrompt, () => settings.value.fewShot.forecastLevel);
  const prompts = new PromptCommands(analyzer, store, heatmap, panelRequests);
  const renderedPrompts = new RenderedPromptView(store, (doc) => prompts.analyzePrompt(doc), () => panelRequests.targetDocument());
  const cancelRuns = { cancel: (uri: vscode.Uri) => { runner.cancel(uri); comparedSweeps.cancel(uri); } };
  const actions = new EditorPanelActions(store, cancelRuns, fewShotCommands, prompts, guardedRunner(log, failures));
  const panel = new PanelController(context.extensionUri, store, settings, fewShot, windTunnels, panelRequests, actions);
  const example = new ExampleCommand(context.asAbsolutePath('media/walkthrough/labels-sweep.icl.txt'), prompts);
  const windTunnel = new WindTunnelCommand(runtime, windTunnels);
  const explorer = new ContinuationExplorer(runtime, settings, models);
  const branchView = new BranchViewController(context.extensionUri, explorer, guardedRunner(log, failures));
  const revisions = new RevisionCompareController(runtime, analyzer, store, settings, heatmap, panelRequests, runner);
  const command = (id: string, handler: (...args: any[]) => unknown) => registerCommand(id, handler, log, failures);
  // From the editor title a command gets the file's URI; from the palette, nothing (the target document).
  const showRendered = async (uri?: vscode.Uri) => renderedPrompts.show(uri instanceof vscode.Uri ? await vscode.workspace.openTextDocument(uri) : undefined);

  context.subscriptions.push(
    channel, settings, store, models, failures, chats, chatTemplates, analyzer, renderedPrompts, heatmap, status, fewShotStore, structures, runner, codeLens, panelRequests, saved, windTunnels, panel, picker, prompts, explorer, branchView, comparer, comparedSweeps,
    { dispose: () => void runtime.dispose() },
    // The rendered prompt of a chat file has the same hover as the file.
    vscode.languages.registerHoverProvider([{ scheme: 'file' }, { scheme: 'untitled' }, { scheme: 'vscode-remote' }, { scheme: RENDERED_PROMPT_SCHEME }], new TokenHoverProvider(store, settings, (doc) => comparer.shows(doc))),
    command('iclLens.analyzePrompt', () => prompts.analyzePrompt()),
    // A hover's links pass the hovered token's place; from the palette or a key, the cursor's.
    command('iclLens.whatComesNext', (at?: unknown) => prompts.whatComesNext(at)),
    command('iclLens.continueFromHere', async (at?: unknown) => explorer.open(await resolvePosition(at, panelRequests.targetDocument()))),
    command('iclLens.selectModel', (request?: SelectModelRequest) => picker.pick(request)),
    command('iclLens.compareWithModel', (request?: CompareRequest) => comparer.compareWith(request)),
    command('iclLens.clearModelComparison', () => comparer.clear()),
    command('iclLens.openExample', () => example.open()),
    command('iclLens.toggleHeatmap', () => heatmap.toggle()),
    command('iclLens.toggleMetric', () => toggleMetric(settings.value.metric)),
    command('iclLens.showPanel', () => panel.show()),
    vscode.languages.registerCodeLensProvider([{ scheme: 'file' }, { scheme: 'untitled' }, { scheme: 'vscode-remote' }], codeLens),
    command('iclLens.sweepExamples', (uri?: vscode.Uri) => fewShotCommands.sweep(uri)),
    command('iclLens.leaveOneOut', (uri?: vscode.Uri) => fewShotCommands.probe('loo', uri)),
    command('iclLens.orderSensitivity', (uri?: vscode.Uri) => fewShotCommands.probe('order', uri)),
    command('iclLens.calibrate', (uri?: vscode.Uri) => fewShotCommands.probe('calibrate', uri)),
    command('iclLens.randomLabels', (uri?: vscode.Uri) => fewShotCommands.probe('random-labels', uri)),
    command('iclLens.exportFewShot', (options?: Parameters<FewShotCommands['exportResults']>[0]) => fewShotCommands.exportResults(options)),
    command('iclLens.editFewShotStructure', (uri?: vscode.Uri) => fewShotCommands.editStructureOf(uri)),
    command('iclLens.runWindTunnel', (options?: Parameters<WindTunnelCommand['run']>[0]) => windTunnel.run(options)),
    command('iclLens.showLog', () => channel.show()),
    command('iclLens.showRenderedPrompt', (uri?: vscode.Uri) => showRendered(uri)),
    command('iclLens.chooseChatTemplate', (uri?: vscode.Uri, template?: string) => chatTemplates.choose(uri, template)),
    revisions,
    vscode.languages.registerHoverProvider([{ scheme: 'file' }, { scheme: 'untitled' }, { scheme: 'vscode-remote' }], new RevisionHoverProvider(revisions)),
    command('iclLens.compareWithPrevious', (target?: unknown) => revisions.compare(target)),
    command('iclLens.clearComparison', () => revisions.clear()),
  );
  const seam = loadTestSeam(context.asAbsolutePath('dist/testSeam.js'), { store, heatmap, status, runtime, failures, notices: saved, fewShot, windTunnels, panel, models, picker, prompts, branchView, comparer, revisions, chatTemplates, renderedPrompts });
  if (seam) context.subscriptions.push(seam);
}

export function deactivate(): void {}
