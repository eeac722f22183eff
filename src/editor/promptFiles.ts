/** Which documents are prompt files: those matching a glob of `iclLens.autoAnalyze`. */
import * as vscode from 'vscode';

/** Whether `doc` matches any of `globs` (VS Code document-selector patterns). */
export function isPromptFile(doc: vscode.TextDocument, globs: readonly string[]): boolean {
  return globs.some((pattern) => vscode.languages.match({ pattern }, doc) > 0);
}
