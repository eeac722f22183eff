/**
 * A model without a chat template of its own: one notification says so and
 * offers a choice of node-llama-cpp's named chat wrappers (or raw text); the
 * choice is written to `iclLens.chat.template` (the workspace's when a folder
 * is open, else the user's), which re-analyses the open chat files. The same
 * choice is on the palette (ICL Lens: Choose Chat Template…).
 */
import * as vscode from 'vscode';
import { CHAT_WRAPPER_NAMES, type ChatTemplateChoice } from '../core/chat/chatTypes';
import { escapeIcons } from '../core/visibleText';
import { Disposable } from './disposable';
import type { SettingsService } from './settingsService';
import { UserError } from './userError';

/** The notification's button: it runs iclLens.chooseChatTemplate. */
export const CHOOSE_TEMPLATE_ACTION = 'Choose Template…';

/** A choice as the quick pick lists it. */
export interface TemplateChoiceItem extends vscode.QuickPickItem {
  readonly template: ChatTemplateChoice;
}

/** The choices, wrappers first (the ones a model without a template needs), then raw, then the model's own. */
export function templateChoiceItems(current: ChatTemplateChoice): TemplateChoiceItem[] {
  const items: Array<{ template: ChatTemplateChoice; detail: string }> = [
    ...CHAT_WRAPPER_NAMES.map((name) => ({ template: name, detail: `node-llama-cpp's ${name} chat wrapper` })),
    { template: 'raw', detail: 'No template: the messages\' contents joined by blank lines, no role headers or special tokens' },
    { template: 'auto', detail: 'The model\'s own chat template (tokenizer.chat_template in its GGUF)' },
  ];
  return items.map(({ template, detail }) => ({ label: template, description: template === current ? 'current' : undefined, detail, template }));
}

export class ChatTemplateChooser extends Disposable {
  /** The model whose notification is on screen, so a burst of failing analyses shows one. */
  private showing?: string;
  /** The models whose missing template was already said, so typing in a chat file does not say it again. */
  private readonly offeredFor = new Set<string>();
  private readonly offered = this.register(new vscode.EventEmitter<{ readonly message: string; readonly actions: readonly string[] }>());
  /** Fires when the no-template notification is shown (the integration tests read it through their seam). */
  readonly onDidOffer = this.offered.event;
  private readonly listed = this.register(new vscode.EventEmitter<readonly TemplateChoiceItem[]>());
  /** Fires with the quick pick's entries as they are offered. */
  readonly onDidList = this.listed.event;

  /** @param reanalyze analyse `uri` again (when the setting already held the choice, nothing else would). */
  constructor(private readonly settings: SettingsService, private readonly reanalyze: (uri: vscode.Uri) => void) {
    super();
  }

  /**
   * Tell the user that `modelName` has no chat template; the button opens the
   * choice. One notification per model on screen, and once per model for the
   * analyses that follow edits; a command (`explicit`) asks again.
   */
  offer(uri: vscode.Uri, modelName: string, explicit = false): void {
    if (this.showing === modelName || (!explicit && this.offeredFor.has(modelName))) return;
    this.showing = modelName;
    this.offeredFor.add(modelName);
    const message = `${modelName} has no chat template. Render chat files with:`;
    this.offered.fire({ message, actions: [CHOOSE_TEMPLATE_ACTION] });
    void vscode.window.showWarningMessage(`ICL Lens: ${message}`, CHOOSE_TEMPLATE_ACTION).then((choice) => {
      if (this.showing === modelName) this.showing = undefined;
      if (choice === CHOOSE_TEMPLATE_ACTION) void vscode.commands.executeCommand('iclLens.chooseChatTemplate', uri);
    });
  }

  /**
   * Choose how chat files are rendered (`template` skips the pick) and write it
   * to the setting; `uri`, the chat file that asked, is analysed again. Returns
   * the choice, or undefined when the pick was dismissed.
   */
  async choose(uri?: vscode.Uri, template?: ChatTemplateChoice): Promise<ChatTemplateChoice | undefined> {
    const current = this.settings.value.chatTemplate;
    if (template !== undefined && !templateChoiceItems(current).some((i) => i.template === template)) {
      throw new UserError(`"${template}" is not a chat template ICL Lens knows: use auto, raw or one of ${CHAT_WRAPPER_NAMES.join(', ')}.`);
    }
    let choice = template;
    if (choice === undefined) {
      const items = templateChoiceItems(current);
      this.listed.fire(items);
      const picked = await vscode.window.showQuickPick(items, { title: escapeIcons('ICL Lens: render chat files with'), matchOnDetail: true });
      choice = picked?.template;
    }
    if (choice === undefined) return undefined;
    const target = vscode.workspace.workspaceFolders?.length ? vscode.ConfigurationTarget.Workspace : vscode.ConfigurationTarget.Global;
    await vscode.workspace.getConfiguration('iclLens').update('chat.template', choice, target);
    // A changed setting re-analyses every open chat file; an unchanged one does not, and the user asked.
    if (this.settings.value.chatTemplate === current && uri) this.reanalyze(uri);
    return choice;
  }
}
