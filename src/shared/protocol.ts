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
  /** Whether the mean KL is within the pass line. */
  readonly pass: boolean;
  /** One line: PASS/FAIL against the pass line, with the paper's figure and its source. */
  readonly verdict: string;
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

/** The probes the panel can run (same names as `icl-lens probe`). */
export type FewShotProbe = 'loo' | 'order' | 'calibrate' | 'random-labels';
export const FEW_SHOT_PROBES: readonly FewShotProbe[] = ['loo', 'order', 'calibrate', 'random-labels'];

/** A posterior over named candidates. */
export type Posterior = Readonly<Record<string, number>>;

/** One plain line saying what a chart or probe found; `warn`: the number must not be over-read. */
export interface VerdictView {
  readonly text: string;
  readonly tone: 'neutral' | 'good' | 'bad' | 'warn';
}

/** How a leave-one-out change reads against the tolerance. */
export type EffectView = 'helps' | 'hurts' | 'none';

/** The scaling-law forecast as the panel shows it (the CLI's `forecast`, in short). */
export interface ForecastView {
  readonly level: number;
  /** The first k at which the fitted curve reaches the level; null with `reason`. */
  readonly k: number | null;
  readonly reason: string | null;
  readonly form: string | null;
  readonly parameters: { readonly prior: number; readonly efficiency: number; readonly inDistribution: number; readonly outOfDistribution: number | null } | null;
  readonly rmsResidualBits: number | null;
  /** Per measured k, log2 P − log2 P̂ in bits. */
  readonly residualBits: readonly number[];
  /** P̂_k of the fitted law for k = 0..max(measured, forecast k); empty when nothing was fitted. */
  readonly fitted: ReadonlyArray<{ readonly k: number; readonly p: number }>;
  readonly verdict: VerdictView;
}

/** An earlier version's sweep (the CLI's `sweep --against … --json` `before`), for the dashed "before" curves. */
export interface BeforeSweepView {
  /** What the old text is, e.g. `HEAD:prompt.txt`. */
  readonly label: string;
  readonly complete: boolean;
  readonly target: string | null;
  /** The candidate whose posterior is drawn (the target's), if any. */
  readonly candidate: string | null;
  readonly ks: ReadonlyArray<{ readonly k: number; readonly targetBits: number | null; readonly posterior: Posterior }>;
  /** "At k = 9: P(target) 0.8 now, 0.62 before (HEAD:…)". */
  readonly verdict: VerdictView;
}

