// The "Few-shot posterior" section: the headline (the prompt and what the sweep
// found), the evaluation's cost in a fold, progress with Cancel, the problem
// notice, the action buttons, and the charts. Hidden without a sweep.
import type { FewShotProbe, FewShotView, RenderedChart, WebviewToHost } from '../src/shared/protocol';
import { FEW_SHOT_PROBES } from '../src/shared/protocol';
import { ComparedSweepNotice } from './comparedSweep';
import { FewShotCharts } from './fewShotCharts';
import { renderForecast } from './fewShotForecast';

const byId = <T extends HTMLElement = HTMLElement>(root: HTMLElement, id: string): T => {
  const element = root.querySelector<T>(`#${id}`);
  if (!element) throw new Error(`panel HTML lacks #${id}`);
  return element;
};

/** The headline: the prompt (examples, target, candidates), the model, and what the sweep found. */
export function fewShotHeadline(view: FewShotView): string {
  const target = view.target === null ? 'no target' : `target “${view.target.length > 40 ? `${view.target.slice(0, 39)}…` : view.target}”`;
  const candidates = view.candidates.length > 0 ? `, candidates ${view.candidates.join(', ')}${view.lengthNormalized ? ' (length-normalised)' : ''}` : '';
  let text = `${view.document}: ${view.examples.length} example${view.examples.length === 1 ? '' : 's'}, ${target}${candidates}${view.model ? ` — ${view.model}` : ''}.`;
  const found = view.verdicts.target ?? view.verdicts.posterior;
  if (found && view.complete) text += ` ${found.text}`;
  if (!view.complete) text += ` Streaming: ${view.ks.length === 0 ? 'no k yet' : `k = 0..${view.ks[view.ks.length - 1].k} so far`}.`;
  if (view.stale) text += ' The document changed since: these numbers are out of date until the re-run.';
  return text;
}

/** The evaluation's cost, for the details fold: tokens evaluated against an empty cache's minimum (KV reuse). */
export function fewShotCost(view: FewShotView): string {
  const ratio = view.tokensMinimum > 0 ? (view.tokensEvaluated / view.tokensMinimum).toFixed(2) : '—';
  const parts = [`${view.tokensEvaluated} tokens evaluated, minimum from an empty cache ${view.tokensMinimum}, ratio ${ratio}${view.tokensEvaluated < view.tokensMinimum ? ' (below 1: tokens the cache already held were reused)' : ''}`];
  if (view.looTokensEvaluated > 0) parts.push(`leave-one-out ${view.looTokensEvaluated} tokens`);
  return `${parts.join('; ')}.`;
}

/** Controls the few-shot section of the panel; posts the user's actions through `send`. */
export class FewShotSection {
  private readonly summary: HTMLElement;
  private readonly forecast: HTMLElement;
  private readonly cost: HTMLElement;
  private readonly staleNotice: HTMLElement;
  private readonly progress: HTMLElement;
  private readonly progressBar: HTMLProgressElement;
  private readonly progressText: HTMLElement;
  private readonly problem: HTMLElement;
  private readonly runButtons: readonly HTMLElement[];
  private readonly charts: FewShotCharts;
  private readonly compared: ComparedSweepNotice;

  constructor(private readonly root: HTMLElement, send: (message: WebviewToHost) => void) {
    this.summary = byId(root, 'few-shot-summary');
    this.forecast = byId(root, 'few-shot-forecast');
    this.cost = byId(root, 'few-shot-cost');
    this.staleNotice = byId(root, 'few-shot-stale');
    byId(root, 'few-shot-rerun').addEventListener('click', () => send({ type: 'fewShot/sweep' }));
    this.progress = byId(root, 'few-shot-progress');
    this.progressBar = byId<HTMLProgressElement>(root, 'few-shot-progress-bar');
    this.progressText = byId(root, 'few-shot-progress-text');
    this.problem = byId(root, 'few-shot-problem');
    const sweep = byId(root, 'few-shot-sweep');
    sweep.addEventListener('click', () => send({ type: 'fewShot/sweep' }));
    byId(root, 'few-shot-cancel').addEventListener('click', () => send({ type: 'fewShot/cancel' }));
    const probes = [...root.querySelectorAll<HTMLElement>('[data-probe]')];
    for (const button of probes) {
      const probe = button.dataset.probe as FewShotProbe;
      if (FEW_SHOT_PROBES.includes(probe)) button.addEventListener('click', () => send({ type: 'fewShot/probe', probe }));
    }
    for (const button of root.querySelectorAll<HTMLElement>('[data-export]')) {
      const format = button.dataset.export;
      if (format === 'json' || format === 'csv') button.addEventListener('click', () => send({ type: 'fewShot/export', format }));
    }
    this.runButtons = [sweep, ...probes];
    this.compared = new ComparedSweepNotice(byId(root, 'few-shot-charts'), send);
    this.charts = new FewShotCharts(byId(root, 'few-shot-charts'), {
      revealExample: (index) => send({ type: 'fewShot/revealExample', index }),
      exportPng: (chart, dataUrl) => send({ type: 'fewShot/exportPng', chart, dataUrl }),
      rerun: (probe) => send({ type: 'fewShot/probe', probe }),
    });
  }

  /** What the visible charts drew (for the host's `fewShot/measure`). */
  measure(): RenderedChart[] {
    return this.charts.measure();
  }

  /**
   * Show `view`, or hide the section when there is none. `changed`: false when
   * only the progress moved since the last view (the charts and texts stay as drawn).
   */
  render(view: FewShotView | undefined, changed = true): void {
    this.root.hidden = !view;
    this.compared.render(view);
    if (!view) {
      this.charts.render(undefined);
      return;
    }
    if (changed) {
      this.summary.textContent = fewShotHeadline(view);
      this.summary.classList.toggle('stale', view.stale);
      renderForecast(this.forecast, view);
      this.cost.textContent = fewShotCost(view);
    }
    const progress = view.progress;
    // Out of date and nothing running (automatic re-runs off, or one failed): offer the re-run here.
    this.staleNotice.hidden = !view.stale || !!progress || view.ks.length === 0;
    this.progress.hidden = !progress;
    if (progress) {
      if (progress.total > 0) {
        this.progressBar.max = progress.total;
        this.progressBar.value = Math.min(progress.done, progress.total);
      } else {
        this.progressBar.removeAttribute('value');
      }
      this.progressText.textContent = `${progress.phase}: ${progress.done} of ${progress.total}`;
    }
    // One run at a time: while one is in progress, the way to start another is Cancel first.
    for (const button of this.runButtons) button.toggleAttribute('disabled', !!progress);
    const problem = view.problem ?? '';
    if (this.problem.textContent !== problem) this.problem.textContent = problem;
    this.problem.hidden = !problem;
    if (changed) this.charts.render(view);
  }
}
