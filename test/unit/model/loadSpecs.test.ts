/** The precision setting reaches the load spec the model is loaded with (a change of it changes the spec, which reloads the model), and its description quotes the tested bounds. */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { FAST_PRECISION_BITS, FAST_PRECISION_MEAN_BITS, PRECISIONS } from '../../../src/core/precision';
import { DEFAULT_SETTINGS, parseSettings } from '../../../src/core/settings';
import { precisionOf, precisionSpec, settingsLoadSpec } from '../../../src/model/loadSpecs';
import { REPO_ROOT } from '../../support/fixtures';

const settings = (raw: Record<string, unknown>) => parseSettings((k) => raw[k]);

describe('settingsLoadSpec', () => {
  it('loads exactly by default: no KV-cache override (F32, flash attention off)', () => {
    const spec = settingsLoadSpec(settings({ 'model.threads': 3, 'model.gpu': 'cpu', 'model.contextSize': 2048 }), '/m.gguf', '/models');
    assert.deepEqual(spec, { source: '/m.gguf', downloadDir: '/models', threads: 3, gpu: 'cpu', maxContextSize: 2048, scorer: 'auto' });
    assert.equal(precisionOf(spec), 'exact');
  });

  it('loads with an F16 cache (flash attention on) when the setting is fast', () => {
    const spec = settingsLoadSpec(settings({ 'evaluation.precision': 'fast' }), '/m.gguf', '/models');
    assert.equal(spec.kvCache, 'f16');
    assert.equal(precisionOf(spec), 'fast');
  });

  it('falls back to exact on a value it does not know', () => {
    const spec = settingsLoadSpec(settings({ 'evaluation.precision': 'turbo' }), '/m.gguf', '/models');
    assert.equal(precisionOf(spec), 'exact');
    assert.equal('kvCache' in spec, false);
  });

  it('gives a different spec when only the precision changes, so the model is reloaded', () => {
    // ModelService and RuntimeClient.setModel reload when the spec's JSON differs.
    const [exact, fast] = (['exact', 'fast'] as const).map((p) => JSON.stringify(settingsLoadSpec(settings({ 'evaluation.precision': p }), '/m.gguf', '/models')));
    assert.notEqual(exact, fast);
  });

  it('maps each precision there and back', () => {
    for (const p of ['exact', 'fast'] as const) assert.equal(precisionOf(precisionSpec(p)), p);
  });
});

describe('the iclLens.evaluation.precision setting', () => {
  it('quotes the bounds the fast-precision test asserts', () => {
    const manifest = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8'));
    const setting = manifest.contributes.configuration.properties['iclLens.evaluation.precision'];
    assert.deepEqual(setting.enum, [...PRECISIONS]);
    assert.equal(setting.default, DEFAULT_SETTINGS.precision);
    for (const text of [setting.enumDescriptions[1], setting.markdownDescription]) {
      assert.ok(text.includes(`≈ ${FAST_PRECISION_BITS} bits`) && text.includes(`${FAST_PRECISION_MEAN_BITS} on average`), text);
    }
  });
});