/** The few-shot sweep of one document (the CLI's `sweep --json`, plus probe results), as the panel plots it. */
export interface FewShotView {
  /** The document (workspace-relative name) and its URI, for reveal. */
  readonly document: string;
  readonly uri: string;
  readonly model: string;
  /** False while results stream in. */
  readonly complete: boolean;
  /** The document changed since these numbers were computed (a re-run is debounced). */
  readonly stale: boolean;
  /**
   * Probes whose results describe an earlier text (or another model) than the
   * document's: still shown, marked out of date, with a Re-run.
   */
  readonly staleProbes: readonly FewShotProbe[];
  /** Work in progress, if any (sweep or probe). */
  readonly progress?: { readonly done: number; readonly total: number; readonly phase: string };
  /** Why the last run failed or could not run (no structure, cancelled, …), if it did. */
  readonly problem?: string;
  readonly target: string | null;
  /** Candidate names in order (posterior keys). */
  readonly candidates: readonly string[];
  readonly lengthNormalized: boolean;
  readonly reference: { readonly task: 'coin' | 'labels' | 'format'; readonly alpha: number } | null;
  /** Effects within ± this many bits are no measurable effect (neutral colour; axes never narrower). */
  readonly toleranceBits: number;
  /** One line per chart and probe. */
  readonly verdicts: {
    readonly posterior?: VerdictView;
    readonly target?: VerdictView;
    readonly prequential?: VerdictView;
    readonly entropy?: VerdictView;
    readonly loo?: VerdictView;
    readonly order?: VerdictView;
    readonly calibration?: VerdictView;
    readonly randomLabels?: VerdictView;
  };
  readonly ks: ReadonlyArray<{
    readonly k: number;
    readonly targetBits: number | null;
    readonly targetTokenBits: readonly number[];
    readonly posterior: Posterior;
    /** Σ P(candidate): how much probability the candidates hold together (null without candidates). */
    readonly coverage: number | null;
    /** −log2 coverage (finite where coverage underflows). */
    readonly coverageBits: number | null;
    /** Coverage below the floor: the posterior compares answers the model does not expect. */
    readonly lowCoverage: boolean;
    readonly referencePosterior?: Posterior;
    readonly formatMass: number | null;
    readonly answerEntropy: number | null;
    readonly informationGainBits: number | null;
  }>;
  readonly examples: ReadonlyArray<{
    /** 1-based. */
    readonly index: number;
    /** A short label for axes: the start of the example's input (or output). */
    readonly label: string;
    readonly prequentialBits: number | null;
    readonly looDeltaBits: number | null;
    readonly looEffect: EffectView | null;
    readonly informationGainBits: number | null;
  }>;
  readonly tokensEvaluated: number;
  readonly tokensMinimum: number;
  readonly looTokensEvaluated: number;
  /** The Bayesian scaling law fitted to P(target) over k and its forecast (docs/numbers.md); once the sweep is complete and has a target. */
  readonly forecast?: ForecastView;
  /** The sweep of an earlier version of the prompt (Compare With Previous Version), drawn dashed beside this one. */
  readonly before?: BeforeSweepView;
  /** Order-sensitivity probe, once run. */
  readonly order?: {
    readonly orders: ReadonlyArray<{ readonly order: readonly number[]; readonly targetBits: number | null; readonly targetP: number | null; readonly posterior: Posterior }>;
    readonly best: readonly number[] | null;
    readonly worst: readonly number[] | null;
    readonly targetBitsStd: number | null;
    readonly toleranceBits: number;
    readonly exchangeable: boolean | null;
    readonly maxPosteriorKlBits: number | null;
  };
  /** Calibration probe, once run. */
  readonly calibration?: { readonly contentFree: string; readonly raw: Posterior; readonly bias: Posterior; readonly calibrated: Posterior };
  /** Random-labels probe, once run. */
  readonly randomLabels?: {
    readonly trueBits: number | null;
    readonly truePosterior: Posterior;
    readonly shuffled: ReadonlyArray<{ readonly outputs: readonly number[]; readonly targetBits: number | null; readonly posterior: Posterior }>;
    readonly labelEffectBits: number | null;
    readonly meanPosteriorKlBits: number | null;
    /** Why shuffling cannot change the input→label mapping here, if it cannot. */
    readonly shuffleCannotChange: string | null;
  };
  /** Model B's sweep, while a model comparison is shown on the prompt. */
  readonly compared?: ComparedSweepView;
}

/**
 * Model B's sweep of the same prompt while a model comparison is shown: the
 * panel draws it on A's sweep charts, on the same axes.
 */
export interface ComparedSweepView {
  /** Model A's and model B's names, for the legends. */
  readonly modelA: string;
  readonly model: string;
  readonly complete: boolean;
  /** The prompt (or model A) changed since B's sweep: shown, marked out of date until the re-run. */
  readonly stale: boolean;
  /** What was done about memory (B beside A, or one after the other). */
  readonly memory?: string;
  /** Why B's last run failed or stopped, if it did. */
  readonly problem?: string;
  /** One line comparing A and B at the last k both have. */
  readonly verdict?: VerdictView;
  readonly ks: ReadonlyArray<{
    readonly k: number;
    readonly targetBits: number | null;
    readonly posterior: Posterior;
    readonly lowCoverage: boolean;
  }>;
}

