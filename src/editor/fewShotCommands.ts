/**
 * Few-shot commands beyond sweep and probes: export the results (JSON, CSV,
 * chart PNG), reveal an example, and open the structure for correction.
 */
import * as vscode from 'vscode';
import { sweepCsv } from '../core/fewShot/sweepCsv';
import { RuntimeError } from '../model/runtimeError';
import type { FewShotController } from './fewShotController';

export class FewShotCommands {
  constructor(private readonly fewShot: FewShotController) {}

  /** Save `doc`'s results as JSON (sweep and probes) or CSV (per k); asks where unless `target` is given. */
  async export(doc: vscode.TextDocument | undefined, format: 'json' | 'csv', target?: vscode.Uri): Promise<vscode.Uri | undefined> {
    const data = doc && this.fewShot.exportable(doc.uri);
    if (!doc || !data) throw new RuntimeError('input', 'Nothing to export yet: run "ICL Lens: Sweep Few-Shot Examples" first.');
    const uri = target ?? await vscode.window.showSaveDialog({
      defaultUri: sibling(doc.uri, `.sweep.${format}`),
      filters: format === 'json' ? { JSON: ['json'] } : { CSV: ['csv'] },
      title: `Export few-shot results as ${format.toUpperCase()}`,
    });
    if (!uri) return undefined;
    const text = format === 'json' ? `${JSON.stringify({ document: vscode.workspace.asRelativePath(doc.uri), ...data.sweep, probes: data.probes }, null, 2)}\n` : sweepCsv(data.sweep);
    await vscode.workspace.fs.writeFile(uri, new TextEncoder().encode(text));
    return uri;
  }

  /** Save a chart the panel rendered (a PNG data URL). */
  async exportPng(doc: vscode.TextDocument | undefined, chart: string, dataUrl: string, target?: vscode.Uri): Promise<vscode.Uri | undefined> {
    const base = doc?.uri ?? vscode.workspace.workspaceFolders?.[0]?.uri;
    const uri = target ?? await vscode.window.showSaveDialog({
      ...(base ? { defaultUri: doc ? sibling(base, `.${chart}.png`) : vscode.Uri.joinPath(base, `${chart}.png`) } : {}),
      filters: { PNG: ['png'] },
      title: 'Export chart as PNG',
    });
    if (!uri) return undefined;
    await vscode.workspace.fs.writeFile(uri, Buffer.from(dataUrl.slice(dataUrl.indexOf(',') + 1), 'base64'));
    return uri;
  }

  /** Select example `index` (1-based) of `doc` in an editor. */
  async revealExample(doc: vscode.TextDocument | undefined, index: number): Promise<void> {
    const e = doc && this.fewShot.parse(doc).structure?.examples[index - 1];
    if (!doc || !e) return;
    const editor = await vscode.window.showTextDocument(doc, { viewColumn: vscode.ViewColumn.One, preserveFocus: false });
    const range = new vscode.Range(doc.positionAt(e.start), doc.positionAt(e.outputEnd));
    editor.selection = new vscode.Selection(range.start, range.end);
    editor.revealRange(range, vscode.TextEditorRevealType.InCenterIfOutsideViewport);
  }

  /** Open the front matter, inserting one with the detected markers when there is none. */
  async editStructure(doc: vscode.TextDocument): Promise<void> {
    const parsed = this.fewShot.parse(doc);
    const editor = await vscode.window.showTextDocument(doc);
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
