/**
 * Asks for the panel to be shown on a document. The editor's commands open the
 * panel through this event rather than through the panel itself, so the editor
 * never depends on src/panel (docs/architecture.md).
 */
import * as vscode from 'vscode';
import { Disposable } from './disposable';

export class PanelRequests extends Disposable {
  private readonly requested = this.register(new vscode.EventEmitter<vscode.TextDocument | undefined>());
  /** Fires with the document to show (undefined: the active editor's). */
  readonly onDidRequestShow = this.requested.event;

  /** Open or reveal the panel on `doc`. Synchronous: listeners run before this returns. */
  show(doc?: vscode.TextDocument): void {
    this.requested.fire(doc);
  }
}
