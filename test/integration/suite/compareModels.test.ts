/**
 * Compare With Model in a real VS Code, against the CLI's JSON for the same
 * file and models: what is painted (ranges, bits, levels) and what the hover
 * says (KL or Δ surprisal, both models' tokens and alternatives); an edit ends
 * the comparison and the heatmap comes back.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { levelOf } from '../../../src/core/heatmapScale';
import { visibleText } from '../../../src/core/visibleText';
import { config, extensionHostCli, waitFor } from './vscodeHelpers';

interface Painted {
  version: number;
  mode: 'kl' | 'spans';
  ranges: Array<{ start: number; end: number; level: number; bits: number }>;
  memory: string;
  summary: { kl: { klBits: { mean: number }; sameTop: number } | null };
}
interface CliToken { index: number; text: string; start: number; end: number; top: Array<{ id: number; text: string; p: number }> }
interface CliComparison {
  mode: 'kl' | 'spans';
  cells: Array<{ start: number; end: number; bits: number }>;
  positions: Array<{ index: number; klBits: number; start: number; end: number }>;
  spans: Array<{ start: number; end: number; deltaBits: number | null }>;
  summary: { kl: { klBits: { mean: number }; sameTop: number } | null };
  a: { tokens: CliToken[] };
  b: { tokens: CliToken[] };
}

const MODEL = process.env.ICL_LENS_TEST_MODEL!;
const ALT = process.env.ICL_LENS_TEST_MODEL_ALT!;
const BPE = process.env.ICL_LENS_TEST_MODEL_BPE!;
const TEXT = 'Review: the movie was great\nSentiment: positive\n\nReview: dull and slow\nSentiment: negative\n\nReview: a joy\nSentiment:';
const painted = (uri: vscode.Uri) => vscode.commands.executeCommand<Painted | undefined>('iclLens.test.comparison', uri);

async function hoverAt(doc: vscode.TextDocument, offset: number): Promise<string> {
  const hovers = await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', doc.uri, doc.positionAt(offset));
  return hovers.flatMap((h) => h.contents.map((c) => (typeof c === 'string' ? c : (c as vscode.MarkdownString).value))).join('\n');
}

describe('Compare With Model', () => {
  const cli = extensionHostCli();
  let doc: vscode.TextDocument;
  let file: string;

  before(async () => {
    await config().update('model.path', MODEL, vscode.ConfigurationTarget.Global);
    file = path.join(vscode.workspace.workspaceFolders![0].uri.fsPath, 'compare-models.prompt');
    fs.writeFileSync(file, TEXT);
    doc = await vscode.workspace.openTextDocument(vscode.Uri.file(file));
    await vscode.window.showTextDocument(doc);
    await waitFor('the analysis', async () => {
      const s = await vscode.commands.executeCommand<{ analysis?: { version: number } }>('iclLens.test.state', doc.uri);
      return s.analysis?.version === doc.version;
    });
  });

  after(() => cli.dispose());

  for (const [name, other, mode] of [['a model with the same vocabulary', () => ALT, 'kl'], ['a model with another vocabulary', () => BPE, 'spans']] as const) {
    it(`paints and hovers what the CLI prints for ${name}`, async () => {
      await vscode.window.showTextDocument(doc);
      await vscode.commands.executeCommand('iclLens.compareWithModel', { source: other() });
      const shown = await waitFor('the comparison painted', async () => {
        const p = await painted(doc.uri);
        return p?.version === doc.version ? p : undefined;
      });
      const r = cli.run(['compare', file, '--model', MODEL, '--model', other(), '--json']);
      assert.equal(r.code, 0, r.stderr);
      const out = JSON.parse(r.stdout) as CliComparison;
      assert.equal(shown.mode, mode);
      assert.equal(out.mode, mode);
      const max = config().get<number>('heatmap.scaleMaxBits') ?? 10;
      const expected = out.cells.filter((c) => c.end > c.start);
      assert.equal(shown.ranges.length, expected.length);
      shown.ranges.forEach((range, i) => {
        assert.equal(range.start, expected[i].start);
        assert.equal(range.end, expected[i].end);
        assert.ok(Math.abs(range.bits - expected[i].bits) <= 1e-6, `bits of [${range.start}, ${range.end}): ${range.bits} vs ${expected[i].bits}`);
        assert.equal(range.level, levelOf(expected[i].bits, max));
      });
      if (mode === 'kl') assert.ok(Math.abs(shown.summary.kl!.klBits.mean - out.summary.kl!.klBits.mean) <= 1e-6);
      assert.match(shown.memory, /Loaded (together|one after the other)/);

      // The hover over a token in the middle: the divergence, and both models' tokens and alternatives.
      const token = out.a.tokens.find((t) => t.text.includes('movie'))!;
      const hover = await hoverAt(doc, token.start + 1);
      assert.match(hover, /ICL Lens · compare/);
      if (mode === 'kl') {
        const position = out.positions.find((p) => p.index === token.index)!;
        assert.ok(hover.includes(`KL(A‖B) **${position.klBits.toFixed(3)} bits**`), hover);
      } else {
        const span = out.spans.find((s) => s.start <= token.start + 1 && token.start + 1 < s.end)!;
        assert.ok(hover.includes(`**${span.deltaBits! >= 0 ? '+' : '−'}${Math.abs(span.deltaBits!).toFixed(3)} bits**`), hover);
      }
      const tokenB = out.b.tokens.find((t) => t.start <= token.start + 1 && token.start + 1 < t.end)!;
      assert.ok(hover.includes(`token ${visibleText(token.text)}`) && hover.includes(`token ${visibleText(tokenB.text)}`), hover);
      for (const alt of token.top.slice(0, 5)) assert.ok(hover.includes(visibleText(alt.text)), `A's alternative ${alt.text}`);
      for (const alt of tokenB.top.slice(0, 5)) assert.ok(hover.includes(visibleText(alt.text)), `B's alternative ${alt.text}`);

      const heatmapHidden = await vscode.commands.executeCommand<{ painted?: unknown }>('iclLens.test.state', doc.uri);
      assert.ok(heatmapHidden);
      await vscode.commands.executeCommand('iclLens.clearModelComparison');
      assert.equal(await painted(doc.uri), undefined, 'cleared');
    });
  }

  it('an edit ends the comparison', async () => {
    await vscode.window.showTextDocument(doc);
    await vscode.commands.executeCommand('iclLens.compareWithModel', { source: ALT });
    await waitFor('the comparison painted', async () => (await painted(doc.uri))?.version === doc.version);
    const edit = new vscode.WorkspaceEdit();
    edit.insert(doc.uri, doc.positionAt(0), 'x');
    await vscode.workspace.applyEdit(edit);
    assert.equal(await painted(doc.uri), undefined);
    await vscode.commands.executeCommand('undo');
  });
});
