/**
 * Chat prompts in a real VS Code: a `*.chat.json` with JSON escapes and an
 * emoji is recognised, rendered by the model's own chat template and painted
 * where its messages are written, at the levels `icl-lens heatmap --json
 * --template` gives; the hover of the first token after a role header names
 * the template's tokens with their bits; Show Rendered Prompt opens the exact
 * rendered text, painted template tokens and all, and follows the file; a
 * template setting re-renders; invalid JSON is a diagnostic and nothing is sent;
 * a file of another name whose content is a chat is one under Analyze Prompt;
 * a model without a template offers node-llama-cpp's wrappers and the choice is
 * written and used.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { TokenStat } from '../../../src/core/analysis';
import { CHAT_WRAPPER_NAMES } from '../../../src/core/chat/chatTypes';
import { heatmapRanges, levelOf, type LevelRange } from '../../../src/core/heatmapScale';
import { templateRunLine } from '../../../src/core/hoverMarkdown';
import { config, extensionHostCli, waitFor } from './vscodeHelpers';

interface SeamState {
  painted?: { version: number; metric: string; ranges: LevelRange[] };
  analysis?: { version: number; tokens: number };
  state?: { kind: string; message?: string; label?: string };
  lastFailure?: string;
  statusText?: string;
  chatTemplateOffers: Array<{ message: string; actions: string[] }>;
  chatTemplateChoices?: Array<{ label: string; template: string; description?: string }>;
  renderedPrompts: Array<{ uri: string; source: string; version?: number; text?: string }>;
}
interface MeasuredChart { id: string; points: number; painted: boolean; templatePoints?: number[] }
/** What `icl-lens heatmap --json` says of a chat file: tokens on the file (the template's marked), the template's words, the rendered text. */
interface ChatHeatmap { tokens: TokenStat[]; template: string; renderedText: string }

const CHAT_MODEL = process.env.ICL_LENS_TEST_MODEL_CHATML!;
/** The tiny test model has no chat template. */
const PLAIN_MODEL = process.env.ICL_LENS_TEST_MODEL!;
const state = (uri?: vscode.Uri) => vscode.commands.executeCommand<SeamState>('iclLens.test.state', uri);
const charts = () => vscode.commands.executeCommand<MeasuredChart[] | undefined>('iclLens.test.charts');

/** A system line with `\n` and `\"`, a user message with `\u00e9` and an emoji. */
const CHAT_JSON = `{
  "messages": [
    { "role": "system", "content": "Answer in one line.\\nBe \\"brief\\"." },
    { "role": "user", "content": "Caf\\u00e9 or tea? 🍵 Pick one." }
  ]
}
`;

async function hoverText(doc: vscode.TextDocument, offset: number): Promise<string> {
  const hovers = await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', doc.uri, doc.positionAt(offset));
  return hovers.flatMap((h) => h.contents.map((c) => (typeof c === 'string' ? c : (c as vscode.MarkdownString).value))).join('\n');
}

/** Every offset inside the messages' "content" strings (between the quotes): what the heatmap must cover. */
function contentOffsets(json: string): number[] {
  const out: number[] = [];
  for (const m of json.matchAll(/"content": "((?:[^"\\]|\\.)*)"/g)) {
    const start = m.index! + m[0].indexOf('"', '"content":'.length) + 1;
    for (let i = start; i < start + m[1].length; i++) out.push(i);
  }
  return out;
}

