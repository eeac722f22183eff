/**
 * Continue From Here: the greedy continuation at a place in a document and the
 * branches the user takes from it. It keeps the path of branches (Back returns
 * to the previous one, shown again without a run while it still describes the
 * text), follows edits (text after the place changes nothing; an edit before it
 * makes the shown continuation stale and moves the place), and inserts the
 * continuation only when asked, as one undoable edit at the place. Runs are
 * latest-wins and cancellable. The view (src/panel) reads `state` and calls the
 * methods; it opens on `onDidRequestShow`.
 */
import type { BranchViewSnapshot } from '../shared/branchViewProtocol';
import * as vscode from 'vscode';
import { branchPath, type Continuation } from '../core/continuation';
import { modelText } from '../core/modelText';
import type { ModelRuntime } from '../model/runtimeClient';
import { isCancellation, RuntimeError } from '../model/runtimeError';
import { Disposable } from './disposable';
import type { DocumentPosition } from './documentPosition';
import type { ModelService } from './modelService';
import { insertText } from './promptCommands';
import type { SettingsService } from './settingsService';
import { UserError } from './userError';

/** One continuation on the path: the tokens it was given, and what the model made of them. */
interface Branch {
  readonly forced: readonly number[];
  /** The step whose alternative this branch took (none for the plain continuation). */
  readonly step?: number;
  continuation?: Continuation;
}

/** What the view shows. */
export interface ExplorerState {
  readonly document: vscode.TextDocument;
  readonly offset: number;
  readonly status: BranchViewSnapshot['status'];
  readonly progress?: BranchViewSnapshot['progress'];
  readonly problem?: BranchViewSnapshot['problem'];
  /** Why the shown continuation cannot be inserted, when it cannot. */
  readonly notice?: string;
  readonly depth: number;
  readonly branchStep?: number;
  readonly continuation?: Continuation;
  readonly canInsert: boolean;
}

export class ContinuationExplorer extends Disposable {
  private readonly changed = this.register(new vscode.EventEmitter<void>());
  /** Fires when `state` changes. */
  readonly onDidChange = this.changed.event;
  private readonly showRequested = this.register(new vscode.EventEmitter<void>());
  /** Fires when a continuation starts at a new place: the view opens or comes forward. */
  readonly onDidRequestShow = this.showRequested.event;
  private session?: {
    document: vscode.TextDocument;
    offset: number;
    path: Branch[];
    status: ExplorerState['status'];
    progress?: ExplorerState['progress'];
    problem?: ExplorerState['problem'];
    /** Set when the shown continuation no longer describes the text before the place or the model. */
    stale?: string;
    controller?: AbortController;
  };

  constructor(
    private readonly runtime: Pick<ModelRuntime, 'greedyContinuation'>,
    private readonly settings: Pick<SettingsService, 'value'>,
    models: Pick<ModelService, 'onDidChangeModel'>,
  ) {
    super();
    this.register(vscode.workspace.onDidChangeTextDocument((e) => this.followEdit(e)));
    this.register(vscode.workspace.onDidCloseTextDocument((doc) => {
      if (doc === this.session?.document) this.invalidate('The document was closed.');
    }));
    this.register(models.onDidChangeModel(() => this.invalidate('The model changed since this continuation. Regenerate to use the new one.')));
  }

  /** What the view shows; undefined before the first Continue From Here. */
  get state(): ExplorerState | undefined {
    const s = this.session;
    if (s === undefined) return undefined;
    const branch = s.path[s.path.length - 1];
    const continuation = branch.continuation;
    const notice = s.stale ?? (continuation && continuation.text.length === 0 ? 'The continuation has no text to insert.' : undefined);
    return {
      document: s.document,
      offset: s.offset,
      status: s.status,
      progress: s.progress,
      problem: s.problem,
      notice,
      depth: s.path.length - 1,
      branchStep: branch.step,
      continuation,
      canInsert: s.status === 'ready' && continuation !== undefined && notice === undefined,
    };
  }

  /** Start at `at`: the greedy continuation there, no branches. */
  open(at: DocumentPosition): Promise<void> {
    this.session?.controller?.abort();
    this.session = { document: at.document, offset: at.offset, path: [{ forced: [] }], status: 'running' };
    this.showRequested.fire();
    return this.run();
  }

  /** Take alternative `id` at step `step` of the shown continuation, and continue from it. */
  pick(step: number, id: number): Promise<void> {
    const s = this.session;
    const shown = s?.path[s.path.length - 1].continuation;
    if (s === undefined || shown === undefined || s.status !== 'ready') return Promise.resolve();
    if (s.stale !== undefined) throw new UserError(s.stale);
    const at = shown.steps[step];
    if (at === undefined || !at.top.some((a) => a.id === id)) throw new UserError('That alternative is not in the continuation shown.');
    if (at.id === id) return Promise.resolve();
    s.path.push({ forced: branchPath(shown.steps, step, id), step });
    return this.run();
  }

