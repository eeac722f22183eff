/**
 * The few-shot commands: sweep and probes (shown in the panel), export of the
 * results (JSON, CSV, chart PNG), reveal an example, and open the structure for
 * correction. Commands take the document's URI (CodeLens, panel, tests) or act
 * on the target document: the active editor's, else the panel's while it has focus.
 */
import * as vscode from 'vscode';
import { UserError } from './userError';
import type { ProbeName } from '../core/fewShot/probes';
import { sweepCsv } from '../core/fewShot/sweepCsv';
import { pngDataUrlBase64, pngProblem } from '../core/pngCheck';
import type { FewShotView } from '../shared/protocol';
import type { FewShotRunner } from './fewShotRunner';
import type { FewShotStore } from './fewShotStore';
import type { FewShotStructureController } from './fewShotStructureController';
import type { FewShotViewModel } from './fewShotViewModel';
import type { PanelRequests } from './panelRequests';
import type { SavedFileNotifier } from './savedFileNotice';
import { editorColumnFor, selectInEditor } from './selectInEditor';

export class FewShotCommands {
  /** @param panel opens the panel on a document and knows the one it shows (the panel listens; this side never imports it). */
  constructor(
    private readonly runner: Pick<FewShotRunner, 'sweep' | 'probe'>,
    private readonly store: Pick<FewShotStore, 'exportable'>,
    private readonly views: Pick<FewShotViewModel, 'view'>,
    private readonly structures: Pick<FewShotStructureController, 'parse'>,
    private readonly panel: Pick<PanelRequests, 'show' | 'targetDocument'>,
    private readonly saved: Pick<SavedFileNotifier, 'show'>,
  ) {}

  /** Sweep k = 0..K into the panel; returns the finished view (undefined when cancelled). */
  async sweep(uri?: vscode.Uri): Promise<FewShotView | undefined> {
    const doc = await this.documentFor(uri);
    this.panel.show(doc);
    return (await this.runner.sweep(doc, true)) ? this.views.view(doc) : undefined;
  }

  /** Run `probe` into the panel; returns its report. */
  async probe(probe: ProbeName, uri?: vscode.Uri): Promise<unknown> {
    const doc = await this.documentFor(uri);
    this.panel.show(doc);
    return this.runner.probe(doc, probe);
  }

  /** Export as `format` (asked when not given) to `target` (asked when not given). */
  async exportResults(options?: { format?: 'json' | 'csv'; uri?: vscode.Uri; target?: vscode.Uri }): Promise<vscode.Uri | undefined> {
    const doc = await this.documentFor(options?.uri);
    const format = options?.format ?? (await vscode.window.showQuickPick([
      { label: 'JSON', description: 'the sweep and the probes, as icl-lens sweep --json', format: 'json' as const },
      { label: 'CSV', description: 'one row per k', format: 'csv' as const },
    ], { title: 'Export few-shot results' }))?.format;
    return format ? this.export(doc, format, options?.target) : undefined;
  }

  /** Open (or insert) the front matter of the given or active document. */
  async editStructureOf(uri?: vscode.Uri): Promise<void> {
    return this.editStructure(await this.documentFor(uri));
  }

  /** Save `doc`'s results as JSON (sweep and probes) or CSV (per k); asks where unless `target` is given; confirms with Open / Reveal. */
  async export(doc: vscode.TextDocument | undefined, format: 'json' | 'csv', target?: vscode.Uri): Promise<vscode.Uri | undefined> {
    const data = doc && this.store.exportable(doc.uri);
    if (!doc || !data) throw new UserError('Nothing to export yet: run "ICL Lens: Sweep Few-Shot Examples" first.');
    const uri = target ?? await vscode.window.showSaveDialog({
      defaultUri: sibling(doc.uri, `.sweep.${format}`),
      filters: format === 'json' ? { JSON: ['json'] } : { CSV: ['csv'] },
      title: `Export few-shot results as ${format.toUpperCase()}`,
    });
    if (!uri) return undefined;
    const text = format === 'json' ? `${JSON.stringify({ document: vscode.workspace.asRelativePath(doc.uri), ...data.sweep, probes: data.probes }, null, 2)}\n` : sweepCsv(data.sweep);
    await vscode.workspace.fs.writeFile(uri, new TextEncoder().encode(text));
    this.saved.show(uri);
    return uri;
  }