/** Offsets inside one written character: after the backslash of an escape, and the emoji's low surrogate. */
function insideCharacters(json: string): Set<number> {
  const inside = new Set<number>();
  for (const m of json.matchAll(/\\(u[0-9a-fA-F]{4}|["\\/bfnrt])/g)) for (let i = 1; i < m[0].length; i++) inside.add(m.index! + i);
  for (const m of json.matchAll(/[\uD800-\uDBFF][\uDC00-\uDFFF]/g)) inside.add(m.index! + 1);
  return inside;
}

const covered = (ranges: readonly LevelRange[]) => [...new Set(ranges.flatMap((r) => Array.from({ length: r.end - r.start }, (_, i) => r.start + i)))].sort((a, b) => a - b);

describe('Chat prompts', () => {
  const cli = extensionHostCli();
  const folder = () => vscode.workspace.workspaceFolders![0].uri.fsPath;
  const file = () => path.join(folder(), 'greeting.chat.json');
  let doc: vscode.TextDocument;

  /** `icl-lens heatmap --json --template` on the chat file as it is now, with the same model and top-k as the extension. */
  function cliHeatmap(model: string, template: string, text = doc.getText(), fileName = 'greeting.chat.json'): ChatHeatmap {
    const input = cli.file(fileName, text);
    const r = cli.run(['heatmap', input, '--model', model, '--template', template, '--json', '--metric', 'entropy', '--top-k', '10']);
    assert.equal(r.code, 0, r.stderr);
    return JSON.parse(r.stdout);
  }

  const painted = (uri: vscode.Uri, version: () => number) => waitFor(`the heatmap of ${path.basename(uri.path)}`, async () => {
    const s = await state(uri);
    return s.painted && s.painted.version === version() && s.painted.metric === 'entropy' && s.painted.ranges.length > 0 ? s : undefined;
  });

  before(async () => {
    await vscode.extensions.getExtension('icl-lens.icl-lens')!.activate();
    await config().update('model.path', CHAT_MODEL, vscode.ConfigurationTarget.Global);
    await config().update('chat.template', undefined, vscode.ConfigurationTarget.Global);
    // A random-weight model reads any text no better than chance: colours are asked for anyway.
    await config().update('heatmap.colorUnreadableText', true, vscode.ConfigurationTarget.Global);
    fs.writeFileSync(file(), CHAT_JSON);
  });

  after(async () => {
    await config().update('chat.template', undefined, vscode.ConfigurationTarget.Workspace);
    await config().update('chat.template', undefined, vscode.ConfigurationTarget.Global);
    await config().update('heatmap.colorUnreadableText', undefined, vscode.ConfigurationTarget.Global);
    await config().update('model.path', PLAIN_MODEL, vscode.ConfigurationTarget.Global);
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    cli.dispose();
  });

  it('renders a *.chat.json with the model\'s template and paints its messages where they are written, at the CLI\'s levels', async () => {
    doc = await vscode.workspace.openTextDocument(vscode.Uri.file(file()));
    await vscode.window.showTextDocument(doc, vscode.ViewColumn.One);
    const s = await painted(doc.uri, () => doc.version);
    const expected = cliHeatmap(CHAT_MODEL, 'auto');
    assert.ok(expected.tokens.some((t) => t.template), 'the template\'s tokens are listed');
    assert.deepEqual(s.painted!.ranges, heatmapRanges(expected.tokens, 'entropy', 10));
    // Every character of the contents as written (escapes whole, the emoji's two units) is coloured, and nothing else.
    assert.deepEqual(covered(s.painted!.ranges), contentOffsets(CHAT_JSON));
    // No token starts or ends inside an escape or between the emoji's surrogates.
    const inside = insideCharacters(CHAT_JSON);
    assert.equal(inside.size, 9, 'the escapes \\n, \\" twice, \\u00e9 and the emoji');
    for (const r of s.painted!.ranges) assert.ok(!inside.has(r.start) && !inside.has(r.end), `${r.start}..${r.end}: ${JSON.stringify(CHAT_JSON.slice(r.start, r.end))}`);
    // The random-weight model reads nothing better than chance, so the status bar says that too.
    assert.match(s.statusText ?? '', / · chat · model template( · ppl |$)/);
  });

  it('hovers the first token after a role header with the template\'s tokens before it and their bits', async () => {
    const { tokens } = cliHeatmap(CHAT_MODEL, 'auto');
    const userStart = CHAT_JSON.indexOf('Caf');
    const first = tokens.findIndex((t) => !t.template && t.start >= userStart && t.end > t.start);
    assert.ok(first > 0 && tokens[first - 1].template, 'template tokens precede the user\'s first content token');
    let from = first;
    while (from > 0 && tokens[from - 1].template) from--;
    const header = tokens.slice(from, first);
    assert.ok(header.some((t) => t.text === '<|im_start|>'), header.map((t) => t.text).join('|'));
    const text = await hoverText(doc, tokens[first].start);
    assert.ok(text.includes(templateRunLine('before', header, 'entropy')), `${templateRunLine('before', header, 'entropy')}\n---\n${text}`);
    assert.ok(text.includes('`<|im_start|>`'), 'the special token verbatim');
    assert.ok(text.includes(`${tokens[first].entropy!.toFixed(2)} bits`), 'the token\'s own numbers');
  });

  it('draws the template\'s tokens in the panel\'s token chart, in order and marked', async () => {
    const { tokens } = cliHeatmap(CHAT_MODEL, 'auto');
    await vscode.commands.executeCommand('iclLens.showPanel');
    const chart = await waitFor('the token chart', async () => (await charts())?.find((c) => c.id === 'tokens' && c.painted && (c.templatePoints?.length ?? 0) > 0));
    assert.deepEqual(chart.templatePoints, tokens.flatMap((t, i) => (t.template ? [i] : [])));
    await vscode.window.showTextDocument(doc, vscode.ViewColumn.One);
  });

  it('shows the rendered prompt: the exact text, template tokens painted, the same hover; it follows the file', async () => {
    const expected = cliHeatmap(CHAT_MODEL, 'auto');
    const uri = await vscode.commands.executeCommand<vscode.Uri>('iclLens.showRenderedPrompt');
    assert.ok(uri, 'the command returns the view');
    assert.equal(uri.scheme, 'icl-lens-rendered');
    const view = vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri.toString())!;
    const text = view.getText();
    assert.equal(text, expected.renderedText, 'the CLI\'s renderedText, to the character');
    assert.equal(decodeURIComponent(uri.path), `/greeting.chat.json — ${expected.template}`);
    assert.ok(text.includes('Answer in one line.\nBe "brief".'), 'escapes decoded');
    assert.ok(text.includes('Café or tea? 🍵 Pick one.'));
    assert.ok(text.includes('<|im_start|>user\n'), 'the role header as the model receives it');
    assert.ok(text.endsWith('<|im_start|>assistant\n'), 'the generation prompt ends it');
    const s = await painted(uri, () => view.version);
    // Every token with numbers and text is painted there, the template's included, at its level.
    const paintedHere = (t: TokenStat) => t.entropy !== null && (t.end > t.start || t.template === true);
    const byIndex = new Map(s.painted!.ranges.map((r) => [r.index, r]));
    assert.deepEqual([...byIndex.keys()], expected.tokens.flatMap((t, i) => (paintedHere(t) ? [i] : [])));
    for (const [i, r] of byIndex) assert.equal(r.level, levelOf(expected.tokens[i].entropy!, 10), `level of token ${i}`);
    const special = s.painted!.ranges.find((r) => text.slice(r.start, r.end) === '<|im_start|>');
    assert.ok(special, 'a special token is painted in the view');
    assert.match(await hoverText(view, special.start), /`<\|im_start\|>` · chat template · /);
    assert.match(s.statusText ?? '', /chat · model template/);

    // An edit of the file re-renders the view.
    const editor = await vscode.window.showTextDocument(doc, vscode.ViewColumn.One);
    const at = doc.getText().indexOf('tea');
    await editor.edit((e) => e.replace(new vscode.Range(doc.positionAt(at), doc.positionAt(at + 3)), 'coffee'));
    await painted(doc.uri, () => doc.version);
    await waitFor('the view following the edit', () => view.getText().includes('Café or coffee? 🍵') || undefined);
    await painted(uri, () => view.version);
    const after = cliHeatmap(CHAT_MODEL, 'auto');
    assert.equal(view.getText(), after.renderedText);
    assert.equal((await state(uri)).renderedPrompts.find((v) => v.uri === uri.toString())?.version, view.version);
  });

  it('re-renders open chat files when iclLens.chat.template changes, and the view takes the template\'s name', async () => {
    await vscode.window.showTextDocument(doc, vscode.ViewColumn.One);
    await config().update('chat.template', 'llama3', vscode.ConfigurationTarget.Global);
    const s = await waitFor('the status bar naming llama3', async () => {
      const now = await state(doc.uri);
      return now.painted?.version === doc.version && / · chat · llama3( ·|$)/.test(now.statusText ?? '') ? now : undefined;
    });
    assert.deepEqual(s.painted!.ranges, heatmapRanges((cliHeatmap(CHAT_MODEL, 'llama3')).tokens, 'entropy', 10));
    const views = await waitFor('the view retitled', async () => {
      const v = (await state(doc.uri)).renderedPrompts;
      return v.length === 1 && /llama3/.test(decodeURIComponent(vscode.Uri.parse(v[0].uri).path)) && v[0].text?.includes('<|start_header_id|>user<|end_header_id|>') ? v : undefined;
    });
    // The old title's tab closes after the new one opens (the view's state is stored in between).
    const renderedTabs = () => vscode.window.tabGroups.all.flatMap((g) => g.tabs).filter((t) => t.input instanceof vscode.TabInputText && t.input.uri.scheme === 'icl-lens-rendered');
    await waitFor('one rendered tab', () => (renderedTabs().length === 1 ? true : undefined));
    assert.equal(renderedTabs().length, 1, 'one rendered tab');
    assert.ok(views);
    await config().update('chat.template', undefined, vscode.ConfigurationTarget.Global);
    await waitFor('auto again', async () => (/chat · model template/.test((await state(doc.uri)).statusText ?? '') ? true : undefined));
  });

  it('marks invalid JSON with a diagnostic, sends nothing, says why, and keeps the last heatmap', async () => {
    const editor = await vscode.window.showTextDocument(doc, vscode.ViewColumn.One);
    await painted(doc.uri, () => doc.version);
    const before = await state(doc.uri);
    // A comma where a value should be.
    const at = doc.getText().indexOf('"role": "user"');
    await editor.edit((e) => e.insert(doc.positionAt(at), ', '));
    const diagnostics = await waitFor('the diagnostic', () => {
      const d = vscode.languages.getDiagnostics(doc.uri).filter((x) => x.source === 'ICL Lens chat' && x.severity === vscode.DiagnosticSeverity.Error);
      return d.length > 0 ? d : undefined;
    });
    assert.ok(diagnostics[0].range.start.line >= doc.positionAt(at).line - 1 && diagnostics[0].range.start.line <= doc.positionAt(at).line, 'placed at the comma');
    const s = await waitFor('the status bar saying so', async () => { const now = await state(doc.uri); return now.state?.kind === 'error' ? now : undefined; });
    assert.match(s.statusText ?? '', /ICL Lens: chat file has errors/);
    assert.match(s.state!.message!, /cannot be sent to the model: line \d+: /);
    assert.equal(s.analysis!.version, before.analysis!.version, 'nothing was analysed');
    assert.deepEqual(s.painted!.ranges, before.painted!.ranges, 'the last heatmap stays');
    // Analyze Prompt says why instead of failing elsewhere.
    await vscode.commands.executeCommand('iclLens.analyzePrompt');
    await waitFor('the command\'s message', async () => (/cannot be sent to the model/.test((await state(doc.uri)).lastFailure ?? '') ? true : undefined));
    await vscode.commands.executeCommand('undo');
    await painted(doc.uri, () => doc.version);
    await waitFor('the diagnostic gone', () => (vscode.languages.getDiagnostics(doc.uri).filter((x) => x.source === 'ICL Lens chat').length === 0 ? true : undefined));
  });

  it('takes any file whose content is a chat for one when Analyze Prompt runs on it', async () => {
    const text = 'system:\nAnswer in one word.\n\nuser:\nCapital of France?\n';
    const untitled = await vscode.workspace.openTextDocument({ content: text });
    await vscode.window.showTextDocument(untitled, vscode.ViewColumn.One);
    await vscode.commands.executeCommand('iclLens.analyzePrompt');
    const s = await painted(untitled.uri, () => untitled.version);
    assert.match(s.statusText ?? '', / · chat · model template/);
    const expected = cliHeatmap(CHAT_MODEL, 'auto', text, 'untitled-chat.txt');
    assert.deepEqual(s.painted!.ranges, heatmapRanges(expected.tokens, 'entropy', 10));
    assert.equal(covered(s.painted!.ranges).map((i) => text[i]).join(''), 'Answer in one word.Capital of France?', 'the contents, nothing of the headers');
    await vscode.commands.executeCommand('workbench.action.revertAndCloseActiveEditor');
  });

  it('offers node-llama-cpp\'s wrappers for a model without a template, and writes and uses the choice', async () => {
    await config().update('chat.template', undefined, vscode.ConfigurationTarget.Global);
    await vscode.window.showTextDocument(doc, vscode.ViewColumn.One);
    const offers = (await state(doc.uri)).chatTemplateOffers.length;
    // An earlier suite may have been told already about this model: its notification is closed, and the command asks again.
    await vscode.commands.executeCommand('notifications.clearAll');
    await config().update('model.path', PLAIN_MODEL, vscode.ConfigurationTarget.Global);
    await vscode.commands.executeCommand('iclLens.analyzePrompt');
    const offer = await waitFor('the notification', async () => (await state(doc.uri)).chatTemplateOffers[offers]);
    assert.match(offer.message, /^tiny\.gguf has no chat template\. Render chat files with:$/);
    assert.deepEqual(offer.actions, ['Choose Template…']);
    const s = await state(doc.uri);
    assert.equal(s.state?.kind, 'error');
    assert.match(s.statusText ?? '', /no chat template/);
    // The notification's button runs this command with the file; the pick lists the wrappers, then raw and auto.
    const choosing = vscode.commands.executeCommand<string | undefined>('iclLens.chooseChatTemplate', doc.uri);
    const choices = await waitFor('the choices', async () => (await state(doc.uri)).chatTemplateChoices);
    assert.deepEqual(choices.map((c) => c.template), [...CHAT_WRAPPER_NAMES, 'raw', 'auto']);
    assert.equal(choices.find((c) => c.template === 'auto')?.description, 'current');
    // Accept the first entry as Enter would, once the pick is on screen (the event fires as it is asked for).
    let chosen: string | undefined | null = null;
    void choosing.then((c) => { chosen = c; });
    await waitFor('the pick accepted', async () => {
      if (chosen === null) await vscode.commands.executeCommand('workbench.action.acceptSelectedQuickOpenItem');
      return chosen !== null || undefined;
    });
    assert.equal(chosen, 'chatML');
    assert.equal(config().inspect('chat.template')?.workspaceValue, 'chatML', 'written to the workspace, which is open');
    const now = await waitFor('the chat rendered with chatML', async () => {
      const r = await state(doc.uri);
      return r.painted?.version === doc.version && / · chat · chatML( ·|$)/.test(r.statusText ?? '') ? r : undefined;
    });
    assert.deepEqual(now.painted!.ranges, heatmapRanges((cliHeatmap(PLAIN_MODEL, 'chatML')).tokens, 'entropy', 10));
  });
});
