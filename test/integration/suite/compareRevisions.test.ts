/**
 * Compare With Previous Version in a real VS Code: a prompt in a temporary git
 * repository, edited after its commit, compared with HEAD and with a file. What
 * is painted (the Δ steps and the new tokens) and what the hover says are
 * checked against `icl-lens heatmap --against --json` for the same file and
 * revision.
 */
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { deltaStep } from '../../../src/core/compare/deltaScale';
import { config, extensionHostCli, waitFor } from './vscodeHelpers';

interface Painted {
  version: number;
  label: string;
  metric: string;
  deltas: Array<{ start: number; end: number; direction: string; step: number }>;
  added: Array<{ start: number; end: number }>;
}
interface SeamState { revisionCompare?: Painted; painted?: { version: number } }
interface CliToken { start: number; end: number; surprisal: number | null; entropy: number | null; old: { surprisal: number | null; entropy: number | null } | null; deltaSurprisal: number | null; deltaEntropy: number | null; new: boolean }

const MODEL = process.env.ICL_LENS_TEST_MODEL!;
const state = (uri?: vscode.Uri) => vscode.commands.executeCommand<SeamState>('iclLens.test.state', uri);
const COMMITTED = 'labels: A A B A A B A A A\nlabels: B B A\n';
const EDITED = 'labels: A B B A A B A A A\nlabels: B B A A\n';

/** What the CLI's JSON says should be painted for `metric`. */
function expected(tokens: readonly CliToken[], metric: 'entropy' | 'surprisal'): Pick<Painted, 'deltas' | 'added'> {
  const deltas: Painted['deltas'] = [];
  const added: Painted['added'] = [];
  for (const t of tokens) {
    if (t.end <= t.start) continue;
    if (t.new) {
      added.push({ start: t.start, end: t.end });
      continue;
    }
    const d = metric === 'entropy' ? t.deltaEntropy : t.deltaSurprisal;
    if (d !== null && deltaStep(d) > 0) deltas.push({ start: t.start, end: t.end, direction: d > 0 ? 'more' : 'less', step: deltaStep(d) });
  }
  return { deltas, added };
}

async function hoverText(doc: vscode.TextDocument, offset: number): Promise<string> {
  const hovers = await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', doc.uri, doc.positionAt(offset));
  return hovers.flatMap((h) => h.contents.map((c) => (typeof c === 'string' ? c : (c as vscode.MarkdownString).value))).join('\n');
}

const bits = (x: number | null) => (x === null ? '—' : `${x.toFixed(2)} bits`);
const signed = (x: number) => `${x >= 0 ? '+' : '−'}${Math.abs(x).toFixed(2)} bits`;

