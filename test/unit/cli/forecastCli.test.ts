/** `icl-lens sweep`'s scaling-law forecast as a user reads it: the JSON `forecast`, the table's line, --forecast-level. */
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { after, describe, it } from 'node:test';
import { forecastCurve } from '../../../src/core/fewShot/forecast';
import { CliRunner } from '../../support/cliRunner';
import { REPO_ROOT } from '../../support/fixtures';

const runner = new CliRunner();
after(() => runner.dispose());
const COIN = path.join(REPO_ROOT, 'demo', 'fewshot', 'coin-sweep.icl.txt');
const BUILTIN = path.join(REPO_ROOT, 'models', 'icl-lens-windtunnel.gguf');

describe('icl-lens sweep: the forecast', () => {
  it('--json carries the forecast: the law refitted from its own ks gives the same numbers, and a reason with no k', () => {
    const r = runner.run(['sweep', COIN, '--model', BUILTIN, '--json', '--no-loo']);
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout);
    const f = out.forecast;
    for (const key of ['level', 'points', 'form', 'parameters', 'residualBits', 'rmsResidualBits', 'maxAbsResidualBits', 'toleranceBits', 'horizon', 'k', 'measuredK', 'reason', 'fitted', 'verdict']) assert.ok(key in f, key);
    assert.deepEqual(Object.keys(f.parameters).sort(), ['efficiency', 'inDistribution', 'outOfDistribution', 'prior']);
    assert.equal(f.level, 0.9);
    assert.equal(f.residualBits.length, out.ks.length);
    const again = forecastCurve(out.ks.map((k: { k: number; targetBits: number }) => ({ k: k.k, bits: k.targetBits })), 0.9, out.toleranceBits);
    assert.equal(f.k, again.k);
    assert.equal(f.reason, again.reason);
    assert.ok(Math.abs(f.parameters.inDistribution - again.parameters!.inDistribution) < 1e-12);
    // The demo's flips are 12 of 15 heads: the fitted ceiling is below 0.9, so no k.
    assert.equal(f.k, null);
    assert.equal(f.reason, 'ceiling below level');
    assert.ok(f.parameters.inDistribution > 0.6 && f.parameters.inDistribution < 0.9, String(f.parameters.inDistribution));
    assert.match(f.verdict, /not reached/);
  });

  it('--forecast-level below the ceiling names a k, in the table as in the JSON', () => {
    const json = JSON.parse(runner.run(['sweep', COIN, '--model', BUILTIN, '--json', '--no-loo', '--forecast-level', '0.65']).stdout).forecast;
    assert.equal(json.level, 0.65);
    assert.equal(json.reason, null);
    assert.equal(typeof json.k, 'number');
    const table = runner.run(['sweep', COIN, '--model', BUILTIN, '--no-loo', '--forecast-level', '0.65']);
    assert.equal(table.code, 0, table.stderr);
    assert.match(table.stdout, new RegExp(`forecast: P\\(target\\) reaches 0\\.65 at k = ${json.k}\\b`));
    assert.match(table.stdout, /scaling-law fit P̂\(target\) by k: 0:/);
    assert.match(table.stdout, /residuals log2 P − log2 P̂ \(bits\) by k: 0:/);
  });

  for (const bad of ['0', '1', '1.5', 'x']) {
    it(`--forecast-level ${bad} is a usage error`, () => {
      const r = runner.run(['sweep', COIN, '--forecast-level', bad]);
      assert.equal(r.code, 2);
      assert.match(r.stderr, /--forecast-level must be a probability strictly between 0 and 1/);
    });
  }
});
