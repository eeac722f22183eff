/**
 * The panel as a place to work: a palette command run while the panel has focus
 * acts on the panel's document, results survive the panel being hidden and
 * shown, probes of an earlier text stay visible marked out of date with Re-run,
 * new results scroll into view, and exports confirm with Open / Reveal.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { config, focusPanel, panelGroup, waitFor } from './vscodeHelpers';

interface Chart { id: string; points: number; painted: boolean; stale: boolean; inView: boolean; generation?: number; series?: Array<{ label: string; values: Array<number | null> }> }
interface State {
  analysis?: { version: number };
  panelPosted: { snapshots: number; progress: number };
  lastFailure?: string;
  notices: Array<{ message: string; actions: string[] }>;
  fewShot?: {
    complete: boolean; stale: boolean; staleProbes: string[]; progress?: unknown; order?: { orders: unknown[] }; calibration?: unknown;
    candidates: string[]; ks: Array<{ posterior: Record<string, number> }>;
  };
}

const state = (uri?: vscode.Uri) => vscode.commands.executeCommand<State>('iclLens.test.state', uri);
const charts = () => vscode.commands.executeCommand<Chart[] | undefined>('iclLens.test.charts');
const workspaceFile = (name: string) => vscode.Uri.file(path.join(vscode.workspace.workspaceFolders![0].uri.fsPath, name));

describe('the panel as a place to work', () => {
  const uri = workspaceFile('labels-sweep.icl.txt');

  before(async () => {
    await config().update('model.path', '', vscode.ConfigurationTarget.Global);
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    const doc = await vscode.workspace.openTextDocument(uri);
    await vscode.window.showTextDocument(doc, vscode.ViewColumn.One);
    await waitFor('the heatmap analysis', async () => ((await state(uri)).analysis?.version === doc.version ? true : undefined));
    const view = await vscode.commands.executeCommand<{ complete: boolean }>('iclLens.sweepExamples', uri);
    assert.ok(view?.complete);
    await waitFor('the posterior chart drawn', async () => (await charts())?.find((c) => c.id === 'posterior' && c.painted));
  });

  it('runs a palette command on the panel\'s document while the panel has focus', async () => {
    await focusPanel();
    // Before the fix: "Open a prompt file first." (the command looked for an active text editor).
    await config().update('fewShot.orderPermutations', 4, vscode.ConfigurationTarget.Global);
    try {
      const report = await vscode.commands.executeCommand<{ probe: string; orders: unknown[] } | undefined>('iclLens.orderSensitivity');
      assert.equal(report?.probe, 'order', `the probe ran (last failure: ${(await state(uri)).lastFailure})`);
      assert.equal((await state(uri)).fewShot?.order?.orders.length, 4);
    } finally {
      await config().update('fewShot.orderPermutations', undefined, vscode.ConfigurationTarget.Global);
    }
  });

  it('scrolls a new result into view', async () => {
    await vscode.commands.executeCommand('iclLens.calibrate', uri);
    const calibration = await waitFor('the calibration chart', async () => (await charts())?.find((c) => c.id === 'calibration' && c.painted));
    // The calibration chart is below five sweep charts and the order strip: drawn, it was scrolled to.
    assert.equal(calibration.inView, true);
    assert.equal((await charts())?.find((c) => c.id === 'posterior')?.inView, false, 'the page did scroll (the first chart left the view)');
  });

  it('keeps its results when hidden behind another tab and shown again', async () => {
    const group = panelGroup()!;
    const before = await charts();
    assert.ok(before?.some((c) => c.id === 'order'));
    // Another file in the panel's group hides it; that file has nothing to show.
    await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(workspaceFile('notes.txt')), group.viewColumn);
    await waitFor('the panel hidden', async () => ((await charts()) === undefined ? true : undefined));
    await vscode.commands.executeCommand('iclLens.showPanel');
    const after = await waitFor('the charts again', async () => {
      const r = await charts();
      return r && r.some((c) => c.id === 'order' && c.painted) ? r : undefined;
    });
    assert.deepEqual(after.map((c) => [c.id, c.points]), before!.map((c) => [c.id, c.points]));
    const notes = vscode.window.tabGroups.all.flatMap((g) => g.tabs).filter((t) => t.input instanceof vscode.TabInputText && t.input.uri.fsPath.endsWith('notes.txt'));
    await vscode.window.tabGroups.close(notes);
  });

  it('marks probes of an earlier text out of date, with Re-run, instead of dropping them', async () => {
    const doc = await vscode.workspace.openTextDocument(uri);
    const editor = await vscode.window.showTextDocument(doc, vscode.ViewColumn.One);
    await vscode.commands.executeCommand('iclLens.showPanel', uri);
    const at = doc.positionAt(doc.getText().length - 1);
    await editor.edit((e) => e.insert(at, ' B'));
    try {
      // The debounced re-run of the sweep lands; the probes describe the old text.
      const view = await waitFor('the re-run sweep', async () => {
        const v = (await state(uri)).fewShot;
        return v && v.complete && !v.stale && !v.progress ? v : undefined;
      });
      assert.ok(view.order && view.calibration, 'the probes are still there');
      assert.deepEqual([...view.staleProbes].sort(), ['calibrate', 'order']);
      const drawn = await waitFor('the out-of-date marks', async () => {
        const r = await charts();
        return r && r.find((c) => c.id === 'order')?.stale && r.find((c) => c.id === 'calibration')?.stale ? r : undefined;
      });
      assert.equal(drawn.find((c) => c.id === 'posterior')?.stale, false, 'the sweep is current');
      // Re-run (what the chart's button sends) brings the probe up to date.
      await config().update('fewShot.orderPermutations', 4, vscode.ConfigurationTarget.Global);
      await vscode.commands.executeCommand('iclLens.orderSensitivity', uri);
      assert.deepEqual((await state(uri)).fewShot?.staleProbes, ['calibrate']);
      await waitFor('the order chart current', async () => (await charts())?.find((c) => c.id === 'order' && !c.stale));
    } finally {
      await config().update('fewShot.orderPermutations', undefined, vscode.ConfigurationTarget.Global);
      await editor.edit((e) => e.delete(new vscode.Range(at, at.translate(0, 2))));
    }
  });

  it('confirms a JSON or CSV export with Open and Reveal', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'icl-lens-notice-'));
    try {
      const shown = (await state(uri)).notices.length;
      for (const format of ['json', 'csv'] as const) {
        const target = vscode.Uri.file(path.join(dir, `r.${format}`));
        await vscode.commands.executeCommand('iclLens.exportFewShot', { format, uri, target });
        const notice = (await state(uri)).notices.at(-1);
        assert.match(notice?.message ?? '', new RegExp(`saved .*r\\.${format}$`));
        assert.deepEqual(notice?.actions, ['Open', 'Reveal']);
      }
      assert.equal((await state(uri)).notices.length, shown + 2);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('updates its charts in place: a probe\'s progress posts no snapshots, and new results keep the charts of the same structure', async () => {
    await vscode.commands.executeCommand('iclLens.showPanel', uri);
    const permutations = 8;
    await config().update('fewShot.orderPermutations', permutations, vscode.ConfigurationTarget.Global);
    let posted: State['panelPosted'];
    let before: Chart[];
    try {
      // Settled first: the last test's edit re-runs the sweep (debounced), which streams snapshots of its own.
      await waitFor('the sweep current and nothing running', async () => {
        const v = (await state(uri)).fewShot;
        return v && v.complete && !v.stale && !v.progress ? true : undefined;
      });
      await new Promise((r) => setTimeout(r, 500));
      before = await waitFor('the charts', async () => {
        const r = await charts();
        return r && r.some((c) => c.id === 'posterior' && c.painted) ? r : undefined;
      });
      posted = (await state(uri)).panelPosted;
      const report = await vscode.commands.executeCommand<{ orders: unknown[] } | undefined>('iclLens.orderSensitivity', uri);
      assert.equal(report?.orders.length, permutations);
    } finally {
      await config().update('fewShot.orderPermutations', undefined, vscode.ConfigurationTarget.Global);
    }
    const after = await waitFor('the order chart with the new report', async () => {
      const r = await charts();
      const order = r?.find((c) => c.id === 'order');
      return order && order.painted && !order.stale ? r : undefined;
    });
    const sent = (await state(uri)).panelPosted;
    const snapshots = sent.snapshots - posted.snapshots;
    console.log(`      order probe, ${permutations} permutations: ${snapshots} snapshot(s) and ${sent.progress - posted.progress} progress message(s) posted (before: a snapshot per progress tick)`);
    // Before: one snapshot per permutation's progress tick, and one for the result.
    assert.ok(snapshots >= 1 && snapshots <= 3, `${snapshots} snapshots for a probe of ${permutations} permutations`);
    // The sweep's charts were redrawn from the new snapshot with the same structure: the same chart.js instances.
    const kept = ['posterior', 'target', 'prequential'].map((id) => [id, before.find((c) => c.id === id)?.generation, after.find((c) => c.id === id)?.generation]);
    for (const [id, was, now] of kept) {
      assert.equal(typeof was, 'number', `${id} reports its generation`);
      assert.equal(now, was, `the ${id} chart was updated in place, not rebuilt`);
    }
    // An edit: the re-run sweep streams new numbers into the same charts, which show the new view's numbers.
    const doc = await vscode.workspace.openTextDocument(uri);
    const editor = await vscode.window.showTextDocument(doc, vscode.ViewColumn.One);
    await vscode.commands.executeCommand('iclLens.showPanel', uri);
    const at = doc.positionAt(doc.getText().length - 1);
    await editor.edit((e) => e.insert(at, ' B'));
    try {
      const view = await waitFor('the re-run sweep', async () => {
        const v = (await state(uri)).fewShot;
        return v && v.complete && !v.stale && !v.progress ? v : undefined;
      });
      const name = view.candidates[0];
      const expected = view.ks.map((k) => k.posterior[name] ?? null);
      const posterior = await waitFor('the posterior chart with the re-run\'s numbers', async () => {
        const c = (await charts())?.find((x) => x.id === 'posterior');
        const values = c?.series?.find((s) => s.label === name)?.values;
        return values && values.length === expected.length && values.every((v, i) => v !== null && expected[i] !== null && Math.abs(v - expected[i]!) < 1e-12) ? c : undefined;
      });
      assert.equal(posterior.generation, before.find((c) => c.id === 'posterior')?.generation, 'the posterior chart took the re-run\'s numbers in place');
    } finally {
      await editor.edit((e) => e.delete(new vscode.Range(at, at.translate(0, 2))));
    }
  });
});