describe('Compare With Previous Version', () => {
  const cli = extensionHostCli();
  const repo = fs.mkdtempSync(path.join(os.tmpdir(), 'icl-lens-it-git-'));
  const file = path.join(repo, 'labels.icl.txt');
  let doc: vscode.TextDocument;
  let tokens: CliToken[];

  before(async () => {
    const git = (...args: string[]) => execFileSync('git', args, { cwd: repo, stdio: 'pipe' });
    git('init', '-q');
    git('config', 'user.email', 'test@example.invalid');
    git('config', 'user.name', 'test');
    fs.writeFileSync(file, COMMITTED);
    git('add', '.');
    git('commit', '-qm', 'labels');
    fs.writeFileSync(file, EDITED);
    const ext = vscode.extensions.getExtension('icl-lens.icl-lens');
    assert.ok(ext);
    await ext.activate();
    await config().update('model.path', MODEL, vscode.ConfigurationTarget.Global);
    doc = await vscode.workspace.openTextDocument(vscode.Uri.file(file));
    await vscode.window.showTextDocument(doc);
    const r = cli.run(['heatmap', file, '--against', 'HEAD', '--json', '--model', MODEL]);
    assert.equal(r.code, 0, r.stderr);
    tokens = JSON.parse(r.stdout).tokens;
  });

  after(async () => {
    await vscode.commands.executeCommand('iclLens.clearComparison');
    await config().update('heatmap.metric', undefined, vscode.ConfigurationTarget.Global);
    // Only this suite's editor: the panel and the other suites' documents stay as they were.
    await vscode.window.showTextDocument(doc);
    await vscode.commands.executeCommand('workbench.action.closeActiveEditor');
    cli.dispose();
    fs.rmSync(repo, { recursive: true, force: true });
  });

  it('paints each token\'s Δ step and the new tokens as the CLI computes them against HEAD', async () => {
    await vscode.commands.executeCommand('iclLens.compareWithPrevious', { revision: 'HEAD' });
    const painted = await waitFor('the comparison painted', async () => {
      const s = await state(doc.uri);
      return s.revisionCompare?.version === doc.version ? s.revisionCompare : undefined;
    });
    assert.equal(painted.metric, 'entropy');
    assert.match(painted.label, /^HEAD:.*labels\.icl\.txt$/);
    const want = expected(tokens, 'entropy');
    assert.deepEqual(painted.added, want.added);
    assert.deepEqual(painted.deltas, want.deltas);
    assert.ok(painted.added.length >= 2 && painted.deltas.length >= 1, JSON.stringify(painted));
    // The heatmap's colours step aside while the comparison is shown.
    assert.equal((await state(doc.uri)).painted, undefined);
  });

  it('repaints for surprisal when the metric changes', async () => {
    await config().update('heatmap.metric', 'surprisal', vscode.ConfigurationTarget.Global);
    const painted = await waitFor('the comparison repainted', async () => {
      const s = await state(doc.uri);
      return s.revisionCompare?.metric === 'surprisal' ? s.revisionCompare : undefined;
    });
    assert.deepEqual({ deltas: painted.deltas, added: painted.added }, expected(tokens, 'surprisal'));
    await config().update('heatmap.metric', undefined, vscode.ConfigurationTarget.Global);
  });

  it('hovers a matched token with its old and new numbers, and a new token as new', async () => {
    const matched = tokens.find((t) => !t.new && t.deltaSurprisal !== null && t.end > t.start)!;
    const text = await hoverText(doc, matched.start);
    assert.ok(text.includes(`surprisal ${bits(matched.old!.surprisal)} → ${bits(matched.surprisal)} (Δ ${signed(matched.deltaSurprisal!)})`), text);
    assert.ok(text.includes(`entropy ${bits(matched.old!.entropy)} → ${bits(matched.entropy)} (Δ ${signed(matched.deltaEntropy!)})`), text);
    const added = tokens.find((t) => t.new && t.end > t.start)!;
    assert.match(await hoverText(doc, added.start), /new: no token of the old text at this place/);
  });

  it('compares with a file as with the same text at HEAD', async () => {
    const copy = path.join(os.tmpdir(), `icl-lens-it-committed-${process.pid}.icl.txt`);
    fs.writeFileSync(copy, COMMITTED);
    try {
      await vscode.commands.executeCommand('iclLens.compareWithPrevious', { file: copy });
      const painted = await waitFor('the comparison with a file', async () => {
        const s = await state(doc.uri);
        return s.revisionCompare && !s.revisionCompare.label.startsWith('HEAD:') ? s.revisionCompare : undefined;
      });
      assert.deepEqual({ deltas: painted.deltas, added: painted.added }, expected(tokens, 'entropy'));
    } finally {
      fs.rmSync(copy, { force: true });
    }
  });

  it('ends with Clear Comparison, and the heatmap comes back', async () => {
    await vscode.commands.executeCommand('iclLens.clearComparison');
    const s = await waitFor('the heatmap again', async () => {
      const now = await state(doc.uri);
      return now.painted ? now : undefined;
    });
    assert.equal(s.revisionCompare, undefined);
  });
});
