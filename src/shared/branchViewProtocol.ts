/**
 * Messages between the extension host and the continuation (branch) view's
 * webview. Both sides import this file; `type`s are `branch/verb`; receipt goes
 * through a guard. Texts arrive ready to show: the webview formats nothing.
 */

/** One alternative at a step. */
export interface BranchAlternativeView {
  readonly id: number;
  /** The token's text with whitespace made visible. */
  readonly label: string;
  readonly p: number;
  /** p formatted for display. */
  readonly pText: string;
  /** Whether this is the token the continuation took at the step. */
  readonly taken: boolean;
}

/** One token of the continuation. */
export interface BranchStepView {
  /** The token's text in the continuation, raw ("" for an end-of-generation token). */
  readonly text: string;
  /** The token's text with whitespace made visible (its name for an end-of-generation token). */
  readonly label: string;
  readonly p: number;
  readonly pText: string;
  readonly rank: number;
  readonly entropyText: string;
  /** 0 (p ≥ 0.8) … 4 (p < 0.05): the colour band. */
  readonly band: 0 | 1 | 2 | 3 | 4;
  /** Given by a branch rather than chosen greedily. */
  readonly forced: boolean;
  /** The token that ended generation. */
  readonly end: boolean;
  readonly alternatives: readonly BranchAlternativeView[];
}

/** Everything the view shows, sent whole on every change. */
export interface BranchViewSnapshot {
  readonly schema: 1;
  /** Increases with every snapshot; the webview echoes it when it has rendered one. */
  readonly revision: number;
  /** Where the continuation starts: "file.prompt, line 3, column 8". */
  readonly where: string;
  readonly model: string;
  readonly status: 'running' | 'ready' | 'failed' | 'cancelled';
  readonly progress?: { readonly done: number; readonly total: number; readonly phase: string };
  /** Why the run failed, and whether choosing a model is the fix. */
  readonly problem?: { readonly message: string; readonly selectModel: boolean };
  /** Why Insert is unavailable although the continuation is shown (the document changed before the position, the model changed, it was inserted). */
  readonly notice?: string;
  /** Branches taken from the plain continuation; Back undoes the last. */
  readonly depth: number;
  /** The step whose alternative the current branch took, if any. */
  readonly branchStep?: number;
  readonly steps: readonly BranchStepView[];
  /** The continuation's text, raw: what Insert inserts. */
  readonly text: string;
  /** A line under the tokens: how it stopped, context left out. */
  readonly footer: string;
  readonly canInsert: boolean;
}

export type BranchHostToWebview = { readonly type: 'branch/snapshot'; readonly snapshot: BranchViewSnapshot };

export type BranchWebviewToHost =
  | { readonly type: 'branch/ready' }
  /** Take alternative `id` at step `step` and continue from it. */
  | { readonly type: 'branch/pick'; readonly step: number; readonly id: number }
  | { readonly type: 'branch/back' }
  | { readonly type: 'branch/insert' }
  | { readonly type: 'branch/regenerate' }
  | { readonly type: 'branch/cancel' }
  | { readonly type: 'branch/selectModel' }
  /** The webview has rendered snapshot `revision`; `text` is what its token strip shows, raw. */
  | { readonly type: 'branch/rendered'; readonly revision: number; readonly text: string };

const index = (v: unknown) => typeof v === 'number' && Number.isInteger(v) && v >= 0;

/** Runtime guard for messages arriving from the branch view's webview. */
export function isBranchWebviewToHost(value: unknown): value is BranchWebviewToHost {
  if (typeof value !== 'object' || value === null) return false;
  const m = value as { type?: unknown; step?: unknown; id?: unknown; revision?: unknown; text?: unknown };
  switch (m.type) {
    case 'branch/ready':
    case 'branch/back':
    case 'branch/insert':
    case 'branch/regenerate':
    case 'branch/cancel':
    case 'branch/selectModel':
      return true;
    case 'branch/pick':
      return index(m.step) && index(m.id);
    case 'branch/rendered':
      return index(m.revision) && typeof m.text === 'string';
    default:
      return false;
  }
}

/** Runtime guard for messages arriving from the host. */
export function isBranchHostToWebview(value: unknown): value is BranchHostToWebview {
  return typeof value === 'object' && value !== null && (value as { type?: unknown }).type === 'branch/snapshot';
}
