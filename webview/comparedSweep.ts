// Model B's sweep beside A's, while a model comparison is shown: B's target
// probability (dashed, triangles) on the target chart and B's posterior
// (dashed lines, stacked as A's bars are, so each line meets the top of A's
// bar for the same candidate) on the posterior chart, on A's axes; legends
// name both models. A notice above the charts says which model is which, the
// line comparing them, what was done about memory, and when B's curves are out
// of date (with Re-run) or its run failed.
import type { FewShotView, WebviewToHost } from '../src/shared/protocol';
import { CHART_SERIES, chartColors, comparedPosteriorColors } from '../src/shared/chartColors';
import type { ChartTheme } from './chartTheme';
import { exact, shorten } from './fewShotChartSpec';

const LOG10_2 = Math.log10(2);

/** `label` for model A's series: prefixed with A's name while a comparison is shown, unchanged otherwise. */
export function modelALabel(view: FewShotView, label: string): string {
  return view.compared ? `A ${shorten(view.compared.modelA, 24)}: ${label}` : label;
}

/** B's value at each of A's k (log10 P(target)), null where B has none yet. */
export function comparedTargetValues(view: FewShotView): Array<number | null> {
  const c = view.compared;
  if (!c) return [];
  const byK = new Map(c.ks.map((k) => [k.k, k.targetBits]));
  return view.ks.map((k) => {
    const bits = byK.get(k.k);
    return bits === null || bits === undefined ? null : -bits * LOG10_2;
  });
}

/** B's line on the target chart, after A's (blue), or nothing without B's numbers. */
export function comparedTargetDataset(view: FewShotView, theme: ChartTheme, label: string): Record<string, unknown> | undefined {
  const c = view.compared;
  const data = comparedTargetValues(view);
  if (!c || !data.some((v) => v !== null)) return undefined;
  const color = chartColors(theme, CHART_SERIES.comparedTarget).b;
  return {
    label: `B ${shorten(c.model, 24)}: ${label}${c.stale ? ' (out of date)' : ''}`,
    data,
    borderColor: color,
    backgroundColor: color,
    borderDash: [6, 4],
    borderWidth: 1.5,
    pointRadius: 4,
    pointStyle: 'triangle',
    spanGaps: false,
  };
}

/** The tooltip line for B's point at A's sweep index `i`. */
export function comparedTargetTooltip(view: FewShotView, i: number): string {
  const k = view.ks[i]?.k;
  const bits = view.compared?.ks.find((x) => x.k === k)?.targetBits;
  if (bits === null || bits === undefined) return 'B: —';
  const p = 2 ** -bits;
  return `B: P = ${p > 0 ? p.toPrecision(4) : `2^−${exact(bits)}`} (${exact(bits)} bits)`;
}

/**
 * B's posterior lines on the posterior chart: one per candidate but the last
 * (stacked, the last would always sit at 1), coloured after `taken`.
 */
export function comparedPosteriorDatasets(view: FewShotView, theme: ChartTheme, taken: readonly string[]): Array<Record<string, unknown>> {
  const c = view.compared;
  if (!c || c.ks.length === 0) return [];
  const byK = new Map(c.ks.map((k) => [k.k, k]));
  // As many lines as the theme has colours distinct from the chart's others (comparedPosteriorColors).
  const colors = comparedPosteriorColors(theme, Math.max(1, view.candidates.length - 1), taken);
  const names = view.candidates.slice(0, colors.length);
  return names.map((name, i) => ({
    type: 'line',
    label: `B ${shorten(c.model, 24)}: ${name}${c.stale ? ' (out of date)' : ''}`,
    data: view.ks.map((k) => byK.get(k.k)?.posterior[name] ?? null),
    borderColor: colors[i],
    backgroundColor: colors[i],
    borderDash: [6, 4],
    borderWidth: 2,
    pointRadius: 4,
    pointStyle: 'triangle',
    spanGaps: false,
    stack: 'modelB',
    yAxisID: 'y',
    order: 0,
  }));
}

/** The notice's text: which model is which, the comparing line, memory, and B's state. */
export function comparedNotice(view: FewShotView): string {
  const c = view.compared;
  if (!c) return '';
  const parts = [`Model A: ${c.modelA} (solid). Model B: ${c.model} (dashed, triangles).`];
  if (c.verdict) parts.push(c.verdict.text);
  if (view.candidates.length > 4) parts.push('The posterior chart draws B\'s lines for the first candidates that get a colour of their own.');
  if (c.ks.length > 0 && !c.complete && !c.stale) parts.push(`B so far: k = 0..${c.ks[c.ks.length - 1].k}.`);
  if (c.ks.length === 0 && !c.problem) parts.push('B has no sweep yet.');
  if (c.problem) parts.push(c.problem);
  if (c.memory) parts.push(c.memory);
  return parts.join(' ');
}

/** The notice above the charts while a comparison is shown, with Re-run when B's curves are out of date. */
export class ComparedSweepNotice {
  private readonly root: HTMLElement;
  private readonly text: HTMLElement;
  private readonly stale: HTMLElement;

  constructor(before: HTMLElement, send: (message: WebviewToHost) => void) {
    this.root = document.createElement('div');
    this.root.id = 'few-shot-compared';
    this.root.className = 'few-shot-compared';
    this.root.setAttribute('role', 'status');
    this.root.hidden = true;
    this.text = document.createElement('p');
    this.text.className = 'few-shot-verdict';
    this.stale = document.createElement('p');
    this.stale.className = 'few-shot-stale';
    this.stale.hidden = true;
    const staleText = document.createElement('span');
    staleText.textContent = 'Model B\'s curves are out of date: the prompt or model A changed since B\'s sweep.';
    const rerun = document.createElement('vscode-button');
    rerun.setAttribute('appearance', 'secondary');
    rerun.setAttribute('aria-label', 'Re-run the sweep under both models');
    rerun.id = 'few-shot-compared-rerun';
    rerun.textContent = 'Re-run';
    rerun.addEventListener('click', () => send({ type: 'fewShot/sweep' }));
    this.stale.append(staleText, rerun);
    this.root.append(this.text, this.stale);
    before.before(this.root);
  }

  render(view: FewShotView | undefined): void {
    const c = view?.compared;
    this.root.hidden = !c;
    if (!view || !c) return;
    this.text.textContent = comparedNotice(view);
    this.stale.hidden = !c.stale || !!view.progress;
  }
}
