/**
 * Compare With Model on a few-shot prompt, in a real VS Code: the prompt is
 * swept under both models and the panel's target and posterior charts draw
 * model B's series beside A's, with B's values equal to
 * `icl-lens sweep --model B --json`; an edit marks B's curves out of date until
 * the re-run, and clearing the comparison removes them.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { config, extensionHostCli, focusPanel, waitFor } from './vscodeHelpers';

interface Compared {
  modelA: string;
  model: string;
  complete: boolean;
  stale: boolean;
  memory?: string;
  problem?: string;
  verdict?: { text: string };
  ks: Array<{ k: number; targetBits: number | null; posterior: Record<string, number> }>;
}
interface View { complete: boolean; stale: boolean; progress?: unknown; candidates: string[]; ks: Array<{ k: number; targetBits: number | null }>; compared?: Compared }
interface Series { label: string; points: number; values: Array<number | null> }
interface Chart { id: string; points: number; painted: boolean; series?: Series[] }
interface CliSweep { model: { name: string }; ks: Array<{ k: number; targetBits: number; posterior: Record<string, number> }> }

const MODEL = process.env.ICL_LENS_TEST_MODEL!;
const ALT = process.env.ICL_LENS_TEST_MODEL_ALT!;
const LOG10_2 = Math.log10(2);
const view = async (uri: vscode.Uri) => (await vscode.commands.executeCommand<{ fewShot?: View }>('iclLens.test.state', uri)).fewShot;
const charts = () => vscode.commands.executeCommand<Chart[] | undefined>('iclLens.test.charts');
/** The view once both sweeps are done for the current text. */
const settled = (uri: vscode.Uri) => waitFor('both sweeps', async () => {
  const v = await view(uri);
  return v?.complete && !v.progress && v.compared?.complete && !v.compared.stale ? v : undefined;
}, 120_000);

/** The measured series of a chart: without the scaling-law fit and its level line, which the target chart adds. */
function measured<S extends { readonly label: string }>(series: readonly S[] | undefined): S[] {
  return (series ?? []).filter((s) => !/^scaling-law fit|^P = /.test(s.label));
}

