// Compare With Previous Version on the sweep charts: the earlier version's
// P(target) and the target's posterior, dashed, on the same axes as the current
// curves (which the legend then calls "now"), and the one-line verdict in the
// chart's note. The numbers are the host's (`view.before`, the CLI's
// `sweep --against` `before`); this module only draws.
import type { FewShotView } from '../src/shared/protocol';
import { CHART_SERIES, chartColors } from '../src/shared/chartColors';
import type { ChartTheme } from './chartTheme';
import type { FewShotChartBuild } from './fewShotChartSpec';

const LOG10_2 = Math.log10(2);

interface TooltipItem { datasetIndex: number; dataIndex: number }

interface ChartConfig {
  data: { labels: string[]; datasets: Array<Record<string, unknown> & { data: Array<number | null>; label?: string }> };
  options: {
    scales: { y: { min?: number; max?: number } };
    plugins?: { tooltip?: { callbacks?: { label?: (item: TooltipItem) => string } } };
  };
}

/** The legend's name for the earlier version's series. */
export const beforeLabel = (view: FewShotView): string => `before: ${view.before?.label ?? ''}`;

/**
 * `build` (the target-probability or the posterior chart) with the earlier
 * version's curve added dashed, the current series named "now", the x axis
 * extended to the larger k; unchanged without `view.before`.
 */
export function withBeforeCurves(build: FewShotChartBuild | undefined, view: FewShotView, theme: ChartTheme, chart: 'target' | 'posterior'): FewShotChartBuild | undefined {
  const before = view.before;
  if (!build || !before) return build;
  if (chart === 'posterior' && before.candidate === null) return build;
  const config = build.config as unknown as ChartConfig;
  const taken = config.data.datasets.map((d) => String(d.borderColor ?? d.backgroundColor));
  const color = chartColors(theme, { before: CHART_SERIES.before[chart] }, taken).before;
  const lastK = Math.max(Number(config.data.labels[config.data.labels.length - 1] ?? 0), ...before.ks.map((k) => k.k));
  const labels = Array.from({ length: lastK + 1 }, (_, k) => config.data.labels[k] ?? String(k));
  const valueAt = (k: number): number | null => {
    const at = before.ks.find((x) => x.k === k);
    if (!at) return null;
    if (chart === 'target') return at.targetBits === null ? null : -at.targetBits * LOG10_2;
    return at.posterior[before.candidate!] ?? null;
  };
  const data = labels.map((_, k) => valueAt(k));
  const name = chart === 'target' ? 'P(target)' : `P(${before.candidate})`;
  // The current text's own series (the candidates' bars, or the measured P(target)) are "now".
  const own = chart === 'target' ? 1 : view.candidates.length;
  const datasets = [
    ...config.data.datasets.map((d, i) => (i < own ? { ...d, label: `now: ${d.label ?? ''}` } : d)),
    {
      type: 'line', label: `${beforeLabel(view)} ${name}`, data, borderColor: color, backgroundColor: color,
      borderWidth: 1.5, borderDash: [4, 3], pointRadius: 3, pointStyle: 'triangle', spanGaps: false,
      ...(chart === 'posterior' ? { stack: 'before', order: 0, yAxisID: 'y' } : {}),
    },
  ];
  const index = datasets.length - 1;
  let scales = config.options.scales;
  if (chart === 'target') {
    // log10 P: keep the earlier curve inside the axis (never above P = 1).
    const values = data.filter((v): v is number => v !== null && Number.isFinite(v));
    if (values.length > 0) {
      const y = scales.y;
      const span = Math.max(1e-3, (y.max ?? 0) - (y.min ?? Math.min(...values)));
      const top = Math.min(0, Math.max(...values));
      const bottom = Math.min(...values);
      scales = { ...scales, y: { ...y, max: Math.max(y.max ?? top, top + 0.04 * span), min: Math.min(y.min ?? bottom, bottom - 0.04 * span) } };
    }
  }
  const label = config.options.plugins?.tooltip?.callbacks?.label;
  const tooltipLabel = (item: TooltipItem) => {
    if (item.datasetIndex !== index) return label ? label(item) : '';
    const at = before.ks.find((x) => x.k === item.dataIndex);
    if (!at) return `${beforeLabel(view)}: —`;
    if (chart === 'target') return `${beforeLabel(view)}: P = ${at.targetBits === null ? '—' : (2 ** -at.targetBits).toPrecision(4)}`;
    return `${beforeLabel(view)}: ${name} = ${at.posterior[before.candidate!]?.toPrecision(4) ?? '—'}`;
  };
  const plugins = { ...config.options.plugins, tooltip: { ...config.options.plugins?.tooltip, callbacks: { ...config.options.plugins?.tooltip?.callbacks, label: tooltipLabel } } };
  const out = { ...config, data: { ...config.data, labels, datasets }, options: { ...config.options, scales, plugins } };
  return {
    ...build,
    config: out as unknown as FewShotChartBuild['config'],
    description: `${build.description}; dashed: ${name} before (${before.label})`,
    note: [build.note, before.verdict.text].filter(Boolean).join(' '),
    // A point of the earlier version stands for no example of the current text.
    exampleAt: (dataset, i) => (dataset === index ? undefined : build.exampleAt?.(dataset, i)),
  };
}
