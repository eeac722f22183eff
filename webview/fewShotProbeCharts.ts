// The probe charts: order sensitivity and random labels as strip plots (one
// point per variant on a bits axis, the written prompt highlighted), and
// calibration as grouped bars. Each appears once its probe has run.
import type { TooltipItem } from 'chart.js';
import type { FewShotView, Posterior } from '../src/shared/protocol';
import type { ChartTheme } from './chartTheme';
import { CHART_SERIES, chartColors } from '../src/shared/chartColors';
import { paddedBounds, valueRange } from '../src/shared/chartAxes';
import { anyNumber, axis, baseOptions, bounds, exact, exactLabel, jitter, paddedToleranceRange, shorten, type AnyChartConfiguration, type FewShotChartSpec } from './fewShotChartSpec';

/** A point of a strip plot, with what its tooltip says. */
interface StripPoint {
  readonly value: number;
  readonly text: string;
}

interface StripSeries {
  readonly label: string;
  readonly points: readonly StripPoint[];
  readonly color: string;
  readonly radius: number;
  readonly pointStyle: string;
}

/**
 * Variants are placed by their target bits; without a target, by the first
 * candidate's posterior probability.
 */
function stripMeasure(view: FewShotView, bits: ReadonlyArray<number | null>): { title: string; of: (bits: number | null, posterior: Posterior) => number | null } {
  if (anyNumber(bits)) return { title: 'target bits', of: (b) => b };
  const first = view.candidates[0];
  return { title: `P(${shorten(first ?? 'first candidate', 20)})`, of: (_b, posterior) => (first === undefined ? null : posterior[first] ?? null) };
}

/** A strip plot; on a bits axis its range is never narrower than ± `tolerance` around the points. */
function stripConfig(theme: ChartTheme, title: string, series: readonly StripSeries[], tolerance?: number): AnyChartConfiguration {
  let n = 0;
  const datasets = series.map((s) => ({
    label: s.label,
    data: s.points.map((p) => ({ x: p.value, y: jitter(n++) })),
    backgroundColor: s.color,
    borderColor: s.color,
    pointRadius: s.radius,
    pointHoverRadius: s.radius + 2,
    pointStyle: s.pointStyle,
    borderWidth: 2,
  }));
  const options = baseOptions(theme);
  const values = series.flatMap((x) => x.points.map((p) => p.value));
  const range = valueRange(values);
  // No point on the plot's left or right edge.
  const x = tolerance !== undefined ? paddedToleranceRange(values, tolerance) : range ? paddedBounds(range.lo, range.hi) : undefined;
  return {
    type: 'scatter',
    data: { datasets },
    options: {
      ...options,
      scales: {
        x: axis(theme, title, { type: 'linear', ...(x ? bounds(x) : {}) }),
        y: { display: false, min: -1, max: 1 },
      },
      plugins: {
        ...(options.plugins as object),
        tooltip: { callbacks: { label: (item: TooltipItem<'scatter'>) => `${item.dataset.label}: ${series[item.datasetIndex].points[item.dataIndex].text}` } },
      },
    },
  } as unknown as AnyChartConfiguration;
}

const sameOrder = (a: readonly number[], b: readonly number[] | null) => b !== null && a.length === b.length && a.every((x, i) => x === b[i]);
const orderText = (order: readonly number[]) => `order ${shorten(order.join(','), 28)}`;

/** Order sensitivity: one point per permutation of the examples; the written order, best and worst marked. */
export const orderChart: FewShotChartSpec = {
  id: 'order',
  title: 'Order sensitivity',
  probe: 'order',
  build(view, theme) {
    const order = view.order;
    if (!order || order.orders.length === 0) return undefined;
    const measure = stripMeasure(view, order.orders.map((o) => o.targetBits));
    const point = (o: (typeof order.orders)[number]): StripPoint | undefined => {
      const value = measure.of(o.targetBits, o.posterior);
      return value === null ? undefined : { value, text: `${orderText(o.order)}: ${exact(o.targetBits)} bits, P ${exact(o.targetP)}` };
    };
    const points = (list: typeof order.orders) => list.map(point).filter((p): p is StripPoint => p !== undefined);
    const [written, ...others] = order.orders;
    const color = chartColors(theme, CHART_SERIES.order);
    const series: StripSeries[] = [
      { label: 'other orders', points: points(others), color: color.others, radius: 3, pointStyle: 'circle' },
      { label: 'written order', points: points([written]), color: color.written, radius: 7, pointStyle: 'rectRot' },
      { label: 'best', points: points(order.orders.filter((o) => sameOrder(o.order, order.best))), color: color.best, radius: 7, pointStyle: 'triangle' },
      { label: 'worst', points: points(order.orders.filter((o) => sameOrder(o.order, order.worst))), color: color.worst, radius: 7, pointStyle: 'crossRot' },
    ];
    const verdict = order.exchangeable === null ? 'exchangeability unknown (no target)' : order.exchangeable ? 'no measurable effect of order' : 'order-sensitive';
    const note = `${order.orders.length} orders; std ${exact(order.targetBitsStd)} bits, tolerance ${exact(order.toleranceBits)} bits; largest posterior KL ${exact(order.maxPosteriorKlBits)} bits.`;
    return {
      config: stripConfig(theme, measure.title, series, measure.title === 'target bits' ? order.toleranceBits : undefined),
      description: `Order sensitivity: ${measure.title} for ${order.orders.length} orders of the examples; ${verdict}`,
      verdict: view.verdicts.order,
      note,
    };
  },
};

