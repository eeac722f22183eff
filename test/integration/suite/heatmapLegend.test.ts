/**
 * Reading the heatmap in a real VS Code: the hover's level and whole emoji
 * character, the status bar's legend with colour swatches, fast evaluation
 * said in both, and high-contrast themes painting their palette with the
 * underline cue.
 */
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { HIGH_CONTRAST_CUES } from '../../../src/core/heatmapPalette';
import { precisionNote } from '../../../src/core/precision';
import { config, waitFor } from './vscodeHelpers';

interface SeamState {
  painted?: { version: number; ranges: unknown[]; themeKind: string; cues: Array<{ width: number; style: string }> };
  analysis?: { version: number; route: { precision: string } };
  state?: { kind: string };
  statusTooltip?: { value: string; supportHtml: boolean };
}

const MODEL = process.env.ICL_LENS_TEST_MODEL!;
/** Read through the tests' seam (test/integration/seam), which the packaged extension does not have. */
const state = (uri?: vscode.Uri) => vscode.commands.executeCommand<SeamState>('iclLens.test.state', uri);
const FAMILY = '\u{1F468}\u200D\u{1F469}\u200D\u{1F467}';
const workbench = () => vscode.workspace.getConfiguration('workbench');

async function hoverText(doc: vscode.TextDocument, offset: number): Promise<string> {
  const hovers = await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', doc.uri, doc.positionAt(offset));
  return hovers.flatMap((h) => h.contents.map((c) => (typeof c === 'string' ? c : (c as vscode.MarkdownString).value))).join('\n');
}

describe('Reading the heatmap', () => {
  let doc: vscode.TextDocument;

  before(async () => {
    const ext = vscode.extensions.getExtension('icl-lens.icl-lens');
    assert.ok(ext);
    await ext.activate();
    await config().update('model.path', MODEL, vscode.ConfigurationTarget.Global);
    // The tiny test model reads English no better than chance: colours are asked for anyway.
    await config().update('heatmap.colorUnreadableText', true, vscode.ConfigurationTarget.Global);
    doc = await vscode.workspace.openTextDocument(vscode.Uri.file(path.join(vscode.workspace.workspaceFolders![0].uri.fsPath, 'family.icl.txt')));
    await vscode.window.showTextDocument(doc);
    await waitFor('the heatmap of family.icl.txt', async () => {
      const s = await state(doc.uri);
      return s.painted && s.painted.version === doc.version && s.painted.ranges.length > 0 ? s.painted : undefined;
    });
  });

  after(async () => {
    await workbench().update('colorTheme', undefined, vscode.ConfigurationTarget.Global);
    await config().update('heatmap.colorUnreadableText', undefined, vscode.ConfigurationTarget.Global);
  });

  it('hovers a piece of an emoji family with the whole character and the token\'s level', async () => {
    const at = doc.getText().indexOf(FAMILY);
    assert.ok(at > 0);
    // The ZWJ after the man: a piece of the family whichever way the model splits it.
    const text = await hoverText(doc, at + 2);
    assert.match(text, /level [0-7] of 7 · [\d.]+(–[\d.]+)? bits|level 7 of 7 · ≥ [\d.]+ bits/, text);
    assert.match(text, /<span style="background-color:var\(--vscode-iclLens-heatmap-level[0-7]\);">/, 'the level\'s swatch');
    assert.ok(text.includes(`part of \`${FAMILY}\` (token `), text);
    assert.match(text, /\(token \d+ of ([2-9]|\d\d+)\)/);
    assert.equal(text.split('\n').filter((l) => /^ ?\d+ {2}\S/.test(l)).length, 10, 'ten alternatives, one line each');
  });

  it('shows a space token as ␣', async () => {
    const text = await hoverText(doc, doc.getText().indexOf(' went'));
    // The model's pieces of " went" start with the space; the hover's fields are separated by " · ".
    assert.match(text, /\*\*ICL Lens\*\* · `␣[^`]*` · level \d of 7/, text);
  });

  it('repaints with fast evaluation when the precision setting changes, and says so in the hover and the status bar', async () => {
    const at = doc.getText().indexOf(' went');
    const note = precisionNote('fast')!;
    /** The state once the document is painted from an analysis evaluated with `precision`. */
    const paintedWith = (precision: string) => waitFor(`the heatmap repainted from ${precision} evaluation`, async () => {
      const s = await state(doc.uri);
      return s.analysis?.route.precision === precision && s.state?.kind === 'idle' && s.painted && s.painted.version === doc.version && s.painted.ranges.length > 0 ? s : undefined;
    });
    // The Markdown escapes the note's punctuation.
    const plain = (md: string) => md.replace(/\\/g, '');
    await config().update('evaluation.precision', 'fast', vscode.ConfigurationTarget.Global);
    try {
      const s = await paintedWith('fast');
      assert.ok(plain(s.statusTooltip?.value ?? '').includes(note), s.statusTooltip?.value);
      assert.ok(plain(await hoverText(doc, at)).includes(note), 'the hover says fast');
    } finally {
      await config().update('evaluation.precision', undefined, vscode.ConfigurationTarget.Global);
    }
    const s = await paintedWith('exact');
    assert.doesNotMatch(s.statusTooltip?.value ?? '', /fast evaluation/);
    assert.doesNotMatch(await hoverText(doc, at), /fast evaluation/);
  });

  it('has a status bar legend with a colour swatch per level', async () => {
    const tooltip = await waitFor('the status bar tooltip', async () => (await state(doc.uri)).statusTooltip);
    assert.equal(tooltip.supportHtml, true, 'HTML is on, or VS Code would show the spans as text');
    for (let level = 0; level < 8; level++) {
      assert.ok(tooltip.value.includes(`<span style="background-color:var(--vscode-iclLens-heatmap-level${level});">`), `swatch ${level}`);
    }
    assert.match(tooltip.value, /\| 7 \| ≥ 8\.75 bits \|/);
  });

  it('paints the high-contrast palette with the underline cue in Default High Contrast, and drops it after', async () => {
    await workbench().update('colorTheme', 'Default High Contrast', vscode.ConfigurationTarget.Global);
    const hc = await waitFor('a high-contrast heatmap', async () => {
      const s = await state(doc.uri);
      return s.painted?.themeKind === 'highContrast' ? s.painted : undefined;
    });
    assert.equal(vscode.window.activeColorTheme.kind, vscode.ColorThemeKind.HighContrast);
    assert.deepEqual(hc.cues, HIGH_CONTRAST_CUES);
    assert.ok(hc.ranges.length > 0);
    const tooltip = (await state(doc.uri)).statusTooltip!;
    assert.match(tooltip.value, /underline/);
    await workbench().update('colorTheme', undefined, vscode.ConfigurationTarget.Global);
    const plain = await waitFor('the heatmap back in the default theme', async () => {
      const s = await state(doc.uri);
      return s.painted && s.painted.themeKind !== 'highContrast' ? s.painted : undefined;
    });
    assert.ok(plain.cues.every((c) => c.width === 0));
  });
});
