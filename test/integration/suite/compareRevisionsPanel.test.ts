/**
 * Compare With Previous Version on a few-shot prompt, in a real VS Code: the
 * old text (another file) is swept too, and the panel's target chart draws its
 * P(target) dashed beside the current one, with a point per k of the old
 * sweep, whose values equal `icl-lens sweep <file> --against <old> --json`'s
 * `before`; the posterior chart draws the target's posterior before. Clear
 * Comparison removes the before curves.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { config, extensionHostCli, waitFor } from './vscodeHelpers';

interface Series { label: string; points: number; values: Array<number | null> }
interface MeasuredChart { id: string; points: number; painted: boolean; series?: Series[] }
interface BeforeView { label: string; complete: boolean; candidate: string | null; ks: Array<{ k: number; targetBits: number | null; posterior: Record<string, number> }>; verdict: { text: string } }
interface FewShotView { complete: boolean; ks: Array<{ k: number; targetBits: number | null }>; before?: BeforeView }
interface CliK { k: number; targetBits: number | null; posterior: Record<string, number> }

const state = (uri: vscode.Uri) => vscode.commands.executeCommand<{ fewShot?: FewShotView }>('iclLens.test.state', uri);
const chart = async (id: string) => (await vscode.commands.executeCommand<MeasuredChart[] | undefined>('iclLens.test.charts'))?.find((c) => c.id === id);
const workspaceFile = (name: string) => vscode.Uri.file(path.join(vscode.workspace.workspaceFolders![0].uri.fsPath, name));
/** The earlier version: fewer heads, one flip fewer. */
const OLD = '---\nheader: "flips:"\nseparator: " "\nreference: coin\n---\nflips: H T T H T H T H H T H T H H H\n';

describe('Compare With Previous Version: the sweep\'s curves before and after', () => {
  const uri = workspaceFile('coin-sweep.icl.txt');
  const old = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'icl-lens-it-before-')), 'coin-old.icl.txt');
  let cli: { against: string; before: { ks: CliK[] } };

  before(async () => {
    fs.writeFileSync(old, OLD);
    await config().update('model.path', '', vscode.ConfigurationTarget.Global);
    const doc = await vscode.workspace.openTextDocument(uri);
    await vscode.window.showTextDocument(doc);
    const runner = extensionHostCli();
    try {
      const r = runner.run(['sweep', uri.fsPath, '--against', old, '--json']);
      assert.equal(r.code, 0, r.stderr);
      cli = JSON.parse(r.stdout);
    } finally {
      runner.dispose();
    }
  });

  it('draws the old text\'s P(target) and posterior dashed beside the current ones, equal to the CLI\'s before', async () => {
    // The panel shows the current sweep; the comparison sweeps the old file too.
    const now = await vscode.commands.executeCommand<FewShotView>('iclLens.sweepExamples', uri);
    assert.ok(now?.complete);
    await vscode.commands.executeCommand('iclLens.compareWithPrevious', { file: old });
    const before = await waitFor('the before sweep in the view', async () => {
      const b = (await state(uri)).fewShot?.before;
      return b?.complete ? b : undefined;
    });
    assert.equal(before.ks.length, cli.before.ks.length);
    assert.equal(before.ks.length, 15, 'k = 0..14 in the old file');
    for (const [i, k] of before.ks.entries()) {
      const want = cli.before.ks[i];
      assert.equal(k.k, want.k);
      assert.ok(Math.abs(k.targetBits! - want.targetBits!) < 1e-4, `k=${k.k}: ${k.targetBits} vs CLI ${want.targetBits}`);
    }
    assert.match(before.verdict.text, /^At k = 14: P\(target\) [\d.e-]+ now, [\d.e-]+ before; posterior of H [\d.e-]+ now, [\d.e-]+ before \(/);

    // The panel updates its charts in place (coalesced): wait for the before series to be drawn whole.
    const target = await waitFor('the target chart with the whole before series', async () => {
      const c = await chart('target');
      return c?.painted && c.series?.some((s) => s.label.startsWith('before: ') && s.points === cli.before.ks.length) ? c : undefined;
    });
    const series = target.series!;
    const nowSeries = series.find((s) => s.label.startsWith('now: P('));
    const beforeSeries = series.find((s) => s.label.startsWith('before: '));
    assert.ok(nowSeries, `a "now" series among ${series.map((s) => s.label).join(', ')}`);
    assert.ok(beforeSeries);
    assert.equal(nowSeries.points, now.ks.length, 'one point per k now');
    assert.equal(beforeSeries.points, cli.before.ks.length, 'one point per k before');
    // Drawn as log10 P: the CLI's bits, converted.
    for (const k of cli.before.ks) {
      const drawn = beforeSeries.values[k.k];
      assert.ok(drawn !== null && Math.abs(drawn - -k.targetBits! * Math.log10(2)) < 1e-4, `k=${k.k}: drawn ${drawn}`);
    }
    const posterior = await chart('posterior');
    const beforePosterior = posterior?.series?.find((s) => s.label.startsWith('before: '));
    assert.ok(beforePosterior, 'the posterior chart has the before series');
    assert.equal(beforePosterior.points, cli.before.ks.length);
    for (const k of cli.before.ks) assert.ok(Math.abs(beforePosterior.values[k.k]! - k.posterior[before.candidate!]) < 1e-4, `posterior k=${k.k}`);
  });

  it('Clear Comparison removes the before curves', async () => {
    await vscode.commands.executeCommand('iclLens.clearComparison');
    await waitFor('no before sweep in the view', async () => ((await state(uri)).fewShot?.before === undefined ? true : undefined));
    const target = await waitFor('the target chart without the before series', async () => {
      const c = await chart('target');
      return c?.painted && c.series && !c.series.some((s) => s.label.startsWith('before: ')) ? c : undefined;
    });
    assert.ok(!target.series!.some((s) => s.label.startsWith('now: ')), 'without a comparison the current series is not called "now"');
    const posterior = await chart('posterior');
    assert.ok(posterior && !posterior.series?.some((s) => s.label.startsWith('before: ')));
  });
});
