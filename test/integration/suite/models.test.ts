/**
 * Models and the first run, in a real VS Code: Select Model ticks the model in
 * use; a path that does not exist, a corrupt GGUF and a GGUF the runtime cannot
 * load are refused with the model in use kept (setting, status bar name,
 * heatmap and hovers); a good choice is switched to and said; the walkthrough's
 * commands exist and its example opens and is painted.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { encodeGguf } from '../../../src/core/gguf/ggufWriter';
import { REPO_ROOT } from '../../support/fixtures';
import { config, waitFor } from './vscodeHelpers';

interface Choice { label: string; description?: string; detail?: string; current: boolean }
interface SeamState {
  painted?: { version: number };
  lastFailure?: string;
  model: { label: string; source: string };
  modelChoices?: Choice[];
  modelSwitches: string[];
}

const MODEL = process.env.ICL_LENS_TEST_MODEL!;
const state = (uri?: vscode.Uri) => vscode.commands.executeCommand<SeamState>('iclLens.test.state', uri);
const selectModel = (source: string) => vscode.commands.executeCommand<string | undefined>('iclLens.selectModel', { source });

/** What must not change when a model is refused. */
interface Kept { setting: unknown; label: string; switches: number; painted: number }

describe('Models and the first run', () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'icl-lens-models-'));
  let example: vscode.Uri;
  let saved: unknown;

  const doc = () => vscode.workspace.textDocuments.find((d) => d.uri.toString() === example.toString())!;
  const painted = () => waitFor('the example painted at its version', async () => {
    const s = await state(example);
    return s.painted && s.painted.version === doc().version ? s : undefined;
  });
  const kept = async (): Promise<Kept> => {
    const s = await state(example);
    return { setting: config().inspect('model.path')?.globalValue, label: s.model.label, switches: s.modelSwitches.length, painted: s.painted!.version };
  };
  /** A hover on the example's second label: its numbers, from the model in use. */
  const hoverText = async () => {
    const text = doc().getText();
    const at = doc().positionAt(text.indexOf('labels: A A') + 'labels: A '.length);
    const hovers = await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', example, at);
    return hovers.flatMap((h) => h.contents.map((c) => (typeof c === 'string' ? c : c.value))).join('\n');
  };

  /** Choose `source`; it is refused with `message`, and nothing about the model in use changes. */
  async function refused(source: string, message: RegExp): Promise<void> {
    const before = await kept();
    const hoverBefore = await hoverText();
    assert.match(hoverBefore, /surprisal|entropy/i, 'the hover answers before');
    const result = await selectModel(source);
    assert.equal(result, undefined, 'nothing was switched to');
    const s = await waitFor('the refusal', async () => { const s = await state(example); return s.lastFailure?.includes(source) ? s : undefined; });
    assert.match(s.lastFailure!, message);
    assert.match(s.lastFailure!, new RegExp(`ICL Lens still uses ${path.basename(MODEL).replace(/\./g, '\\.')}\\.$`));
    assert.deepEqual(await kept(), before, 'setting, status bar name, "now uses" messages and the painted version are unchanged');
    assert.equal(await hoverText(), hoverBefore, 'the hover still answers, with the same numbers');
    // The model in use still runs: an edit is analysed and painted again.
    const editor = vscode.window.visibleTextEditors.find((e) => e.document === doc())!;
    await editor.edit((e) => e.insert(doc().positionAt(doc().getText().length), ' A'));
    await painted();
  }

  before(async () => {
    await vscode.extensions.getExtension('icl-lens.icl-lens')!.activate();
    saved = config().inspect('model.path')?.globalValue;
    await config().update('model.path', MODEL, vscode.ConfigurationTarget.Global);
  });

  after(async () => {
    await config().update('model.path', saved, vscode.ConfigurationTarget.Global);
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('declares a walkthrough whose every command exists', async () => {
    const manifest = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8'));
    const registered = new Set(await vscode.commands.getCommands(true));
    const steps: Array<{ description: string; completionEvents: string[] }> = manifest.contributes.walkthroughs.flatMap((w: { steps: unknown[] }) => w.steps);
    assert.equal(steps.length, 4);
    for (const step of steps) {
      const named = [...step.description.matchAll(/\(command:([\w.]+)/g)].map((m) => m[1])
        .concat(step.completionEvents.filter((e) => e.startsWith('onCommand:')).map((e) => e.slice('onCommand:'.length)));
      assert.ok(named.length > 0);
      for (const c of named) assert.ok(registered.has(c), `${c} is registered`);
    }
    // The walkthrough opens by its id (the Welcome page resolves it from the manifest).
    await vscode.commands.executeCommand('workbench.action.openWalkthrough', 'icl-lens.icl-lens#firstRun', false);
  });

  it('opens the walkthrough\'s example as an untitled document and paints it', async () => {
    example = await vscode.commands.executeCommand<vscode.Uri>('iclLens.openExample');
    assert.ok(example, 'the command returns the document');
    assert.equal(example.scheme, 'untitled');
    assert.equal(doc().getText(), fs.readFileSync(path.join(REPO_ROOT, 'demo/fewshot/labels-sweep.icl.txt'), 'utf8'));
    await painted();
  });

  it('ticks the model in use in Select Model', async () => {
    const picking = vscode.commands.executeCommand('iclLens.selectModel');
    const s = await waitFor('the picker\'s entries', async () => { const now = await state(example); return now.modelChoices ? now : undefined; });
    await vscode.commands.executeCommand('workbench.action.closeQuickOpen');
    assert.equal(await picking, undefined, 'closing the picker changes nothing');
    const current = s.modelChoices!.filter((c) => c.current);
    assert.equal(current.length, 1, 'one entry is current');
    assert.equal(current[0], s.modelChoices![0], 'a model of the user\'s own comes first');
    assert.equal(current[0].detail, MODEL);
    assert.equal(current[0].description, 'current');
    assert.match(current[0].label, /^\$\(check\) /);
  });

  it('refuses a path that does not exist, keeping the model in use', async () => {
    await refused(path.join(tmp, 'does-not-exist.gguf'), /Model file not found/);
  });

  it('refuses a corrupt GGUF, keeping the model in use', async () => {
    const corrupt = path.join(tmp, 'corrupt.gguf');
    fs.writeFileSync(corrupt, Buffer.concat([Buffer.from('GGUF'), Buffer.from([3, 0, 0, 0]), Buffer.alloc(64, 0xff)]));
    await refused(corrupt, /is not a usable GGUF model/);
  });

  it('refuses a GGUF that the runtime cannot load, keeping the model in use', async () => {
    // A well-formed header naming an architecture llama.cpp does not know: only loading finds out.
    const unloadable = path.join(tmp, 'unknown-architecture.gguf');
    fs.writeFileSync(unloadable, Buffer.concat(encodeGguf([['general.architecture', { type: 'string', value: 'nonesuch' }]], [])));
    await refused(unloadable, /Could not load .*unknown-architecture\.gguf/);
  });

  it('switches to a model that loads, says so, and ticks it', async () => {
    assert.equal(await selectModel(''), '', 'the built-in model');
    let s = await state(example);
    assert.deepEqual(s.modelSwitches.slice(-1), ['ICL Lens now uses the built-in wind-tunnel model.']);
    assert.equal(s.model.label, 'built-in wind-tunnel model');
    assert.equal(config().inspect('model.path')?.globalValue, undefined);
    await painted();
    const picking = vscode.commands.executeCommand('iclLens.selectModel');
    s = await waitFor('the picker\'s entries', async () => {
      const now = await state(example);
      return now.modelChoices?.find((c) => c.current)?.label.includes('Built-in') ? now : undefined;
    });
    await vscode.commands.executeCommand('workbench.action.closeQuickOpen');
    await picking;
    assert.equal(s.modelChoices!.filter((c) => c.current).length, 1);

    assert.equal(await selectModel(MODEL), MODEL);
    s = await state(example);
    assert.deepEqual(s.modelSwitches.slice(-1), [`ICL Lens now uses ${path.basename(MODEL)}.`]);
    assert.equal(config().inspect('model.path')?.globalValue, MODEL);
  });
});
