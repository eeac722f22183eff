/** "Switch Heatmap Metric": entropy ↔ surprisal in one click (command and status bar). */
import * as vscode from 'vscode';
import type { Metric } from '../core/analysis';

/** Write the other metric where the current one is set (the workspace's value wins over the user's). */
export async function toggleMetric(current: Metric): Promise<Metric> {
  const next: Metric = current === 'entropy' ? 'surprisal' : 'entropy';
  const config = vscode.workspace.getConfiguration('iclLens');
  const inspect = config.inspect<Metric>('heatmap.metric');
  const target = inspect?.workspaceFolderValue !== undefined ? vscode.ConfigurationTarget.WorkspaceFolder
    : inspect?.workspaceValue !== undefined ? vscode.ConfigurationTarget.Workspace
      : vscode.ConfigurationTarget.Global;
  await config.update('heatmap.metric', next, target);
  return next;
}
