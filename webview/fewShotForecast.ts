// How many more examples: the Bayesian scaling law's fitted curve, dashed on the
// target-probability chart with the forecast level dotted, and the forecast's
// sentence (#few-shot-forecast) under the headline. The numbers are the host's
// (core/fewShot/forecast.ts, as the CLI prints them); this module only draws.
import type { FewShotView } from '../src/shared/protocol';
import { chartColors } from '../src/shared/chartColors';
import type { ChartTheme } from './chartTheme';
import type { FewShotChartBuild } from './fewShotChartSpec';

/** The series this module adds, after those the chart already has. */
const FORECAST_SERIES = { fit: ['orange', 'purple', 'green'], level: ['muted', 'foreground'] } as const;

interface TooltipItem { datasetIndex: number; dataIndex: number }

interface LineConfig {
  data: { labels: string[]; datasets: Array<Record<string, unknown> & { data: Array<number | null> }> };
  options: {
    scales: { y: { min?: number; max?: number } };
    plugins?: { tooltip?: { callbacks?: { label?: (item: TooltipItem) => string } } };
  };
}

/**
 * `build` (the target-probability chart, log10 P by k) with the fitted curve
 * dashed and the level dotted; k past the sweep (up to the forecast k) extends
 * the axis. Unchanged without a fitted curve.
 */
export function withForecast(build: FewShotChartBuild | undefined, view: FewShotView, theme: ChartTheme): FewShotChartBuild | undefined {
  const f = view.forecast;
  if (!build || !f || f.fitted.length === 0) return build;
  const config = build.config as unknown as LineConfig;
  const taken = config.data.datasets.map((d) => String(d.borderColor));
  const color = chartColors(theme, FORECAST_SERIES, taken);
  const lastK = f.fitted[f.fitted.length - 1].k;
  const labels = Array.from({ length: lastK + 1 }, (_, k) => String(k));
  const fitted = labels.map((_, k) => {
    const p = f.fitted[k]?.p;
    return p !== undefined && p > 0 ? Math.log10(p) : null;
  });
  const level = Math.log10(f.level);
  const levelLine = labels.map((_, k) => (k === 0 || k === lastK ? level : null));
  const datasets = [
    ...config.data.datasets,
    { label: `scaling-law fit${f.k !== null ? ` (reaches ${f.level} at k = ${f.k})` : ''}`, data: fitted, borderColor: color.fit, backgroundColor: color.fit, borderWidth: 1.5, borderDash: [6, 4], pointRadius: 0, pointHitRadius: 4, spanGaps: false },
    { label: `P = ${f.level}`, data: levelLine, borderColor: color.level, backgroundColor: color.level, borderWidth: 1, borderDash: [2, 3], pointRadius: 0, spanGaps: true },
  ];
  // The y axis is log10 P: keep the fitted curve and the level inside it (never above P = 1).
  const y = config.options.scales.y;
  const values = [...fitted, level].filter((v): v is number => v !== null && Number.isFinite(v));
  const top = Math.min(0, Math.max(...values));
  const bottom = Math.min(...values);
  const span = Math.max(1e-3, (y.max ?? top) - (y.min ?? bottom));
  const scales = {
    ...config.options.scales,
    y: { ...y, max: Math.max(y.max ?? top, top + 0.04 * span), min: Math.min(y.min ?? bottom, bottom - 0.04 * span) },
  };
  // The chart's own tooltip reads its measured series; the fit's points say their P̂.
  const own = config.data.datasets.length;
  const label = config.options.plugins?.tooltip?.callbacks?.label;
  const tooltipLabel = (item: TooltipItem) => {
    if (item.datasetIndex === own) return `fit: P̂ = ${f.fitted[item.dataIndex]?.p.toPrecision(4) ?? '—'}${item.dataIndex < f.residualBits.length ? ` (residual ${f.residualBits[item.dataIndex].toFixed(3)} bits)` : ''}`;
    if (item.datasetIndex > own) return `forecast level P = ${f.level}`;
    return label ? label(item) : '';
  };
  const plugins = { ...config.options.plugins, tooltip: { ...config.options.plugins?.tooltip, callbacks: { ...config.options.plugins?.tooltip?.callbacks, label: tooltipLabel } } };
  const out = { ...config, data: { ...config.data, labels, datasets }, options: { ...config.options, scales, plugins } };
  return { ...build, config: out as unknown as FewShotChartBuild['config'], description: `${build.description}; the fitted Bayesian scaling law dashed, P = ${f.level} dotted` };
}

/** Show the forecast's sentence in `element`, or hide it. */
export function renderForecast(element: HTMLElement, view: FewShotView): void {
  const f = view.forecast;
  element.hidden = !f;
  if (!f) {
    element.textContent = '';
    return;
  }
  element.textContent = `How many more examples: ${f.verdict.text}`;
  element.className = `few-shot-verdict tone-${f.verdict.tone}`;
  element.dataset.k = f.k === null ? '' : String(f.k);
  element.dataset.reason = f.reason ?? '';
  element.dataset.level = String(f.level);
}
