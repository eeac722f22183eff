/**
 * The editor's side of the panel's whereabouts. The editor's commands open the
 * panel through this event rather than through the panel itself, so the editor
 * never depends on src/panel (docs/architecture.md); the panel tells it which
 * document it shows while it has focus, so a command run from the palette then
 * acts on that document.
 */
import * as vscode from 'vscode';
import { Disposable } from './disposable';

export class PanelRequests extends Disposable {
  private readonly requested = this.register(new vscode.EventEmitter<vscode.TextDocument | undefined>());
  /** The document the panel shows while it is the active (focused) tab. */
  private focused?: vscode.TextDocument;
  /** Fires with the document to show (undefined: the active editor's). */
  readonly onDidRequestShow = this.requested.event;

  /** Open or reveal the panel on `doc`. Synchronous: listeners run before this returns. */
  show(doc?: vscode.TextDocument): void {
    this.requested.fire(doc);
  }

  /** Called by the panel: it has focus and shows `doc`, or (undefined) it lost focus or shows none. */
  setFocusedDocument(doc: vscode.TextDocument | undefined): void {
    this.focused = doc;
  }

  /**
   * The document a command from the palette acts on: the active editor's, else
   * (the panel has focus, so there is no active editor) the panel's.
   */
  targetDocument(): vscode.TextDocument | undefined {
    const active = vscode.window.activeTextEditor?.document;
    if (active) return active;
    return this.focused && !this.focused.isClosed ? this.focused : undefined;
  }
}
