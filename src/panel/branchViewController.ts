/**
 * The continuation view: a webview beside the editor that shows the
 * ContinuationExplorer's state (src/editor) as tokens coloured by probability,
 * the alternatives at a chosen step, Back, Regenerate and Insert. Handshake as
 * the panel's: the webview posts `branch/ready` and gets a whole snapshot, and
 * a new one on every change; user actions come back as typed messages.
 */
import * as vscode from 'vscode';
import { probabilityBand } from '../core/continuation';
import { formatBits, formatProbability } from '../core/format';
import { visibleText } from '../core/visibleText';
import type { GuardedRunner } from '../editor/commands';
import type { ContinuationExplorer, ExplorerState } from '../editor/continuationExplorer';
import { Disposable, DisposableSlot } from '../editor/disposable';
import { isBranchWebviewToHost, type BranchHostToWebview, type BranchViewSnapshot, type BranchWebviewToHost } from '../shared/branchViewProtocol';
import { branchViewHtml } from './branchViewHtml';
import { createLensWebview } from './webviewPanel';

type MessageHandlers = { readonly [K in BranchWebviewToHost['type']]: (message: Extract<BranchWebviewToHost, { type: K }>) => unknown };

export class BranchViewController extends Disposable {
  private readonly panel = this.register(new DisposableSlot<vscode.WebviewPanel>());
  private readonly subscriptions = this.register(new DisposableSlot<vscode.Disposable>());
  private revision = 0;
  private lastSnapshot?: BranchViewSnapshot;
  private lastRendered?: { revision: number; text: string };
  private readonly handlers: MessageHandlers = {
    'branch/ready': () => this.post(),
    'branch/pick': (m) => this.explorer.pick(m.step, m.id),
    'branch/back': () => this.explorer.back(),
    'branch/insert': () => this.explorer.insert(),
    'branch/regenerate': () => this.explorer.regenerate(),
    'branch/cancel': () => this.explorer.cancel(),
    'branch/selectModel': () => vscode.commands.executeCommand('iclLens.selectModel'),
    'branch/rendered': (m) => { this.lastRendered = { revision: m.revision, text: m.text }; },
  };

  constructor(private readonly extensionUri: vscode.Uri, private readonly explorer: ContinuationExplorer, private readonly run: GuardedRunner) {
    super();
    this.register(explorer.onDidRequestShow(() => this.show()));
    this.register(explorer.onDidChange(() => this.post()));
  }

  /** The last snapshot sent, and what the webview said it rendered (the tests' seam reads these). */
  get view(): { readonly snapshot?: BranchViewSnapshot; readonly rendered?: { readonly revision: number; readonly text: string } } {
    return { snapshot: this.lastSnapshot, rendered: this.lastRendered };
  }

  /** Handle `message` as if the webview sent it (the webview's own messages come this way too). */
  receive(message: unknown): Promise<unknown> {
    if (!isBranchWebviewToHost(message)) return Promise.resolve(undefined);
    return this.run(`branchView ${message.type}`, () => (this.handlers[message.type] as (m: BranchWebviewToHost) => unknown)(message));
  }

  private show(): void {
    if (this.panel.value) {
      this.panel.value.reveal(vscode.ViewColumn.Beside, true);
      this.post();
      return;
    }
    const panel = createLensWebview(this.extensionUri, { viewType: 'iclLens.continuation', title: 'ICL Lens: Continuation', script: 'branchView.js', style: 'branchView.css', html: branchViewHtml });
    const subs = [
      panel.webview.onDidReceiveMessage((m: unknown) => void this.receive(m)),
      panel.onDidChangeViewState((e) => { if (e.webviewPanel.visible) this.post(); }),
      panel.onDidDispose(() => {
        this.subscriptions.value = undefined;
        if (this.panel.value === panel) this.panel.value = undefined;
        this.explorer.cancel();
      }),
    ];
    this.subscriptions.value = vscode.Disposable.from(...subs);
    this.panel.value = panel;
  }

  private post(): void {
    const state = this.explorer.state;
    if (state === undefined) return;
    this.lastSnapshot = snapshotOf(state, ++this.revision);
    const panel = this.panel.value;
    if (!panel) return;
    const message: BranchHostToWebview = { type: 'branch/snapshot', snapshot: this.lastSnapshot };
    void panel.webview.postMessage(message);
  }
}

/** What the webview shows of the explorer's state, formatted. */
export function snapshotOf(state: ExplorerState, revision: number): BranchViewSnapshot {
  const { document, continuation: c } = state;
  const position = document.positionAt(state.offset);
  const where = `${vscode.workspace.asRelativePath(document.uri)}, line ${position.line + 1}, column ${position.character + 1}`;
  const steps = (c?.steps ?? []).map((step) => ({
    text: step.text,
    label: step.end ? step.label : visibleText(step.label),
    p: step.p,
    pText: formatProbability(step.p),
    rank: step.rank,
    entropyText: formatBits(step.entropy),
    band: probabilityBand(step.p),
    forced: step.forced,
    end: step.end,
    alternatives: step.top.map((a) => ({ id: a.id, label: visibleText(a.text), p: a.p, pText: formatProbability(a.p), taken: a.id === step.id })),
  }));
  const footer = c === undefined ? '' : [
    c.stop === 'end' ? 'The model ended the text.' : `${c.steps.length} tokens; the next would follow.`,
    c.droppedTokens > 0 ? `The first ${c.droppedTokens} tokens of the text did not fit the context with the continuation and were left out.` : '',
  ].filter(Boolean).join(' ');
  return {
    schema: 1,
    revision,
    where,
    model: c?.model.name ?? '',
    status: state.status,
    ...(state.progress ? { progress: state.progress } : {}),
    ...(state.problem ? { problem: state.problem } : {}),
    ...(state.notice ? { notice: state.notice } : {}),
    depth: state.depth,
    ...(state.branchStep !== undefined ? { branchStep: state.branchStep } : {}),
    steps,
    text: c?.text ?? '',
    footer,
    canInsert: state.canInsert,
  };
}
