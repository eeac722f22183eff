/**
 * What Comes Next? and Continue From Here from a hover: the hover's links carry
 * the hovered token's place, and the commands act there, not at the cursor; the
 * continuation view shows the greedy continuation, a picked alternative changes
 * it, Back returns, and only Insert changes the document, inserting exactly the
 * text the view shows as one undoable edit.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { BranchViewSnapshot } from '../../../src/shared/branchViewProtocol';
import { config, waitFor } from './vscodeHelpers';

interface ViewState {
  snapshot?: BranchViewSnapshot;
  rendered?: { revision: number; text: string };
  whatComesNext?: { uri: string; offset: number; afterIndex: number; top: Array<{ id: number; p: number }> };
}
interface StoredAnalysis {
  version: number;
  tokens: number;
}

const MODEL = process.env.ICL_LENS_TEST_MODEL!;
const TEXT = 'Input: the movie was great\nOutput: positive\n\nInput: the plot was thin\nOutput:';
/** Read (and drive, as the webview's buttons do) through the tests' seam. */
const view = (message?: unknown) => vscode.commands.executeCommand<ViewState>('iclLens.test.branchView', message);

/** The snapshot once the view is `ready` and its webview has rendered it. */
function settled(what: string, accept: (s: BranchViewSnapshot) => boolean = () => true): Promise<{ snapshot: BranchViewSnapshot; rendered: { revision: number; text: string } }> {
  return waitFor(what, async () => {
    const v = await view();
    const s = v.snapshot;
    if (s === undefined || s.status === 'running' || !accept(s) || v.rendered?.revision !== s.revision) return undefined;
    return { snapshot: s, rendered: v.rendered };
  });
}

/** The `command:` links of the hover at `offset`, decoded: command → its argument. */
async function hoverLinks(doc: vscode.TextDocument, offset: number): Promise<Map<string, unknown>> {
  const hovers = await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', doc.uri, doc.positionAt(offset));
  const markdown = hovers.flatMap((h) => h.contents.map((c) => (typeof c === 'string' ? c : (c as vscode.MarkdownString).value))).join('\n');
  const links = new Map<string, unknown>();
  for (const m of markdown.matchAll(/\(command:([\w.]+)\?([^\s)]+)/g)) links.set(m[1], JSON.parse(decodeURIComponent(m[2]))[0]);
  return links;
}

