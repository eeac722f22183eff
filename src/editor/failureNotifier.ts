/**
 * How failures reach the user: a notification with the action that helps
 * ("Select Model" for model problems, "Show Log"), cancellation staying quiet.
 * Commands show every failure; background analyses show each distinct message
 * once, until an analysis succeeds.
 */
import * as vscode from 'vscode';
import type { Logger } from '../core/logger';
import { isCancellation, RuntimeError } from '../model/runtimeError';
import type { AnalysisStore } from './analysisStore';
import { Disposable } from './disposable';

export class FailureNotifier extends Disposable {
  private readonly shownOnce = new Set<string>();
  private readonly shown = this.register(new vscode.EventEmitter<string>());
  /** Fires with each failure's message as it is shown. */
  readonly onDidShow = this.shown.event;

  constructor(store: AnalysisStore, private readonly log: Logger, private readonly channel: vscode.OutputChannel) {
    super();
    this.register(store.onDidChange((uri) => {
      if (store.state(uri).kind === 'idle' && store.latest(uri)) this.shownOnce.clear();
    }));
  }

  /** Show `err` (a command's failure); resolves when the user dismisses it. Cancellation shows nothing. */
  async show(err: unknown): Promise<void> {
    if (isCancellation(err)) return;
    const message = err instanceof Error ? err.message : String(err);
    this.shown.fire(message);
    this.log.error(message);
    const modelProblem = err instanceof RuntimeError && err.code === 'model';
    const actions = modelProblem ? ['Select Model', 'Show Log'] : ['Show Log'];
    const show = err instanceof RuntimeError && err.code === 'crashed' ? vscode.window.showWarningMessage : vscode.window.showErrorMessage;
    const choice = await show(`ICL Lens: ${message}`, ...actions);
    if (choice === 'Show Log') this.channel.show(true);
    if (choice === 'Select Model') await vscode.commands.executeCommand('iclLens.selectModel');
  }

  /** A background failure: shown once per distinct message until an analysis succeeds, then only logged. */
  reportOnce(err: RuntimeError): void {
    if (this.shownOnce.has(err.message)) {
      this.log.warn(err.message);
      return;
    }
    this.shownOnce.add(err.message);
    void this.show(err);
  }
}
