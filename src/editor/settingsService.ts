/** The current ICL Lens settings and an event when they change. */
import * as vscode from 'vscode';
import { parseSettings, type Settings } from '../core/settings';
import { Disposable } from './disposable';

export class SettingsService extends Disposable {
  private readonly changed = this.register(new vscode.EventEmitter<Settings>());
  /** Fires with the new settings after any `iclLens.*` setting changes. */
  readonly onDidChange = this.changed.event;
  private current = SettingsService.read();

  constructor() {
    super();
    this.register(vscode.workspace.onDidChangeConfiguration((e) => {
      if (!e.affectsConfiguration('iclLens')) return;
      this.current = SettingsService.read();
      this.changed.fire(this.current);
    }));
  }

  get value(): Settings {
    return this.current;
  }

  private static read(): Settings {
    const config = vscode.workspace.getConfiguration('iclLens');
    return parseSettings((key) => config.get(key));
  }
}