describe('the panel under two models', () => {
  const cli = extensionHostCli();
  let doc: vscode.TextDocument;
  let file: string;
  let expected: CliSweep;

  before(async () => {
    await config().update('model.path', MODEL, vscode.ConfigurationTarget.Global);
    const folder = vscode.workspace.workspaceFolders![0].uri.fsPath;
    file = path.join(folder, 'compare-sweep.icl.txt');
    fs.writeFileSync(file, fs.readFileSync(path.join(folder, 'labels-sweep.icl.txt'), 'utf8'));
    doc = await vscode.workspace.openTextDocument(vscode.Uri.file(file));
    await vscode.window.showTextDocument(doc);
    await waitFor('the analysis', async () => (await vscode.commands.executeCommand<{ analysis?: { version: number } }>('iclLens.test.state', doc.uri)).analysis?.version === doc.version);
    const r = cli.run(['sweep', file, '--model', ALT, '--json']);
    assert.equal(r.code, 0, r.stderr);
    expected = JSON.parse(r.stdout) as CliSweep;
  });

  after(async () => {
    await vscode.window.showTextDocument(doc);
    await vscode.commands.executeCommand('iclLens.clearModelComparison');
    // Back to the built-in model the next suite starts with, and let this prompt's re-run under it finish
    // here: left for later, it would run beside the next suite's sweep and share its KV cache.
    await config().update('model.path', '', vscode.ConfigurationTarget.Global);
    await waitFor('the re-run under the built-in model', async () => {
      const v = await view(doc.uri);
      return v?.complete && !v.progress && !v.stale && v.compared === undefined;
    }, 120_000);
    await vscode.commands.executeCommand('workbench.action.closeActiveEditor');
    cli.dispose();
  });

  it('sweeps under both models and draws B\'s series on the target and posterior charts with the CLI\'s numbers', async () => {
    await vscode.commands.executeCommand('iclLens.compareWithModel', { source: ALT });
    await settled(doc.uri);
    // The user's sweep while the comparison is shown runs B's again after A's.
    const swept = await vscode.commands.executeCommand<View>('iclLens.sweepExamples', doc.uri);
    assert.ok(swept.progress, 'B\'s run follows A\'s, with progress in the panel');
    const v = await settled(doc.uri);
    const K1 = v.ks.length;
    assert.equal(K1, expected.ks.length);
    const c = v.compared!;
    assert.equal(c.model, expected.model.name);
    assert.notEqual(c.modelA, c.model);
    assert.match(c.memory ?? '', /Loaded (together|one after the other)/);
    c.ks.forEach((k, i) => {
      assert.ok(Math.abs(k.targetBits! - expected.ks[i].targetBits) < 1e-5, `k=${k.k}: view ${k.targetBits} vs CLI ${expected.ks[i].targetBits}`);
      for (const name of v.candidates) assert.ok(Math.abs(k.posterior[name] - expected.ks[i].posterior[name]) < 1e-5, `k=${k.k} P(${name})`);
    });
    const last = expected.ks[expected.ks.length - 1];
    assert.match(c.verdict?.text ?? '', new RegExp(`^At k = ${last.k}: A puts [\\d.e-]+ on “A”, B ${String(Number(last.posterior.A.toPrecision(3))).replace('.', '\\.')}\\.$`));

    const drawn = await waitFor('the charts with B\'s series', async () => {
      const all = await charts();
      const target = all?.find((x) => x.id === 'target');
      // B's sweep streams into the chart k by k: wait for both series to be complete.
      const series = measured(target?.series);
      return series.length === 2 && series.every((x) => x.points === K1) ? all : undefined;
    });
    const target = drawn!.find((x) => x.id === 'target')!;
    assert.ok(target.painted);
    const [a, b] = measured(target.series);
    assert.match(a.label, /^A icl-lens-tiny-random: /);
    assert.match(b.label, /^B icl-lens-tiny-random-alt: /);
    assert.equal(a.points, K1);
    assert.equal(b.points, K1);
    b.values.forEach((value, i) => assert.ok(Math.abs(value! + expected.ks[i].targetBits * LOG10_2) < 1e-5, `k=${i}: drawn ${value} vs CLI ${-expected.ks[i].targetBits * LOG10_2}`));
    const posterior = drawn!.find((x) => x.id === 'posterior')!;
    const lines = posterior.series!.filter((s) => s.label.startsWith('B '));
    assert.equal(lines.length, v.candidates.length - 1);
    assert.equal(lines[0].points, K1);
    lines[0].values.forEach((value, i) => assert.ok(Math.abs(value! - expected.ks[i].posterior[v.candidates[0]]) < 1e-5, `k=${i}: B's ${v.candidates[0]}`));
  });

  it('marks B\'s curves out of date after an edit, until the re-run', async () => {
    await vscode.window.showTextDocument(doc);
    const edit = new vscode.WorkspaceEdit();
    edit.insert(doc.uri, doc.positionAt(doc.getText().length), ' ');
    await vscode.workspace.applyEdit(edit);
    const stale = await view(doc.uri);
    assert.equal(stale?.compared?.stale, true, 'out of date at once');
    assert.equal(stale?.compared?.ks.length, expected.ks.length, 'still shown');
    await settled(doc.uri);
    await vscode.commands.executeCommand('undo');
    await settled(doc.uri);
  });

  it('clearing the comparison from the palette while the panel has focus removes B\'s curves', async () => {
    const column = (await vscode.window.showTextDocument(doc)).viewColumn;
    // Run where a person runs it after reading the curves: with the panel focused, no text editor active.
    await focusPanel();
    try {
      await vscode.commands.executeCommand('iclLens.clearModelComparison');
      assert.equal((await view(doc.uri))?.compared, undefined);
      await waitFor('the target chart with A\'s series only', async () => {
        const target = (await charts())?.find((x) => x.id === 'target');
        const series = measured(target?.series);
        return series.length === 1 && series[0].points === expected.ks.length;
      });
    } finally {
      // Focus back to the prompt's own group, so that nothing later opens over the panel.
      await vscode.window.showTextDocument(doc, column);
    }
  });
});
