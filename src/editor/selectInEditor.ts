/** Shows `doc` in the first editor column with [start, end) selected and in view. */
import * as vscode from 'vscode';

export async function selectInEditor(doc: vscode.TextDocument, start: number, end: number): Promise<void> {
  const editor = await vscode.window.showTextDocument(doc, { viewColumn: vscode.ViewColumn.One, preserveFocus: false });
  const range = new vscode.Range(doc.positionAt(start), doc.positionAt(end));
  editor.selection = new vscode.Selection(range.start, range.end);
  editor.revealRange(range, vscode.TextEditorRevealType.InCenterIfOutsideViewport);
}
