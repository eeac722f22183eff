/**
 * Messages between the extension host and the panel webview. Both sides import
 * this file; `type`s are namespaced `area/verb`; receipt goes through a guard.
 */

/** A wind-tunnel run, as the panel plots it (the CLI's JSON report). */
export interface WindTunnelView {
  readonly task: string;
  readonly model: string;
  readonly sequences: number;
  readonly seed: number;
  readonly meanKl: number;
  readonly meanEntropyError: number;
  readonly positions: ReadonlyArray<{
    readonly t: number;
    readonly kl: number;
    readonly entropyError: number;
    readonly outsideMass: number;
    readonly analyticEntropy: number;
    readonly modelEntropy: number;
  }>;
  /** Reference lines (Misra et al.): entropy error of a small transformer, and the KL pass line. */
  readonly reference: { readonly entropyErrorBits: number; readonly klPassBits: number };
}

/** Everything the panel shows, sent whole (never as deltas). */
export interface PanelSnapshot {
  readonly schema: 1;
  readonly metric: 'entropy' | 'surprisal';
  readonly document?: {
    readonly name: string;
    readonly model: string;
    readonly route: string;
    readonly tokens: number;
    readonly perplexity: number | null;
    readonly meanEntropy: number | null;
    readonly meanSurprisal: number | null;
    readonly stale: boolean;
  };
  /** Per-token series, index-aligned with `labels`. */
  readonly series?: {
    readonly labels: readonly string[];
    readonly entropy: ReadonlyArray<number | null>;
    readonly surprisal: ReadonlyArray<number | null>;
  };
  /** The last wind-tunnel run, if any. */
  readonly windTunnel?: WindTunnelView;
}

export type WebviewToHost =
  | { readonly type: 'panel/ready' }
  | { readonly type: 'panel/revealToken'; readonly index: number }
  | { readonly type: 'panel/analyze' };

export type HostToWebview = { readonly type: 'panel/snapshot'; readonly snapshot: PanelSnapshot };

/** Runtime guard for messages arriving from the webview. */
export function isWebviewToHost(value: unknown): value is WebviewToHost {
  if (typeof value !== 'object' || value === null) return false;
  const m = value as { type?: unknown; index?: unknown };
  switch (m.type) {
    case 'panel/ready':
    case 'panel/analyze':
      return true;
    case 'panel/revealToken':
      return typeof m.index === 'number' && Number.isInteger(m.index) && m.index >= 0;
    default:
      return false;
  }
}

/** Runtime guard for messages arriving from the host. */
export function isHostToWebview(value: unknown): value is HostToWebview {
  return typeof value === 'object' && value !== null && (value as { type?: unknown }).type === 'panel/snapshot';
}

/** Exhaustiveness check for `switch` over message types. */
export function assertNever(value: never): never {
  throw new Error(`unexpected message: ${JSON.stringify(value)}`);
}
