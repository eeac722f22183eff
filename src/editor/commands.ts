/**
 * Command registration through one wrapper: it logs, shows one actionable error
 * ("Show Log", or "Select Model" for model problems) and treats cancellation as
 * a normal outcome.
 */
import * as vscode from 'vscode';
import type { Logger } from '../core/logger';
import { isCancellation, RuntimeError } from '../model/runtimeError';
import { Disposable } from './disposable';

/** Shows failures as notifications with the action that helps. */
export class FailureView extends Disposable {
  private readonly shown = this.register(new vscode.EventEmitter<string>());
  /** Fires with each failure's message as it is shown. */
  readonly onDidShow = this.shown.event;

  constructor(private readonly log: Logger, private readonly channel: vscode.OutputChannel) {
    super();
  }

  show(err: unknown): Promise<void> {
    if (isCancellation(err)) return Promise.resolve();
    const message = err instanceof Error ? err.message : String(err);
    this.shown.fire(message);
    return showFailure(err, message, this.log, this.channel);
  }
}

async function showFailure(err: unknown, message: string, log: Logger, channel: vscode.OutputChannel): Promise<void> {
  log.error(message);
  const modelProblem = err instanceof RuntimeError && err.code === 'model';
  const actions = modelProblem ? ['Select Model', 'Show Log'] : ['Show Log'];
  const show = err instanceof RuntimeError && err.code === 'crashed' ? vscode.window.showWarningMessage : vscode.window.showErrorMessage;
  const choice = await show(`ICL Lens: ${message}`, ...actions);
  if (choice === 'Show Log') channel.show(true);
  if (choice === 'Select Model') await vscode.commands.executeCommand('iclLens.selectModel');
}

/** Runs work as command `id` would run: logged, failures shown, cancellation quiet. */
export type GuardedRunner = (id: string, work: () => unknown) => Promise<unknown>;

/** A runner over `log` and `failures`: what every command and panel action goes through. */
export function guardedRunner(log: Logger, failures: FailureView): GuardedRunner {
  return async (id, work) => {
    log.debug(`command ${id}`);
    try {
      return await work();
    } catch (err) {
      // Not awaited: the notification resolves only when the user dismisses it.
      void failures.show(err);
      return undefined;
    }
  };
}

/** Register `id` with the shared error handling. */
export function registerCommand(id: string, handler: (...args: any[]) => unknown, log: Logger, failures: FailureView): vscode.Disposable {
  const run = guardedRunner(log, failures);
  return vscode.commands.registerCommand(id, (...args: unknown[]) => run(id, () => handler(...args)));
}