  /** Return to the continuation before the last branch. */
  back(): Promise<void> {
    const s = this.session;
    if (s === undefined || s.path.length <= 1) return Promise.resolve();
    s.controller?.abort();
    s.path.pop();
    const branch = s.path[s.path.length - 1];
    if (branch.continuation !== undefined && s.stale === undefined) {
      s.controller = undefined;
      s.status = 'ready';
      s.problem = undefined;
      s.progress = undefined;
      this.changed.fire();
      return Promise.resolve();
    }
    return this.run();
  }

  /** Run the current branch again on the text as it is now (after an edit, a model change, a failure). */
  regenerate(): Promise<void> {
    const s = this.session;
    if (s === undefined) return Promise.resolve();
    if (s.document.isClosed) throw new UserError('The document was closed.');
    // Branches further up the path were computed on the old text; keep the path, drop their results.
    for (const b of s.path) b.continuation = undefined;
    s.stale = undefined;
    return this.run();
  }

  /** Stop the run in flight. */
  cancel(): void {
    this.session?.controller?.abort();
  }

  /** Insert the shown continuation at the place, as one undoable edit; then continue from after it. */
  async insert(): Promise<void> {
    const state = this.state;
    const s = this.session;
    if (state === undefined || s === undefined || state.continuation === undefined) throw new UserError('There is no continuation to insert yet.');
    if (!state.canInsert) throw new UserError(state.notice ?? 'The continuation is not ready to insert.');
    const { text } = state.continuation;
    const offset = s.offset;
    if (!(await insertText(s.document, offset, text))) throw new UserError('The editor refused the edit; nothing was inserted.');
    if (this.session !== s) return;
    // The insertion went in at the place, so followEdit left the place where it was; go on from after the text.
    s.offset = offset + text.length;
    s.path = [{ forced: [] }];
    await this.run();
  }

  override dispose(): void {
    this.session?.controller?.abort();
    super.dispose();
  }

  private async run(): Promise<void> {
    const s = this.session;
    if (s === undefined) return;
    s.controller?.abort();
    const controller = new AbortController();
    s.controller = controller;
    const branch = s.path[s.path.length - 1];
    s.status = 'running';
    s.problem = undefined;
    s.progress = undefined;
    s.stale = undefined;
    this.changed.fire();
    const current = () => this.session === s && s.controller === controller;
    try {
      const text = s.document.getText();
      const { body, offset: bodyStart } = modelText(text);
      if (s.offset < bodyStart) throw new UserError('The place is in the front matter, which the model does not read. Continue from the prompt below it.');
      const { continuationTokens, hoverTopK } = this.settings.value;
      const continuation = await this.runtime.greedyContinuation(
        { text: body.slice(0, s.offset - bodyStart), forced: branch.forced, maxTokens: continuationTokens, topK: hoverTopK },
        {
          signal: controller.signal,
          onProgress: (done, total, phase) => {
            if (!current()) return;
            s.progress = { done, total, phase };
            this.changed.fire();
          },
        },
      );
      if (!current()) return;
      branch.continuation = continuation;
      s.status = 'ready';
    } catch (err) {
      if (!current()) return;
      if (isCancellation(err) && s.stale === undefined) {
        s.status = 'cancelled';
      } else {
        s.status = 'failed';
        s.problem = s.stale !== undefined ? undefined : { message: err instanceof Error ? err.message : String(err), selectModel: err instanceof RuntimeError && err.code === 'model' };
      }
    } finally {
      if (current()) {
        s.controller = undefined;
        s.progress = undefined;
        this.changed.fire();
      }
    }
  }

  /** Keep the place on its text through an edit; an edit before it makes the shown continuation stale. */
  private followEdit(e: vscode.TextDocumentChangeEvent): void {
    const s = this.session;
    if (s === undefined || e.document !== s.document || e.contentChanges.length === 0) return;
    let offset = s.offset;
    let before = false;
    // Changes come with ranges in the document before the event, non-overlapping: apply them from the last.
    for (const c of [...e.contentChanges].sort((a, b) => b.rangeOffset - a.rangeOffset)) {
      if (c.rangeOffset >= offset) continue;
      before = true;
      offset = c.rangeOffset + c.rangeLength <= offset ? offset + c.text.length - c.rangeLength : c.rangeOffset + c.text.length;
    }
    s.offset = offset;
    if (before) this.invalidate('The text before the place changed. Regenerate to continue from the new text.');
    else this.changed.fire();
  }

  /** The shown continuation no longer holds: stop the run, say why, allow no Insert until regenerated. */
  private invalidate(why: string): void {
    const s = this.session;
    if (s === undefined) return;
    s.stale = why;
    if (s.controller !== undefined) {
      s.controller.abort();
      s.controller = undefined;
      s.status = 'cancelled';
      s.progress = undefined;
    }
    this.changed.fire();
  }
}
