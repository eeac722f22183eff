/**
 * "ICL Lens: Open Example Prompt": the walkthrough's example, a copy of
 * demo/fewshot/labels-sweep.icl.txt shipped in media/walkthrough/, opened as an
 * untitled document (it works with no folder open and leaves the installed
 * file alone) and analysed at once.
 */
import * as fs from 'node:fs';
import * as vscode from 'vscode';
import type { PromptCommands } from './promptCommands';

export class ExampleCommand {
  /** @param exampleFile the shipped example (an absolute path inside the extension). */
  constructor(private readonly exampleFile: string, private readonly prompts: Pick<PromptCommands, 'analyzePrompt'>) {}

  /** Open the example beside nothing else and paint it; resolves to the untitled document's URI. */
  async open(): Promise<vscode.Uri> {
    const content = fs.readFileSync(this.exampleFile, 'utf8');
    const doc = await vscode.workspace.openTextDocument({ content, language: 'plaintext' });
    await vscode.window.showTextDocument(doc);
    await this.prompts.analyzePrompt();
    return doc.uri;
  }
}
