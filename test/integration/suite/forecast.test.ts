/**
 * How many more examples, inside a real VS Code: the sweep of the coin-flip
 * prompt on the built-in model carries the scaling-law forecast, equal to the
 * CLI's `--json` forecast (at the default level and at one the setting
 * changes); the panel draws the fitted curve on the target chart and the
 * query's CodeLens says the forecast.
 */
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { config, extensionHostCli, waitFor } from './vscodeHelpers';

interface ForecastView {
  level: number;
  k: number | null;
  reason: string | null;
  form: string | null;
  parameters: { prior: number; efficiency: number; inDistribution: number; outOfDistribution: number | null } | null;
  rmsResidualBits: number | null;
  residualBits: number[];
  fitted: Array<{ k: number; p: number }>;
  verdict: { text: string; tone: string };
}

interface FewShotView {
  complete: boolean;
  ks: Array<{ k: number; targetBits: number | null }>;
  forecast?: ForecastView;
}

const state = (uri: vscode.Uri) => vscode.commands.executeCommand<{ analysis?: { version: number }; fewShot?: FewShotView }>('iclLens.test.state', uri);
const charts = () => vscode.commands.executeCommand<Array<{ id: string; points: number; painted: boolean }> | undefined>('iclLens.test.charts');
const workspaceFile = (name: string) => vscode.Uri.file(path.join(vscode.workspace.workspaceFolders![0].uri.fsPath, name));

function cliForecast(file: string, level?: number): ForecastView & { verdict: string } {
  const cli = extensionHostCli();
  try {
    const r = cli.run(['sweep', file, '--json', '--no-loo', ...(level !== undefined ? ['--forecast-level', String(level)] : [])]);
    assert.equal(r.code, 0, r.stderr);
    return JSON.parse(r.stdout).forecast;
  } finally {
    cli.dispose();
  }
}

/** The panel's forecast equals the CLI's: same k or reason, form, and parameters up to float32 rounding of the bits fitted. */
function assertSameForecast(panel: ForecastView, cli: ForecastView & { verdict: string }) {
  assert.equal(panel.level, cli.level);
  assert.equal(panel.k, cli.k);
  assert.equal(panel.reason, cli.reason);
  assert.equal(panel.form, cli.form);
  for (const key of ['prior', 'efficiency', 'inDistribution'] as const) {
    const a = panel.parameters![key];
    const b = cli.parameters![key];
    assert.ok(Math.abs(a - b) <= 1e-3 * Math.abs(b), `${key}: panel ${a} vs CLI ${b}`);
  }
  assert.equal(panel.residualBits.length, cli.residualBits.length);
  assert.equal(panel.verdict.text.replace(/[\d.e−-]+/g, '#'), cli.verdict.replace(/[\d.e−-]+/g, '#'));
}

describe('how many more examples: the scaling-law forecast', () => {
  const uri = workspaceFile('coin-sweep.icl.txt');

  before(async () => {
    await config().update('model.path', '', vscode.ConfigurationTarget.Global);
    const doc = await vscode.workspace.openTextDocument(uri);
    await vscode.window.showTextDocument(doc);
    await waitFor('the heatmap analysis', async () => ((await state(uri)).analysis?.version === doc.version ? true : undefined));
  });

  after(async () => {
    await config().update('fewShot.forecastLevel', undefined, vscode.ConfigurationTarget.Global);
  });

  it('at the default 0.9: the fitted ceiling is below it, as the CLI says, and the panel and CodeLens say not reached', async () => {
    const view = await vscode.commands.executeCommand<FewShotView>('iclLens.sweepExamples', uri);
    assert.ok(view?.complete);
    const panel = view.forecast!;
    assert.ok(panel, 'the view carries the forecast');
    const cli = cliForecast(uri.fsPath);
    assertSameForecast(panel, cli);
    // 12 heads in 15 flips: the law levels off near the model's P(H) ≈ 0.75, short of 0.9.
    assert.equal(panel.reason, 'ceiling below level');
    assert.equal(panel.k, null);
    assert.match(panel.verdict.text, /0\.9 not reached/);
    assert.equal(panel.fitted.length, view.ks.length);
    // The target chart draws the measured P_k, the fitted curve (one point per k) and the level's two ends.
    const target = await waitFor('the target chart with the fitted curve', async () => {
      const c = (await charts())?.find((x) => x.id === 'target');
      return c && c.painted && c.points === view.ks.length + panel.fitted.length + 2 ? c : undefined;
    });
    assert.ok(target.painted);
    const lenses = await waitFor('the query lens with the forecast', async () => {
      const l = await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', uri, 100);
      return l?.find((x) => /^Query.* · 0\.9 not reached \(fit levels off at 0\.\d+\)/.test(x.command?.title ?? ''));
    });
    assert.ok(lenses);
  });

  it('iclLens.fewShot.forecastLevel below the ceiling: a k, the same as `--forecast-level`', async () => {
    await config().update('fewShot.forecastLevel', 0.65, vscode.ConfigurationTarget.Global);
    const panel = await waitFor('the forecast at 0.65', async () => {
      const f = (await state(uri)).fewShot?.forecast;
      return f?.level === 0.65 ? f : undefined;
    });
    const cli = cliForecast(uri.fsPath, 0.65);
    assertSameForecast(panel, cli);
    assert.equal(panel.reason, null);
    assert.equal(typeof panel.k, 'number');
    assert.match(panel.verdict.text, new RegExp(`reaches 0\\.65 at k = ${panel.k}\\b`));
    await waitFor('the query lens with the forecast k', async () => {
      const l = await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', uri, 100);
      return l?.find((x) => new RegExp(`^Query.* · 0\\.65 at k = ${panel.k} \\(fitted law\\)`).test(x.command?.title ?? ''));
    });
  });
});
