/** The Select Model entries tick the model in use, whichever kind it is, and only that one. */
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { GENERATED_MODEL_NAME, modelChoices, RECOMMENDED_MODELS } from '../../../src/editor/modelChoices';
import { cacheFolder } from '../../../src/model/worker/modelCache';

const modelsDir = path.join(path.sep, 'storage', 'models');
const ticked = (source: string) => modelChoices({ source, modelsDir }).filter((c) => c.current);

describe('Select Model entries', () => {
  it('tick the built-in model when the setting is empty', () => {
    const [only, ...rest] = ticked('');
    assert.deepEqual(rest, []);
    assert.equal(only.label, '$(check) Built-in wind-tunnel model');
    assert.equal(only.description, 'current');
    assert.deepEqual(only.action, { kind: 'builtin' });
  });

  it('tick the generated model by its file', () => {
    const [only, ...rest] = ticked(path.join(modelsDir, GENERATED_MODEL_NAME));
    assert.deepEqual(rest, []);
    assert.deepEqual(only.action, { kind: 'generate' });
    assert.match(only.label, /^\$\(check\) Generate/);
  });

  it('tick a recommended model by the cached file its download became', () => {
    const m = RECOMMENDED_MODELS[1];
    const [only, ...rest] = ticked(path.join(cacheFolder(modelsDir, m.uri), 'qwen.gguf'));
    assert.deepEqual(rest, []);
    assert.deepEqual(only.action, { kind: 'download', uri: m.uri });
    assert.equal(only.description, `current · ${m.size}`);
  });

  it('put a model of the user\'s own first, ticked with its path, and tick nothing else', () => {
    const mine = path.join(path.sep, 'home', 'me', 'llama.gguf');
    const choices = modelChoices({ source: mine, modelsDir });
    assert.equal(choices[0].label, '$(check) llama.gguf');
    assert.equal(choices[0].detail, mine);
    assert.equal(choices[0].description, 'current');
    assert.deepEqual(choices[0].action, { kind: 'keep' });
    assert.deepEqual(choices.filter((c) => c.current), [choices[0]]);
    assert.ok(choices.slice(1).every((c) => !c.label.startsWith('$(check)') && c.description?.includes('current') !== true));
  });

  it('offer every way to choose whatever is current', () => {
    for (const source of ['', '/x/y.gguf']) {
      const kinds = modelChoices({ source, modelsDir }).flatMap((c) => (c.action ? [c.action.kind] : []));
      for (const kind of ['chooseFile', 'enterSource', 'builtin', 'generate', 'download']) assert.ok(kinds.includes(kind as never), `${kind} for ${JSON.stringify(source)}`);
    }
  });
});