describe('What comes next, from a hover, and the continuation view', () => {
  let doc: vscode.TextDocument;
  /** The document's tokens as the extension analysed them (the CLI's JSON shape). */
  let tokens: Array<{ index: number; text: string; start: number; end: number; top: Array<{ id: number; p: number }> }>;
  let hovered: (typeof tokens)[number];

  before(async () => {
    await config().update('model.path', MODEL, vscode.ConfigurationTarget.Global);
    await config().update('continuation.maxTokens', 6, vscode.ConfigurationTarget.Global);
    const file = path.join(vscode.workspace.workspaceFolders![0].uri.fsPath, 'branches.prompt');
    fs.writeFileSync(file, TEXT);
    doc = await vscode.workspace.openTextDocument(vscode.Uri.file(file));
    const editor = await vscode.window.showTextDocument(doc);
    await waitFor('the analysis', async () => {
      const s = await vscode.commands.executeCommand<{ analysis?: StoredAnalysis }>('iclLens.test.state', doc.uri);
      return s.analysis?.version === doc.version;
    });
    const analysis = await vscode.commands.executeCommand<{ tokens: typeof tokens }>('iclLens.analyzePrompt');
    tokens = analysis.tokens;
    // A token in the middle; the cursor at the end of the document, far from it.
    hovered = tokens.find((t) => t.text === ' movie')!;
    assert.ok(hovered, tokens.map((t) => t.text).join('|'));
    editor.selection = new vscode.Selection(doc.positionAt(TEXT.length), doc.positionAt(TEXT.length));
  });

  after(async () => {
    await config().update('continuation.maxTokens', undefined, vscode.ConfigurationTarget.Global);
  });

  it("links the hover's commands to the hovered token's place", async () => {
    const links = await hoverLinks(doc, hovered.start + 1);
    const here = { uri: doc.uri.toString(), offset: hovered.end };
    assert.deepEqual(links.get('iclLens.whatComesNext'), here);
    assert.deepEqual(links.get('iclLens.continueFromHere'), here);
  });

  it('shows the distribution after the hovered token, not the cursor', async () => {
    const at = (await hoverLinks(doc, hovered.start + 1)).get('iclLens.whatComesNext');
    const running = vscode.commands.executeCommand('iclLens.whatComesNext', at);
    const shown = await waitFor('the list', async () => {
      const w = (await view()).whatComesNext;
      return w?.offset === hovered.end ? w : undefined;
    });
    await vscode.commands.executeCommand('workbench.action.closeQuickOpen');
    await running;
    assert.equal(shown.afterIndex, hovered.index);
    assert.deepEqual(shown.top.map((a) => a.id), tokens[hovered.index + 1].top.map((a) => a.id), 'the distribution for the slot after the hovered token');
    assert.notEqual(doc.offsetAt(vscode.window.activeTextEditor!.selection.active), hovered.end, 'the cursor is elsewhere');
    assert.equal(doc.getText(), TEXT, 'closing the list inserts nothing');
  });

  it('opens the continuation after the hovered token; a picked alternative changes it; Back returns; only Insert inserts, exactly the shown text, as one edit', async () => {
    const at = (await hoverLinks(doc, hovered.start + 1)).get('iclLens.continueFromHere');
    await vscode.commands.executeCommand('iclLens.continueFromHere', at);
    const plain = await settled('the greedy continuation');
    assert.equal(plain.snapshot.status, 'ready', plain.snapshot.problem?.message);
    assert.equal(plain.snapshot.steps.length, 6);
    assert.equal(plain.snapshot.depth, 0);
    assert.equal(plain.rendered.text, plain.snapshot.text, 'the webview shows the text Insert inserts');
    assert.equal(plain.snapshot.steps.map((s) => s.text).join(''), plain.snapshot.text);
    // Its first step is the distribution after the hovered token.
    assert.deepEqual(plain.snapshot.steps[0].alternatives.map((a) => a.id), tokens[hovered.index + 1].top.map((a) => a.id));
    assert.match(plain.snapshot.where, /branches\.prompt, line 1, column 17/);
    assert.equal(doc.getText(), TEXT, 'nothing is inserted before Insert');

    // Pick the second-best token at step 2: the continuation changes from there.
    const step = 2;
    const alt = plain.snapshot.steps[step].alternatives.find((a) => !a.taken)!;
    await view({ type: 'branch/pick', step, id: alt.id });
    const branch = await settled('the branch', (s) => s.depth === 1);
    assert.equal(branch.snapshot.branchStep, step);
    assert.equal(branch.snapshot.steps.length, step + 1 + 6);
    assert.deepEqual(branch.snapshot.steps.slice(0, step).map((s) => s.label), plain.snapshot.steps.slice(0, step).map((s) => s.label));
    assert.equal(branch.snapshot.steps[step].alternatives.find((a) => a.taken)?.id, alt.id);
    assert.ok(Math.abs(branch.snapshot.steps[step].p - alt.p) <= 1e-6 * alt.p);
    assert.notEqual(branch.snapshot.text, plain.snapshot.text);
    assert.equal(branch.rendered.text, branch.snapshot.text);
    assert.equal(doc.getText(), TEXT, 'picking inserts nothing');

    await view({ type: 'branch/back' });
    const backAgain = await settled('back', (s) => s.depth === 0);
    assert.equal(backAgain.snapshot.text, plain.snapshot.text);

    await view({ type: 'branch/pick', step, id: alt.id });
    const shown = await settled('the branch again', (s) => s.depth === 1);
    await view({ type: 'branch/insert' });
    const expected = TEXT.slice(0, hovered.end) + shown.rendered.text + TEXT.slice(hovered.end);
    await waitFor('the insertion', () => doc.getText() === expected);
    // One edit: one undo takes it all back.
    await vscode.window.showTextDocument(doc);
    await vscode.commands.executeCommand('undo');
    await waitFor('the undo', () => doc.getText() === TEXT);
  });

  it('makes a continuation stale when the text before its place changes, and refuses to insert it', async () => {
    await vscode.commands.executeCommand('iclLens.continueFromHere', { uri: doc.uri.toString(), offset: hovered.end });
    await settled('a fresh continuation', (s) => s.notice === undefined && s.depth === 0);
    const edit = new vscode.WorkspaceEdit();
    edit.insert(doc.uri, doc.positionAt(0), 'Note: ');
    await vscode.workspace.applyEdit(edit);
    const stale = await settled('the stale notice', (s) => s.notice !== undefined);
    assert.equal(stale.snapshot.canInsert, false);
    assert.match(stale.snapshot.notice!, /text before the place changed/);
    const before = doc.getText();
    await view({ type: 'branch/insert' });
    assert.equal(doc.getText(), before, 'a stale continuation is not inserted');
    // Regenerate continues from the same place, moved with the edit.
    await view({ type: 'branch/regenerate' });
    const fresh = await settled('the regenerated continuation', (s) => s.notice === undefined);
    assert.match(fresh.snapshot.where, /column 23/);
    assert.equal(fresh.snapshot.canInsert, true);
  });

  it('says clearly when the model cannot be loaded, and offers Select Model', async () => {
    await config().update('model.path', path.join(path.dirname(doc.uri.fsPath), 'missing-model.gguf'), vscode.ConfigurationTarget.Global);
    try {
      await vscode.commands.executeCommand('iclLens.continueFromHere', { uri: doc.uri.toString(), offset: 5 });
      const failed = await settled('the failure', (s) => s.status === 'failed');
      assert.equal(failed.snapshot.problem?.selectModel, true, failed.snapshot.problem?.message);
      assert.match(failed.snapshot.problem!.message, /missing-model\.gguf/);
    } finally {
      await config().update('model.path', MODEL, vscode.ConfigurationTarget.Global);
    }
  });
});
