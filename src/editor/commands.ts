/**
 * Command registration through one wrapper: it logs, shows one actionable error
 * ("Show Log", or "Select Model" for model problems) and treats cancellation as
 * a normal outcome.
 */
import * as vscode from 'vscode';
import type { Logger } from '../core/logger';
import type { FailureNotifier } from './failureNotifier';

/** Runs work as command `id` would run: logged, failures shown, cancellation quiet. */
export type GuardedRunner = (id: string, work: () => unknown) => Promise<unknown>;

/** A runner over `log` and `failures`: what every command and panel action goes through. */
export function guardedRunner(log: Logger, failures: Pick<FailureNotifier, 'show'>): GuardedRunner {
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
export function registerCommand(id: string, handler: (...args: any[]) => unknown, log: Logger, failures: Pick<FailureNotifier, 'show'>): vscode.Disposable {
  const run = guardedRunner(log, failures);
  return vscode.commands.registerCommand(id, (...args: unknown[]) => run(id, () => handler(...args)));
}
