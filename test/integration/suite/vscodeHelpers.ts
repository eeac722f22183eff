/** Shared by the integration suites: settings, polling and the CLI. */
import * as vscode from 'vscode';
import { CliRunner } from '../../support/cliRunner';
import { REPO_ROOT } from '../../support/fixtures';

export const config = () => vscode.workspace.getConfiguration('iclLens');

/** Poll `probe` until it returns something other than undefined or false. */
export async function waitFor<T>(what: string, probe: () => Promise<T | undefined> | T | undefined, ms = 60_000): Promise<T> {
  const until = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * The built CLI, run from the extension host: there `process.execPath` may be
 * Electron (VS Code desktop), which runs a script as Node only with
 * ELECTRON_RUN_AS_NODE. Dispose it when the suite ends.
 */
export function extensionHostCli(): CliRunner {
  return new CliRunner({ env: { ELECTRON_RUN_AS_NODE: '1' }, cwd: REPO_ROOT });
}

/** The tab group whose front tab is the ICL Lens panel. */
export const panelGroup = () => vscode.window.tabGroups.all.find((g) => g.activeTab?.input instanceof vscode.TabInputWebview && /iclLens\.panel$/.test(g.activeTab.input.viewType));

/** Give the panel the focus, as a click on it does: no text editor is active then. */
export async function focusPanel(): Promise<void> {
  const group = panelGroup();
  if (group === undefined) throw new Error('the panel is not open in a group');
  await vscode.commands.executeCommand(`workbench.action.focus${['First', 'Second', 'Third'][group.viewColumn - 1]}EditorGroup`);
  await waitFor('the panel focused', () => (vscode.window.activeTextEditor === undefined && vscode.window.tabGroups.activeTabGroup === panelGroup()) || undefined);
}