/** The heatmap's legend for the metric the colours show: one entry per level, confident first. */
export interface HeatmapLegendView {
  /** What the colours show, e.g. `entropy at each token`. */
  readonly title: string;
  readonly levels: ReadonlyArray<{
    readonly level: number;
    /** The bits the level stands for, e.g. `1.25–2.5 bits`. */
    readonly range: string;
    /** The theme colour's CSS variable (the colour the heatmap paints in the current theme). */
    readonly cssVariable: string;
    /** The underline the heatmap adds in high-contrast themes (width in px, CSS border style). */
    readonly underline: { readonly width: number; readonly style: string };
  }>;
}

/**
 * Which version of each section a snapshot carries: a number moves when the
 * host rebuilt that section from changed results, so the webview redraws only
 * the sections whose number moved (the snapshot is still whole).
 */
export interface SnapshotRevisions {
  /** The summary, notice, legend and per-token chart. */
  readonly document: number;
  readonly windTunnel: number;
  /** The few-shot section, apart from its progress. */
  readonly fewShot: number;
}

/** Everything the panel shows, sent whole (never as deltas). */
export interface PanelSnapshot {
  readonly schema: 1;
  readonly metric: 'entropy' | 'surprisal';
  /** Section revisions from the host that sent it; absent in a snapshot restored from saved state. */
  readonly revisions?: SnapshotRevisions;
  readonly document?: {
    readonly name: string;
    readonly model: string;
    readonly route: string;
    readonly tokens: number;
    readonly perplexity: number | null;
    readonly meanEntropy: number | null;
    readonly meanSurprisal: number | null;
    readonly stale: boolean;
    /** Set when the model reads the text no better than uniform guessing: the heatmap means nothing there. */
    readonly unreadable?: string;
    /** Set when the document was analysed in windows (longer than the context). */
    readonly windows?: string;
    /** Set when entropy, rank and alternatives were not computed (surprisal only, core/readingNotice.ts). */
    readonly notComputed?: string;
    /** Set when the numbers come from fast evaluation (flash attention, F16 cache): how far from exact they may be. */
    readonly precision?: string;
  };
  /** The heatmap's legend, while a document's analysis is shown. */
  readonly legend?: HeatmapLegendView;
  /** Per-token series, index-aligned with `labels`. */
  readonly series?: {
    readonly labels: readonly string[];
    readonly entropy: ReadonlyArray<number | null>;
    readonly surprisal: ReadonlyArray<number | null>;
    /** On a chat: which tokens are the chat template's (role headers, special tokens), not the file's text. */
    readonly template?: readonly boolean[];
  };
  /** The last wind-tunnel run, if any. */
  readonly windTunnel?: WindTunnelView;
  /** The few-shot sweep of the active prompt, if one ran. */
  readonly fewShot?: FewShotView;
}

export type WebviewToHost =
  | { readonly type: 'panel/ready' }
  | { readonly type: 'panel/revealToken'; readonly index: number }
  | { readonly type: 'panel/analyze' }
  /** Run (or re-run) the sweep on the active document. */
  | { readonly type: 'fewShot/sweep' }
  | { readonly type: 'fewShot/probe'; readonly probe: FewShotProbe }
  | { readonly type: 'fewShot/cancel' }
  /** Reveal example `index` (1-based) in the editor. */
  | { readonly type: 'fewShot/revealExample'; readonly index: number }
  /** Save the current results; the host asks where. */
  | { readonly type: 'fewShot/export'; readonly format: 'json' | 'csv' }
  /** Save a chart as PNG: `dataUrl` is the canvas's `data:image/png;base64,…`. */
  | { readonly type: 'fewShot/exportPng'; readonly chart: string; readonly dataUrl: string }
  /**
   * The answer to `fewShot/measure`: each visible chart's id (the few-shot
   * charts, and `tokens`, the per-token chart), how many data points it drew
   * and whether its canvas has non-background pixels.
   */
  | { readonly type: 'fewShot/measured'; readonly charts: readonly RenderedChart[] };

