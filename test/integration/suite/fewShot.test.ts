/**
 * The posterior panel inside a real VS Code, on the built-in model and its own
 * language: the sweep's numbers equal the CLI's, the panel's charts paint,
 * CodeLens and diagnostics show the structure, edits re-run the sweep, and the
 * results export.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { REPO_ROOT } from '../../support/fixtures';
import { config, extensionHostCli, waitFor } from './vscodeHelpers';

interface FewShotView {
  complete: boolean;
  stale: boolean;
  progress?: unknown;
  problem?: string;
  candidates: string[];
  ks: Array<{
    k: number; targetBits: number | null; posterior: Record<string, number>; referencePosterior?: Record<string, number>; formatMass: number | null; answerEntropy: number | null;
    coverage: number | null; coverageBits: number | null; lowCoverage: boolean;
  }>;
  examples: Array<{ index: number; prequentialBits: number; looDeltaBits: number | null; looEffect: 'helps' | 'hurts' | 'none' | null }>;
  toleranceBits: number;
  verdicts: Record<string, { text: string; tone: string } | undefined>;
  tokensEvaluated: number;
  tokensMinimum: number;
  order?: { orders: unknown[] };
  forecast?: { fitted: unknown[] };
}

interface FewShotState {
  analysis?: { version: number };
  fewShot?: FewShotView;
}

/** Read through the tests' seam (test/integration/seam), which the packaged extension does not have. */
const state = (uri?: vscode.Uri) => vscode.commands.executeCommand<FewShotState>('iclLens.test.state', uri);
/** The panel's few-shot charts as drawn now (points and painted pixels measured in the webview); undefined while it is hidden. */
const charts = () => vscode.commands.executeCommand<Array<{ id: string; points: number; painted: boolean }> | undefined>('iclLens.test.charts');
/** Close `uri`'s editor tab, wherever the focus is (the panel may have taken it, and closing the active editor would close the panel). */
async function closeTab(uri: vscode.Uri): Promise<void> {
  const tab = vscode.window.tabGroups.all.flatMap((g) => g.tabs).find((t) => t.input instanceof vscode.TabInputText && t.input.uri.toString() === uri.toString());
  if (tab) await vscode.window.tabGroups.close(tab);
}
const workspaceFile = (name: string) => vscode.Uri.file(path.join(vscode.workspace.workspaceFolders![0].uri.fsPath, name));

function cliSweep(file: string): { ks: FewShotView['ks']; examples: FewShotView['examples']; tokensMinimum: number } {
  const cli = extensionHostCli();
  try {
    const r = cli.run(['sweep', file, '--json']);
    assert.equal(r.code, 0, r.stderr);
    return JSON.parse(r.stdout);
  } finally {
    cli.dispose();
  }
}

