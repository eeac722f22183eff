/**
 * The extension inside a real VS Code: activation, commands, heatmap, hover,
 * incremental re-analysis, settings, failures and the panel handshake. Numbers
 * are checked against the CLI's JSON for the same file and model.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { TokenStat } from '../../../src/core/analysis';
import { heatmapRanges, type LevelRange } from '../../../src/core/heatmapScale';
import { REPO_ROOT } from '../../support/fixtures';
import { config, extensionHostCli, waitFor } from './vscodeHelpers';

interface DebugState {
  painted?: { version: number; metric: string; ranges: LevelRange[]; unreadable?: string };
  analysis?: { version: number; route: { tokensEvaluated: number; scorer: string }; tokens: number };
  state?: { kind: string; message?: string };
  handshakes: number;
  runtimeRunning: boolean;
  lastFailure?: string;
}

const MODEL = process.env.ICL_LENS_TEST_MODEL!;
/** Read through the tests' seam (test/integration/seam), which the packaged extension does not have. */
const state = (uri?: vscode.Uri) => vscode.commands.executeCommand<DebugState>('iclLens.test.state', uri);
const cli = extensionHostCli();

/** The CLI's tokens for `text` with the same model and top-k as the extension. */
function cliTokens(text: string, metric: 'entropy' | 'surprisal'): TokenStat[] {
  const file = cli.file('heatmap-input.txt', text);
  const r = cli.run(['heatmap', file, '--model', MODEL, '--json', '--metric', metric, '--top-k', '10']);
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout).tokens;
}

async function paintedFor(doc: vscode.TextDocument, metric = 'entropy'): Promise<NonNullable<DebugState['painted']>> {
  return waitFor(`heatmap of v${doc.version} (${metric})`, async () => {
    const s = await state(doc.uri);
    return s.painted && s.painted.version === doc.version && s.painted.metric === metric ? s.painted : undefined;
  });
}

