/**
 * Showing a document from the panel (a click on a chart, a reveal, an export's
 * Open) must not cover the panel: the document goes to a group that shows it
 * already, else to a group whose front tab is no webview, else beside.
 */
import * as vscode from 'vscode';

/** Whether `group` has a webview (the panel, a preview) in front. */
const webviewInFront = (group: vscode.TabGroup) => group.activeTab?.input instanceof vscode.TabInputWebview;

/** The editor column to show `uri` in without covering a webview. */
export function editorColumnFor(uri?: vscode.Uri): vscode.ViewColumn {
  const shown = uri && vscode.window.visibleTextEditors.find((e) => e.document.uri.toString() === uri.toString() && e.viewColumn !== undefined);
  const groups = vscode.window.tabGroups.all;
  if (shown?.viewColumn !== undefined && !groups.some((g) => g.viewColumn === shown.viewColumn && webviewInFront(g))) return shown.viewColumn;
  const active = vscode.window.tabGroups.activeTabGroup;
  if (!webviewInFront(active)) return active.viewColumn;
  return groups.find((g) => !webviewInFront(g))?.viewColumn ?? vscode.ViewColumn.Beside;
}

/** Shows `doc` (never over the panel) with [start, end) selected and in view. */
export async function selectInEditor(doc: vscode.TextDocument, start: number, end: number): Promise<void> {
  const editor = await vscode.window.showTextDocument(doc, { viewColumn: editorColumnFor(doc.uri), preserveFocus: false });
  const range = new vscode.Range(doc.positionAt(start), doc.positionAt(end));
  editor.selection = new vscode.Selection(range.start, range.end);
  editor.revealRange(range, vscode.TextEditorRevealType.InCenterIfOutsideViewport);
}
