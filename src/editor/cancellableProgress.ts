/**
 * Long work in a cancellable progress notification: the notification's Cancel
 * aborts the work's `AbortSignal` (cancellation is a normal outcome below), and
 * progress is reported as done of total with an optional message.
 */
import * as vscode from 'vscode';

/** Reports `done` of `total` units; `message` defaults to "done / total". */
export type ReportProgress = (done: number, total: number, message?: string) => void;

/**
 * Run `work` under a notification titled `title`. The bar only moves forward.
 * `controller` lets a caller that also cancels the work some other way (a newer
 * run of the same document) share its signal.
 */
export function withCancellableProgress<T>(
  title: string, work: (signal: AbortSignal, report: ReportProgress) => Promise<T>, controller = new AbortController(),
): Promise<T> {
  return Promise.resolve(vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title, cancellable: true }, async (progress, token) => {
    const cancellation = token.onCancellationRequested(() => controller.abort());
    let reported = 0;
    try {
      return await work(controller.signal, (done, total, message) => {
        const percent = total > 0 ? Math.min(100, (100 * done) / total) : 0;
        progress.report({ increment: Math.max(0, percent - reported), message: message ?? `${done} / ${total}` });
        reported = Math.max(reported, percent);
      });
    } finally {
      cancellation.dispose();
    }
  }));
}
