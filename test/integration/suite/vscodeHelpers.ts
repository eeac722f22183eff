/** Shared by the integration suites: settings and polling. */
import * as vscode from 'vscode';

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