  /** Save a chart the panel rendered (a PNG data URL); confirms with Open / Reveal. */
  async exportPng(doc: vscode.TextDocument | undefined, chart: string, dataUrl: string, target?: vscode.Uri): Promise<vscode.Uri | undefined> {
    // The webview's message is data, not a command to write any bytes we are handed.
    const base64 = pngDataUrlBase64(dataUrl);
    if (base64 === undefined) throw new UserError('The chart did not arrive as a PNG image; nothing was written.');
    const bytes = Buffer.from(base64, 'base64');
    const problem = pngProblem(bytes);
    if (problem !== undefined) throw new UserError(`${problem}; nothing was written.`);
    const base = doc?.uri ?? vscode.workspace.workspaceFolders?.[0]?.uri;
    const uri = target ?? await vscode.window.showSaveDialog({
      ...(base ? { defaultUri: doc ? sibling(base, `.${chart}.png`) : vscode.Uri.joinPath(base, `${chart}.png`) } : {}),
      filters: { PNG: ['png'] },
      title: 'Export chart as PNG',
    });
    if (!uri) return undefined;
    await vscode.workspace.fs.writeFile(uri, bytes);
    this.saved.show(uri);
    return uri;
  }

  /** Select example `index` (1-based) of `doc` in an editor. */
  async revealExample(doc: vscode.TextDocument | undefined, index: number): Promise<void> {
    const e = doc && this.structures.parse(doc).structure?.examples[index - 1];
    if (!doc || !e) return;
    await selectInEditor(doc, e.start, e.outputEnd);
  }

  /** The document a command acts on: the URI it was given, else the target document (the active editor's, or the focused panel's). */
  private async documentFor(uri?: vscode.Uri): Promise<vscode.TextDocument> {
    if (uri instanceof vscode.Uri) return vscode.workspace.openTextDocument(uri);
    const doc = this.panel.targetDocument();
    if (!doc) throw new UserError('Open a prompt file first.');
    return doc;
  }

  /** Open the front matter, inserting one with the detected markers when there is none. */
  async editStructure(doc: vscode.TextDocument): Promise<void> {
    const parsed = this.structures.parse(doc);
    const editor = await vscode.window.showTextDocument(doc, { viewColumn: editorColumnFor(doc.uri) });
    if (parsed.bodyStart === 0) {
      const s = parsed.structure;
      const q = (x: string) => JSON.stringify(x);
      const eol = doc.eol === vscode.EndOfLine.CRLF ? '\r\n' : '\n';
      const lines = [
        '---',
        '# ICL Lens: how to read this prompt (never sent to the model)',
        ...(s?.markers?.input ? [`input: ${q(s.markers.input)}`] : []),
        ...(s?.markers?.output ? [`output: ${q(s.markers.output)}`] : []),
        s?.target ? `target: ${q(s.target)}` : '# target: " the expected answer"',
        ...(s && s.candidates.length > 0 && s.candidatesSource === 'front matter'
          ? ['candidates:', ...s.candidates.map((c) => `  ${c.name}: ${q(c.text)}`)]
          : ['# candidates:', '#   first: " a sample continuation"', '#   second: " another"']),
        '# formatClass: "^\\\\s*[A-Z]"',
        '---',
      ];
      await editor.edit((b) => b.insert(new vscode.Position(0, 0), lines.join(eol) + eol));
    }
    const first = new vscode.Position(1, 0);
    editor.selection = new vscode.Selection(first, first);
    editor.revealRange(new vscode.Range(first, first));
  }
}

function sibling(uri: vscode.Uri, suffix: string): vscode.Uri {
  return uri.with({ path: uri.path.replace(/(\.[^./]+)?$/, suffix) });
}
