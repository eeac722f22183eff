/** The last Bayesian wind-tunnel run: written by its command, read (and shown) by the panel. */
import * as vscode from 'vscode';
import type { WindTunnelView } from '../shared/protocol';
import { Disposable } from './disposable';

export class WindTunnelStore extends Disposable {
  private last?: WindTunnelView;
  private readonly changed = this.register(new vscode.EventEmitter<WindTunnelView>());
  /** Fires when a run lands. */
  readonly onDidChange = this.changed.event;

  /** The last run, if any. */
  get current(): WindTunnelView | undefined {
    return this.last;
  }

  set(view: WindTunnelView): void {
    this.last = view;
    this.changed.fire(view);
  }
}