/** Calibration: raw, content-free bias and calibrated posterior per candidate. */
export const calibrationChart: FewShotChartSpec = {
  id: 'calibration',
  title: 'Calibration',
  probe: 'calibrate',
  build(view, theme) {
    const cal = view.calibration;
    if (!cal) return undefined;
    const names = view.candidates.length > 0 ? view.candidates : Object.keys(cal.raw);
    const bars = (label: string, p: Posterior, color: string) => ({ label, data: names.map((c) => p[c] ?? null), backgroundColor: color });
    const options = baseOptions(theme);
    const color = chartColors(theme, CHART_SERIES.calibration);
    const config = {
      type: 'bar',
      data: {
        labels: names.map((c) => shorten(c, 20)),
        datasets: [bars('raw', cal.raw, color.raw), bars(`bias (“${shorten(cal.contentFree, 16)}”)`, cal.bias, color.bias), bars('calibrated', cal.calibrated, color.calibrated)],
      },
      options: {
        ...options,
        interaction: { mode: 'index', intersect: false },
        scales: { x: axis(theme, 'candidate'), y: axis(theme, 'posterior', bounds(paddedBounds(0, 1))) },
        plugins: {
          ...(options.plugins as object),
          tooltip: { callbacks: { label: exactLabel } },
        },
      },
    } as unknown as AnyChartConfiguration;
    return {
      config,
      description: `Calibration: raw, bias and calibrated posterior for ${names.join(', ')}`,
      verdict: view.verdicts.calibration,
      note: `Bias is the posterior for the content-free input “${cal.contentFree}”; calibrated = raw ÷ bias, renormalised.`,
    };
  },
};

/** Random labels: target bits with shuffled outputs, and with the true labels highlighted. */
export const randomLabelsChart: FewShotChartSpec = {
  id: 'random-labels',
  title: 'Random labels',
  probe: 'random-labels',
  build(view, theme) {
    const rl = view.randomLabels;
    if (!rl || (rl.shuffled.length === 0 && rl.trueBits === null)) return undefined;
    const measure = stripMeasure(view, [rl.trueBits, ...rl.shuffled.map((s) => s.targetBits)]);
    const shuffled = rl.shuffled.flatMap((s): StripPoint[] => {
      const value = measure.of(s.targetBits, s.posterior);
      return value === null ? [] : [{ value, text: `outputs ${shorten(s.outputs.join(','), 28)}: ${exact(s.targetBits)} bits` }];
    });
    const trueValue = measure.of(rl.trueBits, rl.truePosterior);
    const truth: StripPoint[] = trueValue === null ? [] : [{ value: trueValue, text: `${exact(rl.trueBits)} bits` }];
    const color = chartColors(theme, CHART_SERIES.randomLabels);
    const series: StripSeries[] = [
      { label: 'shuffled labels', points: shuffled, color: color.shuffled, radius: 3, pointStyle: 'circle' },
      { label: 'true labels', points: truth, color: color.truth, radius: 7, pointStyle: 'rectRot' },
    ];
    const note = `Label effect ${exact(rl.labelEffectBits)} bits (mean shuffled − true; within ±${view.toleranceBits} bits: no measurable effect); mean posterior KL ${exact(rl.meanPosteriorKlBits)} bits over ${rl.shuffled.length} shuffles.`;
    return {
      config: stripConfig(theme, measure.title, series, measure.title === 'target bits' ? view.toleranceBits : undefined),
      verdict: view.verdicts.randomLabels,
      description: `Random labels: ${measure.title} for ${rl.shuffled.length} shuffles of the outputs and for the true labels; label effect ${exact(rl.labelEffectBits)} bits`,
      note,
    };
  },
};
