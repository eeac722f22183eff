/**
 * A document longer than the context, opened scrolled to its end: the windows
 * on screen are analysed and painted first, while the rest still runs, and the
 * finished heatmap equals the CLI's for the same file, model and context.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { TokenStat } from '../../../src/core/analysis';
import { heatmapRanges, type LevelRange } from '../../../src/core/heatmapScale';
import { config, extensionHostCli, waitFor } from './vscodeHelpers';

interface DebugState {
  painted?: { version: number; ranges: LevelRange[] };
  analysis?: { version: number };
  state?: { kind: string };
}

const MODEL = process.env.ICL_LENS_TEST_MODEL!;
const CONTEXT = 256;
const state = (uri: vscode.Uri) => vscode.commands.executeCommand<DebugState>('iclLens.test.state', uri);
const cli = extensionHostCli();

describe('a long document scrolled to its end', () => {
  let file: string;

  before(async () => {
    await vscode.extensions.getExtension('icl-lens.icl-lens')!.activate();
    await config().update('model.path', MODEL, vscode.ConfigurationTarget.Global);
    await config().update('heatmap.colorUnreadableText', true, vscode.ConfigurationTarget.Global);
    await config().update('model.contextSize', CONTEXT, vscode.ConfigurationTarget.Global);
  });

  after(async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    await config().update('model.contextSize', undefined, vscode.ConfigurationTarget.Global);
    await config().update('heatmap.colorUnreadableText', undefined, vscode.ConfigurationTarget.Global);
    if (file) fs.rmSync(file, { force: true });
    cli.dispose();
  });

  it('paints what is on screen while the rest is analysed, then the whole heatmap', async function () {
    this.timeout(600_000);
    // Thousands of tokens in windows of 254: tens of windows, seconds of work on the test model.
    const text = Array.from({ length: 150 }, (_, i) => `Input: review ${i} of the film was ${i % 3 ? 'great' : 'bad'}\nOutput: ${i % 3 ? 'positive' : 'negative'}\n`).join('\n');
    file = path.join(vscode.workspace.workspaceFolders![0].uri.fsPath, 'long-visible-first.prompt');
    fs.writeFileSync(file, text);
    const doc = await vscode.workspace.openTextDocument(file);
    const editor = await vscode.window.showTextDocument(doc);
    // Scrolled to the end before the debounced analysis starts.
    const end = doc.positionAt(text.length);
    editor.revealRange(new vscode.Range(end, end), vscode.TextEditorRevealType.InCenter);
    await waitFor('the end on screen', () => editor.visibleRanges.some((r) => r.contains(end)) || undefined);
    const seen = editor.visibleRanges.map((r) => ({ start: doc.offsetAt(r.start), end: doc.offsetAt(r.end) }));

    let last: DebugState | undefined;
    const partial = await waitFor('the visible part painted while the analysis runs', async () => {
      const s = await state(doc.uri);
      last = s;
      if (s.state?.kind !== 'running' || s.painted?.version !== doc.version) return undefined;
      return s.painted.ranges.some((r) => seen.some((v) => r.start >= v.start && r.end <= v.end)) ? s.painted : undefined;
    }, 300_000).catch((err: Error) => {
      throw new Error(`${err.message}; last seen: state ${last?.state?.kind}, painted v${last?.painted?.version} (${last?.painted?.ranges.length} ranges), document v${doc.version}, visible ${JSON.stringify(seen)}`);
    });
    // The start of the document is not known yet: the windows on screen went first.
    assert.ok(!partial.ranges.some((r) => r.start < 200), 'nothing at the start of the document painted yet');

    const whole = await waitFor('the whole heatmap', async () => {
      const s = await state(doc.uri);
      return s.state?.kind === 'idle' && s.analysis?.version === doc.version && s.painted?.version === doc.version ? s.painted : undefined;
    }, 300_000);
    // Asynchronously, so the extension host stays responsive; the same windows again take a while on a busy machine.
    const r = await cli.runAsync(['heatmap', file, '--model', MODEL, '--json', '--top-k', '10', '--context', String(CONTEXT)], {}, 400_000);
    assert.equal(r.code, 0, r.stderr);
    const tokens: TokenStat[] = JSON.parse(r.stdout).tokens;
    assert.deepEqual(whole.ranges, heatmapRanges(tokens, 'entropy', 10), 'the finished heatmap equals the CLI\'s');
  });
});