describe('the posterior panel', () => {
  const uri = () => workspaceFile('labels-sweep.icl.txt');

  before(async () => {
    // Empty: the built-in wind-tunnel model, the same default as the CLI.
    await config().update('model.path', '', vscode.ConfigurationTarget.Global);
    const doc = await vscode.workspace.openTextDocument(uri());
    await vscode.window.showTextDocument(doc);
    // Let the heatmap's own analysis finish first: run beside the sweep, it would share the
    // KV cache and the sweep's evaluation count would depend on the interleaving.
    await waitFor('the heatmap analysis', async () => ((await state(uri())).analysis?.version === doc.version ? true : undefined));
  });

  it('sweeps with the CLI\'s numbers, and the posterior follows the analytic one', async () => {
    const view = await vscode.commands.executeCommand<FewShotView>('iclLens.sweepExamples', uri());
    assert.ok(view?.complete, 'the command returns the finished sweep');
    const cli = cliSweep(uri().fsPath);
    assert.equal(view.ks.length, cli.ks.length);
    // Equal up to float32 rounding: the extension's runtime also analysed the file for the
    // heatmap, so its batches split differently from the CLI's (float32 rounding, far below 1e-5 bits).
    const near = (a: number, b: number, what: string) => assert.ok(Math.abs(a - b) < 1e-5, `${what}: panel ${a} vs CLI ${b}`);
    view.ks.forEach((k, i) => {
      for (const key of ['targetBits', 'formatMass', 'answerEntropy'] as const) near(k[key]!, cli.ks[i][key]!, `k=${k.k} ${key}`);
      for (const name of view.candidates) near(k.posterior[name], cli.ks[i].posterior[name], `k=${k.k} ${name}`);
      assert.ok(Math.abs(k.posterior.A - k.referencePosterior!.A) < 0.05, `k=${k.k}: model ${k.posterior.A} vs analytic ${k.referencePosterior!.A}`);
    });
    view.examples.forEach((e, i) => {
      near(e.prequentialBits, cli.examples[i].prequentialBits, `E${e.index} prequential`);
      near(e.looDeltaBits!, cli.examples[i].looDeltaBits!, `E${e.index} leave-one-out`);
    });
    assert.ok(view.tokensEvaluated <= 1.1 * view.tokensMinimum, `${view.tokensEvaluated} vs ${view.tokensMinimum}`);
    view.ks.forEach((k, i) => near(k.coverageBits!, (cli.ks[i] as unknown as { coverageBits: number }).coverageBits, `k=${k.k} coverage bits`));
  });

  it('shows coverage, the tolerance and a verdict per chart; effects within the tolerance are no effect', async () => {
    const view = (await state(uri())).fewShot!;
    assert.equal(view.toleranceBits, 0.1);
    for (const k of view.ks) assert.ok(k.coverage! > 0.5 && !k.lowCoverage, `k=${k.k}: the model expects A or B (coverage ${k.coverage})`);
    for (const e of view.examples) {
      const expected = Math.abs(e.looDeltaBits!) <= 0.1 ? 'none' : e.looDeltaBits! < 0 ? 'helps' : 'hurts';
      assert.equal(e.looEffect, expected, `E${e.index}: Δ ${e.looDeltaBits}`);
    }
    for (const chart of ['posterior', 'target', 'prequential', 'entropy', 'loo']) assert.ok(view.verdicts[chart]?.text, `a verdict for ${chart}`);
    assert.match(view.verdicts.posterior!.text, /Largest KL to the analytic labels posterior: .* bits \(within the 0\.1-bit pass line\)/);
    // A wider tolerance turns small effects into no measurable effect on the next run.
    await config().update('fewShot.toleranceBits', 50, vscode.ConfigurationTarget.Global);
    try {
      const wide = await vscode.commands.executeCommand<FewShotView>('iclLens.sweepExamples', uri());
      assert.ok(wide.examples.every((e) => e.looEffect === 'none'));
      assert.match(wide.verdicts.loo!.text, /No example has a measurable effect on its own \(every change within ±50 bits\)/);
    } finally {
      await config().update('fewShot.toleranceBits', undefined, vscode.ConfigurationTarget.Global);
      await vscode.commands.executeCommand('iclLens.sweepExamples', uri());
    }
  });

  it('labels a posterior over answers the model does not expect, in the panel and the CodeLens', async () => {
    const unexpected = workspaceFile('unexpected-answers.icl.txt');
    await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(unexpected), vscode.ViewColumn.One);
    const view = await vscode.commands.executeCommand<FewShotView>('iclLens.sweepExamples', unexpected);
    assert.ok(view.ks.every((k) => k.lowCoverage && k.coverage! < 1e-6), view.ks.map((k) => k.coverage).join(', '));
    assert.equal(view.verdicts.posterior?.tone, 'warn');
    assert.match(view.verdicts.posterior!.text, /compares answers the model does not expect, it is not confidence/);
    const lenses = await waitFor('the query CodeLens with the coverage warning', async () => {
      const l = await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', unexpected, 100);
      return l?.some((x) => /answers the model does not expect \(coverage/.test(x.command?.title ?? '')) ? l : undefined;
    });
    assert.ok(lenses.length > 0);
    await waitFor('the posterior chart drawn', async () => (await charts())?.find((c) => c.id === 'posterior' && c.painted));
    await closeTab(unexpected);
    await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(uri()), vscode.ViewColumn.One);
  });

  it('paints every sweep chart in the panel with one point per value', async () => {
    const view = (await state(uri())).fewShot!;
    const K = view.examples.length;
    let seen: unknown;
    const render = await waitFor('the panel to report its charts', async () => {
      const r = await charts();
      seen = r;
      return r && r.find((c) => c.id === 'posterior')?.points === 4 * (K + 1) && r.some((c) => c.id === 'loo') ? r : undefined;
    }).catch((e: Error) => { throw new Error(`${e.message}; last seen: ${JSON.stringify(seen)} for K = ${K}`); });
    const byId = new Map(render.map((c) => [c.id, { id: c.id, points: c.points, painted: c.painted }]));
    // Posterior: two stacked candidates, the analytic line and the coverage line per k; prequential and information gain per example.
    assert.deepEqual(byId.get('posterior'), { id: 'posterior', points: 4 * (K + 1), painted: true });
    // The target chart also draws the fitted scaling law (one point per k) and the forecast level's two ends.
    const fitted = view.forecast?.fitted.length ?? 0;
    assert.deepEqual(byId.get('target'), { id: 'target', points: K + 1 + (fitted > 0 ? fitted + 2 : 0), painted: true });
    assert.deepEqual(byId.get('entropy'), { id: 'entropy', points: 2 * (K + 1), painted: true });
    assert.deepEqual(byId.get('loo'), { id: 'loo', points: K, painted: true });
    assert.equal(byId.get('prequential')?.painted, true);
    assert.ok(byId.get('prequential')!.points >= K);
  });

  it('runs the order probe from the palette and plots its strip', async () => {
    await config().update('fewShot.orderPermutations', 6, vscode.ConfigurationTarget.Global);
    try {
      const report = await vscode.commands.executeCommand<{ probe: string; orders: unknown[] }>('iclLens.orderSensitivity', uri());
      assert.equal(report?.probe, 'order');
      assert.equal(report.orders.length, 6);
      assert.equal((await state(uri())).fewShot?.order?.orders.length, 6);
      await waitFor('the order strip', async () => (await charts())?.find((c) => c.id === 'order' && c.painted));
    } finally {
      await config().update('fewShot.orderPermutations', undefined, vscode.ConfigurationTarget.Global);
    }
  });

  it('exports JSON and CSV with the panel\'s numbers', async () => {
    const view = (await state(uri())).fewShot!;
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'icl-lens-export-'));
    const json = await vscode.commands.executeCommand<vscode.Uri>('iclLens.exportFewShot', { format: 'json', uri: uri(), target: vscode.Uri.file(path.join(dir, 'r.json')) });
    const csv = await vscode.commands.executeCommand<vscode.Uri>('iclLens.exportFewShot', { format: 'csv', uri: uri(), target: vscode.Uri.file(path.join(dir, 'r.csv')) });
    const exported = JSON.parse(fs.readFileSync(json.fsPath, 'utf8'));
    assert.equal(exported.ks[3].targetBits, view.ks[3].targetBits);
    assert.ok(exported.probes.order, 'the probes run since the sweep are included');
    const rows = fs.readFileSync(csv.fsPath, 'utf8').trimEnd().split('\r\n');
    assert.equal(rows.length, view.ks.length + 1);
    assert.equal(Number(rows[4].split(',')[1]), view.ks[3].targetBits);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('shows the structure and each example\'s numbers as CodeLens', async () => {
    const lenses = await waitFor('CodeLens with numbers', async () => {
      const l = await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', uri(), 100);
      return l?.some((x) => /^E1 · .* bits to encode/.test(x.command?.title ?? '')) ? l : undefined;
    });
    const titles = lenses.map((l) => l.command?.title ?? '');
    assert.ok(titles.some((t) => /Few-shot: 9 examples \(separator, front matter\)/.test(t)), titles.join(' | '));
    assert.equal(titles.filter((t) => /^E\d+ · /.test(t)).length, 9);
    assert.ok(titles.some((t) => /^Query · P\(target\) /.test(t)));
  });

  it('marks results stale on an edit and re-runs the sweep (debounced)', async () => {
    const doc = await vscode.workspace.openTextDocument(uri());
    const editor = await vscode.window.showTextDocument(doc);
    const before = (await state(uri())).fewShot!;
    const at = doc.positionAt(doc.getText().length - 1);
    await editor.edit((e) => e.insert(at, ' B B B'));
    const after = await waitFor('a fresh sweep of the edited text', async () => {
      const v = (await state(uri())).fewShot;
      return v && v.complete && !v.stale && !v.progress && v.examples.length === 12 ? v : undefined;
    });
    assert.equal(before.examples.length, 9);
    assert.ok(after.ks[12].posterior.B > before.ks[9].posterior.B, 'three more B labels move the posterior toward B');
    await editor.edit((e) => e.delete(new vscode.Range(at, at.translate(0, ' B B B'.length))));
  });

  it('gives malformed front matter a diagnostic on its line', async () => {
    const bad = workspaceFile('bad-front-matter.icl.txt');
    fs.writeFileSync(bad.fsPath, '---\nseparator: " "\nalpha: 7\n---\nlabels: A B A');
    await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(bad));
    const diagnostics = await waitFor('a front-matter diagnostic', () => { const d = vscode.languages.getDiagnostics(bad); return d.length > 0 ? d : undefined; });
    assert.equal(diagnostics[0].range.start.line, 2);
    assert.match(diagnostics[0].message, /alpha/);
    await assert.doesNotReject(Promise.resolve(vscode.commands.executeCommand('iclLens.sweepExamples', bad)));
    await vscode.commands.executeCommand('workbench.action.closeActiveEditor');
  });
  it('the cricket demo: the query format gains mass with each example, dips at the English one, follows the analytic posterior and equals the CLI', async () => {
    // The demo itself, as npm run demo opens it.
    const cricket = workspaceFile('cricket-sweep.icl.txt');
    fs.copyFileSync(path.join(REPO_ROOT, 'demo', 'fewshot', 'cricket-sweep.icl.txt'), cricket.fsPath);
    await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(cricket), vscode.ViewColumn.One);
    const view = await vscode.commands.executeCommand<FewShotView>('iclLens.sweepExamples', cricket);
    assert.ok(view?.complete, 'the command returns the finished sweep');
    assert.deepEqual(view.candidates, ['dsl', 'english']);
    const cli = cliSweep(cricket.fsPath);
    const dsl = view.ks.map((k) => k.posterior.dsl);
    const analytic = view.ks.map((k) => k.referencePosterior!.dsl);
    view.ks.forEach((k, i) => {
      assert.ok(Math.abs(k.posterior.dsl - cli.ks[i].posterior.dsl) < 1e-5, `k=${k.k}: panel ${k.posterior.dsl} vs CLI ${cli.ks[i].posterior.dsl}`);
      assert.ok(Math.abs(k.posterior.dsl - analytic[i]) < 0.05, `k=${k.k}: model ${k.posterior.dsl} vs analytic ${analytic[i]}`);
      // The format mass is P(the answer's first token is S): the model's own predictive over the formats.
      assert.ok(Math.abs(k.formatMass! - analytic[i]) < 0.05, `k=${k.k}: format mass ${k.formatMass} vs analytic ${analytic[i]}`);
      assert.ok(k.coverage! > 0.5, `k=${k.k}: the model expects one of the two answers (coverage ${k.coverage})`);
    });
    // The analytic curve (examples D D E D D D): ½, then up, down at the English answer, up again.
    assert.ok(Math.abs(analytic[0] - 0.5) < 1e-12);
    assert.ok(dsl[1] > dsl[0] + 0.2 && dsl[2] > dsl[1] && dsl[3] < dsl[2] && dsl[6] > dsl[3] && dsl[6] > 0.85, dsl.join(', '));
    assert.match(view.verdicts.posterior!.text, /Largest KL to the analytic format posterior: .* bits \(within the 0\.1-bit pass line\)/);
    await waitFor('the posterior chart drawn with its analytic line', async () => (await charts())?.find((c) => c.id === 'posterior' && c.painted && c.points === 4 * view.ks.length));
    await closeTab(cricket);
    await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(uri()), vscode.ViewColumn.One);
  });
});