/** What one visible few-shot chart drew, measured on the canvas rather than assumed. */
export interface RenderedChart {
  readonly id: string;
  readonly points: number;
  readonly painted: boolean;
  /** The chart is marked out of date and offers Re-run. */
  readonly stale: boolean;
  /** Some of the chart's figure is inside the panel's viewport. */
  readonly inView: boolean;
  /**
   * Which chart.js instance drew it: a number the webview gives each chart it
   * constructs (also the canvas's `data-generation`), kept while the chart is
   * updated in place and new when it is rebuilt.
   */
  readonly generation?: number;
  /** Per visible series: its legend label, the points it drew and its data as plotted (a comparison has two models' series). */
  readonly series?: ReadonlyArray<{ readonly label: string; readonly points: number; readonly values: ReadonlyArray<number | null> }>;
  /** The token chart (`tokens`) on a chat: the indexes of the points drawn as the chat template's tokens. */
  readonly templatePoints?: readonly number[];
}

export type HostToWebview =
  | { readonly type: 'panel/snapshot'; readonly snapshot: PanelSnapshot }
  /**
   * Only the few-shot run's progress moved since the last snapshot (its bar,
   * Cancel and the buttons a run disables): sent instead of a snapshot per tick.
   */
  | { readonly type: 'panel/progress'; readonly progress?: FewShotView['progress'] }
  /** Measure the few-shot charts now drawn (answered by `fewShot/measured`); only when the host asks, never per render. */
  | { readonly type: 'fewShot/measure' };

/** `view` showing `progress` instead of its own (a shallow copy: the view's arrays are shared). */
export function withProgress(view: FewShotView, progress: FewShotView['progress']): FewShotView {
  const out: { -readonly [K in keyof FewShotView]: FewShotView[K] } = { ...view };
  if (progress) out.progress = progress;
  else delete out.progress;
  return out;
}

/** Runtime guard for messages arriving from the webview. */
export function isWebviewToHost(value: unknown): value is WebviewToHost {
  if (typeof value !== 'object' || value === null) return false;
  const m = value as { type?: unknown; index?: unknown; probe?: unknown; format?: unknown; chart?: unknown; dataUrl?: unknown; charts?: unknown };
  switch (m.type) {
    case 'panel/ready':
    case 'panel/analyze':
    case 'fewShot/sweep':
    case 'fewShot/cancel':
      return true;
    case 'panel/revealToken':
      return typeof m.index === 'number' && Number.isInteger(m.index) && m.index >= 0;
    case 'fewShot/revealExample':
      return typeof m.index === 'number' && Number.isInteger(m.index) && m.index >= 1;
    case 'fewShot/probe':
      return FEW_SHOT_PROBES.includes(m.probe as FewShotProbe);
    case 'fewShot/export':
      return m.format === 'json' || m.format === 'csv';
    case 'fewShot/measured':
      return Array.isArray(m.charts) && (m.charts as unknown[]).every((c) => {
        const x = c as { id?: unknown; points?: unknown; painted?: unknown; stale?: unknown; inView?: unknown };
        return typeof c === 'object' && c !== null && typeof x.id === 'string' && typeof x.points === 'number' && typeof x.painted === 'boolean'
          && typeof x.stale === 'boolean' && typeof x.inView === 'boolean';
      });
    case 'fewShot/exportPng':
      return typeof m.chart === 'string' && /^[\w-]{1,40}$/.test(m.chart) && typeof m.dataUrl === 'string' && m.dataUrl.startsWith('data:image/png;base64,');
    default:
      return false;
  }
}

/** Runtime guard for messages arriving from the host. */
export function isHostToWebview(value: unknown): value is HostToWebview {
  if (typeof value !== 'object' || value === null) return false;
  const type = (value as { type?: unknown }).type;
  return type === 'panel/snapshot' || type === 'panel/progress' || type === 'fewShot/measure';
}

/** Exhaustiveness check for `switch` over message types. */
export function assertNever(value: never): never {
  throw new Error(`unexpected message: ${JSON.stringify(value)}`);
}
