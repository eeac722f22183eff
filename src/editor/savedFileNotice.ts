/**
 * Every export (JSON, CSV, a chart's PNG) confirms with the file's name and two
 * actions: Open (in an editor group, never over the panel) and Reveal (in the
 * Explorer when the file is in the workspace, else in the operating system's
 * file manager).
 */
import * as vscode from 'vscode';
import { Disposable } from './disposable';
import { editorColumnFor } from './selectInEditor';

/** A confirmation as shown: its message and its actions. */
export interface SavedFileNotice {
  readonly message: string;
  readonly actions: readonly string[];
}

const OPEN = 'Open';
const REVEAL = 'Reveal';

export class SavedFileNotifier extends Disposable {
  private readonly shown = this.register(new vscode.EventEmitter<SavedFileNotice>());
  /** Fires with each confirmation as it is shown. */
  readonly onDidShow = this.shown.event;

  /** Say that `uri` was saved; returns at once (the actions run when the user picks one). */
  show(uri: vscode.Uri): void {
    const notice: SavedFileNotice = { message: `ICL Lens: saved ${vscode.workspace.asRelativePath(uri)}`, actions: [OPEN, REVEAL] };
    this.shown.fire(notice);
    void vscode.window.showInformationMessage(notice.message, ...notice.actions).then((choice) => {
      if (choice === OPEN) return vscode.commands.executeCommand('vscode.open', uri, { viewColumn: editorColumnFor(uri) });
      if (choice === REVEAL) return vscode.commands.executeCommand(vscode.workspace.getWorkspaceFolder(uri) ? 'revealInExplorer' : 'revealFileInOS', uri);
      return undefined;
    });
  }
}
