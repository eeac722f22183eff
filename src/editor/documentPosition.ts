/**
 * The place a command acts on: a document and a UTF-16 offset in it, given as
 * the command's argument (a hover's link names the hovered token) or, without
 * one, the active editor's cursor.
 */
import * as vscode from 'vscode';
import { UserError } from './userError';

/** A command's argument naming a place, as JSON in a command URI. */
export interface PositionArgument {
  readonly uri: string;
  readonly offset: number;
}

/** A place in an open document. */
export interface DocumentPosition {
  readonly document: vscode.TextDocument;
  readonly offset: number;
}

/** A `command:` link that runs `command` at `position` (the argument encoded as the URI's JSON query). */
export function commandLink(command: string, position: PositionArgument): string {
  return `command:${command}?${encodeURIComponent(JSON.stringify([position]))}`;
}

/** Whether `arg` is a well-formed position argument (anything else is ignored: links come from documents). */
export function isPositionArgument(arg: unknown): arg is PositionArgument {
  const a = arg as Partial<PositionArgument> | undefined;
  return typeof a === 'object' && a !== null && typeof a.uri === 'string' && typeof a.offset === 'number' && Number.isInteger(a.offset) && a.offset >= 0;
}

/**
 * The place `arg` names, or, when it names none, the active editor's cursor; with
 * no active editor (a webview has focus), the cursor of `fallback` in the editor
 * that shows it.
 */
export async function resolvePosition(arg: unknown, fallback?: vscode.TextDocument): Promise<DocumentPosition> {
  if (isPositionArgument(arg)) {
    const uri = vscode.Uri.parse(arg.uri, true);
    const document = vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri.toString()) ?? (await vscode.workspace.openTextDocument(uri));
    // The document may have changed since the link was made: clamp to its end.
    return { document, offset: Math.min(arg.offset, document.getText().length) };
  }
  const editor = vscode.window.activeTextEditor ?? vscode.window.visibleTextEditors.find((e) => e.document === fallback);
  if (!editor) throw new UserError('Open a prompt file first.');
  return { document: editor.document, offset: editor.document.offsetAt(editor.selection.active) };
}