describe('ICL Lens in VS Code', () => {
  let doc: vscode.TextDocument;

  before(async () => {
    const ext = vscode.extensions.getExtension('icl-lens.icl-lens');
    assert.ok(ext, 'the extension is installed');
    await ext.activate();
  });

  after(async () => {
    await config().update('heatmap.metric', undefined, vscode.ConfigurationTarget.Global);
    await config().update('heatmap.colorUnreadableText', undefined, vscode.ConfigurationTarget.Global);
    cli.dispose();
  });

  it('activates without loading a model', async () => {
    const s = await state();
    assert.equal(s.runtimeRunning, false, 'no model runtime before the first analysis');
  });

  it('registers every contributed command', async () => {
    const contributed: Array<{ command: string }> = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')).contributes.commands;
    const registered = new Set(await vscode.commands.getCommands(true));
    for (const { command } of contributed) assert.ok(registered.has(command), command);
  });

  it('paints no calm colours over a text the model cannot read, and says why', async () => {
    // The random-weight test model reads English worse than uniform guessing over its vocabulary.
    await config().update('model.path', MODEL, vscode.ConfigurationTarget.Global);
    const uri = vscode.Uri.file(path.join(vscode.workspace.workspaceFolders![0].uri.fsPath, 'reviews.prompt'));
    doc = await vscode.workspace.openTextDocument(uri);
    await vscode.window.showTextDocument(doc);
    const painted = await paintedFor(doc);
    assert.deepEqual(painted.ranges, []);
    assert.match(painted.unreadable ?? '', /cannot read this text: its mean surprisal \([\d.]+ bits per token\) is no better than guessing uniformly among its 512 tokens/);
    const cli = cliTokens(doc.getText(), 'entropy').filter((t) => t.surprisal !== null);
    assert.ok(cli.reduce((a, t) => a + t.surprisal!, 0) / cli.length >= 9, 'the CLI agrees: mean surprisal ≥ log2 512');
  });

  it('paints a heatmap whose ranges and levels match the CLI', async () => {
    await config().update('model.path', MODEL, vscode.ConfigurationTarget.Global);
    // The user asks for colours even where the model reads no better than chance.
    await config().update('heatmap.colorUnreadableText', true, vscode.ConfigurationTarget.Global);
    const uri = vscode.Uri.file(path.join(vscode.workspace.workspaceFolders![0].uri.fsPath, 'reviews.prompt'));
    doc = await vscode.workspace.openTextDocument(uri);
    await vscode.window.showTextDocument(doc);
    const painted = await waitFor('colours after the setting', async () => {
      const s = await state(doc.uri);
      return s.painted && s.painted.ranges.length > 0 ? s.painted : undefined;
    });
    assert.deepEqual(painted.ranges, heatmapRanges(cliTokens(doc.getText(), 'entropy'), 'entropy', 10));
    assert.ok(painted.ranges.length > 10);
    assert.equal((await state(doc.uri)).runtimeRunning, true);
  });

  it('hovers a token with its numbers and top-k', async () => {
    const tokens = cliTokens(doc.getText(), 'entropy');
    const token = tokens.find((t) => t.text === ' great') ?? tokens[5];
    const hovers = await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', doc.uri, doc.positionAt(token.start + 1));
    const text = hovers.flatMap((h) => h.contents.map((c) => (typeof c === 'string' ? c : (c as vscode.MarkdownString).value))).join('\n');
    assert.match(text, /\*\*ICL Lens\*\*/);
    assert.ok(text.includes(`id ${token.id}`), text);
    assert.ok(text.includes(`${token.surprisal!.toFixed(2)} bits`), 'surprisal');
    assert.ok(text.includes(`${token.entropy!.toFixed(2)} bits`), 'entropy');
    assert.ok(text.includes(`rank ${token.rank} ·`), 'rank');
    assert.equal(text.split('\n').filter((l) => /^ ?\d+ {2}\S/.test(l)).length, 10, 'ten alternatives, one line each');
  });

  it('re-analyses an edit incrementally and drops stale results', async () => {
    const editor = vscode.window.activeTextEditor!;
    const before = (await state(doc.uri)).analysis!;
    await editor.edit((e) => e.insert(doc.positionAt(doc.getText().length), ' positive'));
    const painted = await paintedFor(doc);
    const after = (await state(doc.uri)).analysis!;
    assert.equal(after.version, doc.version);
    assert.ok(after.route.tokensEvaluated < before.tokens / 2, `re-evaluated ${after.route.tokensEvaluated} of ${after.tokens} tokens`);
    assert.deepEqual(painted.ranges, heatmapRanges(cliTokens(doc.getText(), 'entropy'), 'entropy', 10), 'incremental equals a fresh CLI run');
    // A burst of edits: only the last version may be painted.
    for (const word of [' and', ' more', ' words']) await editor.edit((e) => e.insert(doc.positionAt(doc.getText().length), word));
    const last = await paintedFor(doc);
    assert.equal(last.version, doc.version);
    assert.deepEqual(last.ranges, heatmapRanges(cliTokens(doc.getText(), 'entropy'), 'entropy', 10));
  });

  it('re-renders when iclLens.heatmap.metric changes', async () => {
    await config().update('heatmap.metric', 'surprisal', vscode.ConfigurationTarget.Global);
    const painted = await paintedFor(doc, 'surprisal');
    assert.deepEqual(painted.ranges, heatmapRanges(cliTokens(doc.getText(), 'surprisal'), 'surprisal', 10));
    await config().update('heatmap.metric', 'entropy', vscode.ConfigurationTarget.Global);
    await paintedFor(doc, 'entropy');
    // One click (the status bar's metric item runs this command) switches and switches back.
    await vscode.commands.executeCommand('iclLens.toggleMetric');
    await paintedFor(doc, 'surprisal');
    assert.equal(config().get('heatmap.metric'), 'surprisal');
    await vscode.commands.executeCommand('iclLens.toggleMetric');
    await paintedFor(doc, 'entropy');
  });

  it('reports a missing model and keeps working', async () => {
    const missing = path.join(os.tmpdir(), 'icl-lens-no-such-model.gguf');
    await config().update('model.path', missing, vscode.ConfigurationTarget.Global);
    await vscode.commands.executeCommand('iclLens.analyzePrompt');
    const s = await waitFor('the failure', async () => { const s = await state(doc.uri); return s.lastFailure?.includes(missing) ? s : undefined; });
    assert.match(s.lastFailure!, /Model file not found/);
    assert.ok(s.painted, 'the last good heatmap stays');
    await config().update('model.path', MODEL, vscode.ConfigurationTarget.Global);
    const editor = vscode.window.activeTextEditor!;
    await editor.edit((e) => e.insert(doc.positionAt(0), '# '));
    await paintedFor(doc);
  });

  it('survives a crash of the model runtime and keeps the last results', async () => {
    await config().update('model.path', process.env.ICL_LENS_TEST_MODEL_NO_BYTES!, vscode.ConfigurationTarget.Global);
    await vscode.commands.executeCommand('iclLens.analyzePrompt');
    const s = await waitFor('the crash report', async () => { const s = await state(doc.uri); return /SIGABRT/.test(s.lastFailure ?? '') ? s : undefined; });
    assert.ok(s.painted, 'the last good heatmap stays');
    await config().update('model.path', MODEL, vscode.ConfigurationTarget.Global);
    await vscode.commands.executeCommand('iclLens.analyzePrompt');
    await paintedFor(doc);
  });

  it('runs the Bayesian wind tunnel with the CLI\'s numbers and plots it in the panel', async () => {
    const view = await vscode.commands.executeCommand<{ meanKl: number; positions: Array<{ kl: number }> }>('iclLens.runWindTunnel', { task: 'coin', sequences: 3, seed: 5 });
    assert.ok(view, 'the command returns its report');
    const r = cli.run(['windtunnel', '--task', 'coin', '--sequences', '3', '--seed', '5', '--model', MODEL, '--json']);
    assert.equal(r.code, 0, r.stderr);
    const report = JSON.parse(r.stdout);
    assert.ok(Math.abs(view.meanKl - report.meanKl) < 1e-12, `${view.meanKl} vs ${report.meanKl}`);
    assert.deepEqual(view.positions.map((p) => p.kl.toFixed(12)), report.positions.map((p: { kl: number }) => p.kl.toFixed(12)));
    const s = await state();
    assert.ok((s as unknown as { windTunnel?: unknown }).windTunnel, 'the panel holds the run');
  });

  it('opens the panel and completes the ready/snapshot handshake', async () => {
    const before = (await state()).handshakes;
    await vscode.commands.executeCommand('iclLens.showPanel');
    await waitFor('the panel handshake', async () => ((await state()).handshakes > before ? true : undefined));
  });
});
