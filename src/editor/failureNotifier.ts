/** Reports background analysis failures: each distinct message once, until an analysis succeeds. */
import type * as vscode from 'vscode';
import type { Logger } from '../core/logger';
import type { RuntimeError } from '../model/runtimeError';
import type { AnalysisStore } from './analysisStore';
import type { FailureView } from './commands';
import type { FailureReporter } from './documentAnalyzer';

export class FailureNotifier implements FailureReporter, vscode.Disposable {
  private readonly shown = new Set<string>();
  private readonly subscription: vscode.Disposable;

  constructor(store: AnalysisStore, private readonly log: Logger, private readonly view: FailureView) {
    this.subscription = store.onDidChange((uri) => {
      if (store.state(uri).kind === 'idle' && store.latest(uri)) this.shown.clear();
    });
  }

  report(err: RuntimeError): void {
    if (this.shown.has(err.message)) {
      this.log.warn(err.message);
      return;
    }
    this.shown.add(err.message);
    void this.view.show(err);
  }

  dispose(): void {
    this.subscription.dispose();
  }
}
