// The k-sweep charts: posterior over candidates, target probability, prequential
// bits, answer-slot entropy and format mass, and leave-one-out changes. Points at
// k ≥ 1 and per-example bars stand for an example (clicking reveals it).
import type { TooltipItem } from 'chart.js';
import type { FewShotView } from '../src/shared/protocol';
import { alignZeros, paddedBounds, valueRange } from '../src/shared/chartAxes';
import { CHART_SERIES, chartColors, seriesColors } from '../src/shared/chartColors';
import { withBeforeCurves } from './fewShotBeforeCurves';
import { withForecast } from './fewShotForecast';
import { comparedPosteriorDatasets, comparedTargetDataset, comparedTargetTooltip, comparedTargetValues, modelALabel } from './comparedSweep';
import { anyNumber, axis, baseOptions, bounds, exact, exactLabel, paddedToleranceRange, shorten, toleranceRange, type AnyChartConfiguration, type FewShotChartSpec } from './fewShotChartSpec';

/**
 * The target axis plots log10 P on a linear scale with its own ticks: chart.js's
 * logarithmic scale loses its range for tiny probabilities (P = 2^−177 drew
 * nothing), and a long target easily costs hundreds of bits.
 */
const LOG10_2 = Math.log10(2);

/** Tick positions (log10 P) for a log10 axis over [min, max]: whole decades when it spans one or more, else round probabilities. */
export function log10Ticks(min: number, max: number): number[] {
  const ticks: number[] = [];
  if (!(max > min)) return [min];
  if (max - min >= 1) {
    const step = Math.max(1, Math.ceil((max - min) / 6));
    for (let e = Math.ceil(min / step) * step; e <= max && e <= 0; e += step) ticks.push(e);
    return ticks.length > 0 ? ticks : [min, max];
  }
  const lo = 10 ** min;
  const hi = Math.min(1, 10 ** max);
  const raw = (hi - lo) / 5;
  if (!(raw > 0)) return [min, max];
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * magnitude).find((x) => x >= raw) ?? 10 * magnitude;
  for (let i = Math.ceil(lo / step); i * step <= hi * (1 + 1e-12); i++) ticks.push(Math.log10(i * step));
  return ticks;
}

/** A probability given as log10 P, for a tick label. */
export function formatLog10(v: number): string {
  const p = 10 ** v;
  if (v >= -3) return String(Number(p.toPrecision(2)));
  return Number.isInteger(v) ? `1e${v}` : p.toExponential(1);
}

/**
 * A linear axis of log10 P with probability ticks, never narrower than
 * ± `minHalfRange` (log10 units) around the values.
 */
function log10Axis(theme: Parameters<typeof axis>[0], title: string, values: ReadonlyArray<number | null>, extra: Record<string, unknown> = {}, minHalfRange = 0.05) {
  const range = toleranceRange(values, minHalfRange);
  // Probabilities: never above P = 1; padded so a point at P = 1 (or at the lowest value) is off the border.
  const padded = paddedBounds(Math.min(range.suggestedMin, -2 * minHalfRange), Math.min(0, range.suggestedMax));
  return axis(theme, title, {
    type: 'linear',
    ...bounds(padded),
    ticks: { color: theme.foreground, callback: (value: number | string) => formatLog10(Number(value)) },
    afterBuildTicks: (scale: { min: number; max: number; ticks: Array<{ value: number }> }) => {
      scale.ticks = log10Ticks(scale.min, scale.max).map((value) => ({ value }));
    },
    ...extra,
  });
}

/** The example a point at sweep index `i` stands for (k ≥ 1 means "example k"). */
const exampleOfK = (view: FewShotView) => (_dataset: number, i: number) => {
  const k = view.ks[i]?.k;
  return k !== undefined && k >= 1 ? k : undefined;
};
const kLabels = (view: FewShotView) => view.ks.map((k) => String(k.k));

/** Posterior over candidates vs k, stacked, with the analytic reference for the first candidate dashed. */
export const posteriorChart: FewShotChartSpec = {
  id: 'posterior',
  title: 'Posterior over candidates',
  build(view, theme) {
    if (view.ks.length === 0 || view.candidates.length === 0) return undefined;
    const first = view.candidates[0];
    // Where the candidates hold almost none of the model's probability, the bars are drawn hollow:
    // the split between them is no confidence.
    const low = view.ks.map((k) => k.lowCoverage);
    const candidateColors = seriesColors(theme, view.candidates.length);
    const lines = chartColors(theme, CHART_SERIES.posteriorLines, candidateColors);
    const datasets: Array<Record<string, unknown>> = view.candidates.map((name, i) => {
      const color = candidateColors[i];
      return {
        type: 'bar',
        label: modelALabel(view, name),
        data: view.ks.map((k) => k.posterior[name] ?? null),
        backgroundColor: low.map((l) => (l ? 'transparent' : color)),
        borderColor: color,
        borderWidth: low.map((l) => (l ? 2 : 0)),
        stack: 'posterior',
        order: 1,
        yAxisID: 'y',
      };
    });
    const coverage = view.ks.map((k) => (k.coverageBits === null ? null : -k.coverageBits * LOG10_2));
    if (anyNumber(coverage)) {
      datasets.push({
        type: 'line',
        label: 'coverage Σ P(candidate), log scale',
        data: coverage,
        borderColor: lines.coverage,
        backgroundColor: lines.coverage,
        borderWidth: 1.5,
        pointRadius: 2,
        pointStyle: 'rect',
        yAxisID: 'c',
        stack: 'coverage',
        order: 0,
      });
    }
    const reference = view.ks.map((k) => k.referencePosterior?.[first] ?? null);
    if (anyNumber(reference)) {
      datasets.push({
        type: 'line',
        label: `analytic P(${shorten(first, 20)})`,
        data: reference,
        borderColor: lines.reference,
        backgroundColor: lines.reference,
        borderDash: [6, 4],
        borderWidth: 1.5,
        pointRadius: 2,
        stack: 'reference',
        order: 0,
      });
    }
    datasets.push(...comparedPosteriorDatasets(view, theme, [...candidateColors, ...Object.values(lines)]));
    const options = baseOptions(theme);
    const config = {
      type: 'bar',
      data: { labels: kLabels(view), datasets },
      options: {
        ...options,
        interaction: { mode: 'index', intersect: false },
        scales: {
          x: axis(theme, 'examples in the prompt (k)', { stacked: true }),
          y: axis(theme, 'posterior', { stacked: true, ...bounds(paddedBounds(0, 1)) }),
          ...(anyNumber(coverage) ? { c: log10Axis(theme, 'coverage (log)', coverage, { position: 'right', grid: { drawOnChartArea: false } }) } : {}),
        },
        plugins: {
          ...(options.plugins as object),
          tooltip: {
            callbacks: {
              label: (item: TooltipItem<'bar'>) => {
                const k = view.ks[item.dataIndex];
                if (item.dataset.yAxisID === 'c') return `coverage: ${k.coverage !== null && k.coverage > 0 ? exact(k.coverage) : `2^−${exact(k.coverageBits)}`}${k.lowCoverage ? ' — the model expects none of these answers' : ''}`;
                return exactLabel(item);
              },
            },
          },
        },
      },
    } as unknown as AnyChartConfiguration;
    const ref = anyNumber(reference) ? `, dashed: analytic ${first}` : '';
    const hollow = low.some(Boolean) ? '; hollow bars: coverage below 1e-6, the model expects none of these answers' : '';
    return withBeforeCurves({
      config,
      description: `Posterior over ${view.candidates.join(', ')} for k = ${view.ks[0].k} to ${view.ks[view.ks.length - 1].k}, stacked${ref}${hollow}${view.compared ? `; dashed lines with triangles: model B, ${view.compared.model}` : ''}`,
      verdict: view.verdicts.posterior,
      note: [view.reference ? `Reference: ${view.reference.task} task, α = ${view.reference.alpha}.` : '', low.some(Boolean) ? 'Hollow bars: the candidates hold less than 1e-6 of the probability there.' : ''].filter(Boolean).join(' ') || undefined,
      exampleAt: exampleOfK(view),
    }, view, theme, 'posterior');
  },
};

/** Target probability P_k = 2^(−bits) vs k on a log axis. */
export const targetChart: FewShotChartSpec = {
  id: 'target',
  title: 'Target probability',
  build(view, theme) {
    const bits = view.ks.map((k) => k.targetBits);
    if (!anyNumber(bits)) return undefined;
    const options = baseOptions(theme);
    const label = view.target === null ? 'P(target)' : `P(${shorten(JSON.stringify(view.target), 24)})`;
    const b = comparedTargetDataset(view, theme, label);
    const config = {
      type: 'line',
      data: {
        labels: kLabels(view),
        datasets: [{
          label: modelALabel(view, label),
          data: bits.map((b) => (b === null ? null : -b * LOG10_2)),
          borderColor: theme.blue,
          backgroundColor: theme.blue,
          borderWidth: 1.5,
          pointRadius: 3,
          spanGaps: false,
        }, ...(b ? [b] : [])],
      },
      options: {
        ...options,
        interaction: { mode: 'index', intersect: false },
        scales: {
          x: axis(theme, 'examples in the prompt (k)'),
          y: log10Axis(theme, 'P(target), log scale', [...bits.map((b) => (b === null ? null : -b * LOG10_2)), ...comparedTargetValues(view)], {}, view.toleranceBits * LOG10_2),
        },
        plugins: {
          ...(options.plugins as object),
          tooltip: {
            callbacks: {
              label: (item: TooltipItem<'line'>) => {
                if (item.datasetIndex > 0) return comparedTargetTooltip(view, item.dataIndex);
                const b = bits[item.dataIndex];
                if (b === null) return `${label}: —`;
                const p = 2 ** -b;
                return `P = ${p > 0 ? p.toPrecision(4) : `2^−${exact(b)}`} (${exact(b)} bits)`;
              },
            },
          },
        },
      },
    } as unknown as AnyChartConfiguration;
    return withBeforeCurves(withForecast({
      config,
      description: `Probability of the target for k = ${view.ks[0].k} to ${view.ks[view.ks.length - 1].k}, log scale${b ? `; dashed with triangles: model B, ${view.compared!.model}` : ''}`,
      verdict: view.verdicts.target,
      exampleAt: exampleOfK(view),
    }, view, theme), view, theme, 'target');
  },
};

/** Prequential bits per example (bars), with information gain on a second axis. */
export const prequentialChart: FewShotChartSpec = {
  id: 'prequential',
  title: 'Prequential bits per example',
  build(view, theme) {
    if (view.examples.length === 0) return undefined;
    const gain = view.examples.map((e) => e.informationGainBits);
    const color = chartColors(theme, CHART_SERIES.prequential);
    const bitsValues = view.examples.map((e) => e.prequentialBits);
    const datasets: Array<Record<string, unknown>> = [{
      type: 'bar',
      label: 'prequential bits',
      data: bitsValues,
      backgroundColor: color.bits,
      yAxisID: 'y',
      order: 1,
    }];
    const withGain = anyNumber(gain);
    if (withGain) {
      datasets.push({
        type: 'line',
        label: 'information gain (bits)',
        data: gain,
        borderColor: color.gain,
        backgroundColor: color.gain,
        borderWidth: 1.5,
        pointRadius: 3,
        yAxisID: 'g',
        order: 0,
      });
    }
    const labels = view.examples.map((e) => e.label);
    // Both axes from zero, padded, with their zeros at one height (information gain can be negative).
    const bitsRange = valueRange(bitsValues) ?? { lo: 0, hi: 1 };
    const gainRange = valueRange(gain) ?? { lo: 0, hi: 1 };
    const [yBounds, gBounds] = alignZeros(paddedBounds(Math.min(0, bitsRange.lo), bitsRange.hi), paddedBounds(Math.min(0, gainRange.lo), Math.max(0, gainRange.hi)));
    const options = baseOptions(theme);
    const config = {
      type: 'bar',
      data: { labels, datasets },
      options: {
        ...options,
        interaction: { mode: 'index', intersect: false },
        scales: {
          x: axis(theme, undefined, { ticks: { color: theme.foreground, callback: (_v: unknown, i: number) => shorten(labels[i] ?? '') } }),
          y: axis(theme, 'prequential bits', bounds(withGain ? yBounds : paddedBounds(Math.min(0, bitsRange.lo), bitsRange.hi))),
          ...(withGain ? { g: axis(theme, 'information gain (bits)', { position: 'right', ...bounds(gBounds), grid: { drawOnChartArea: false } }) } : {}),
        },
        plugins: {
          ...(options.plugins as object),
          tooltip: {
            callbacks: {
              title: (items: Array<TooltipItem<'bar'>>) => labels[items[0]?.dataIndex ?? 0] ?? '',
              label: exactLabel,
            },
          },
        },
      },
    } as unknown as AnyChartConfiguration;
    return {
      config,
      description: `Prequential bits for each of ${view.examples.length} examples${withGain ? ', with information gain' : ''}`,
      verdict: view.verdicts.prequential,
      exampleAt: (_d, i) => view.examples[i]?.index,
    };
  },
};

/** Next-token entropy where the answer starts, and format mass on a 0..1 axis. */
export const entropyChart: FewShotChartSpec = {
  id: 'entropy',
  title: 'Answer-slot entropy and format mass',
  build(view, theme) {
    const entropy = view.ks.map((k) => k.answerEntropy);
    const mass = view.ks.map((k) => k.formatMass);
    if (!anyNumber(entropy) && !anyNumber(mass)) return undefined;
    const color = chartColors(theme, CHART_SERIES.entropy);
    // Entropy from 0 and format mass on 0..1, padded (a mass of exactly 1 stays visible), zeros at one height.
    const [yBounds, mBounds] = alignZeros(paddedBounds(0, Math.max(valueRange(entropy)?.hi ?? 1, 1e-3)), paddedBounds(0, 1));
    const options = baseOptions(theme);
    const config = {
      type: 'line',
      data: {
        labels: kLabels(view),
        datasets: [
          { label: 'entropy at the answer (bits)', data: entropy, borderColor: color.entropy, backgroundColor: color.entropy, borderWidth: 1.5, pointRadius: 3, yAxisID: 'y' },
          { label: 'format mass', data: mass, borderColor: color.formatMass, backgroundColor: color.formatMass, borderWidth: 1.5, pointRadius: 3, borderDash: [6, 4], yAxisID: 'm' },
        ],
      },
      options: {
        ...options,
        interaction: { mode: 'index', intersect: false },
        scales: {
          x: axis(theme, 'examples in the prompt (k)'),
          y: axis(theme, 'entropy (bits)', bounds(yBounds)),
          m: axis(theme, 'format mass', { position: 'right', ...bounds(mBounds), grid: { drawOnChartArea: false } }),
        },
        plugins: {
          ...(options.plugins as object),
          tooltip: { callbacks: { label: exactLabel } },
        },
      },
    } as unknown as AnyChartConfiguration;
    return {
      config,
      description: `Entropy of the next token where the answer starts, and the probability mass on the answer format, for k = ${view.ks[0].k} to ${view.ks[view.ks.length - 1].k}`,
      verdict: view.verdicts.entropy,
      exampleAt: exampleOfK(view),
    };
  },
};

/** Leave-one-out: how the target's bits change without each example (negative: the example helps). */
export const looChart: FewShotChartSpec = {
  id: 'loo',
  title: 'Leave-one-out',
  // Drawn from the sweep when it computed leave-one-out, else from the probe (then possibly out of date).
  probe: 'loo',
  build(view, theme) {
    const delta = view.examples.map((e) => e.looDeltaBits);
    if (!anyNumber(delta)) return undefined;
    const labels = view.examples.map((e) => e.label);
    const options = baseOptions(theme);
    const color = chartColors(theme, CHART_SERIES.loo);
    const config = {
      type: 'bar',
      data: {
        labels,
        datasets: [
          { label: 'helps', data: view.examples.map((e) => (e.looEffect === 'helps' ? e.looDeltaBits : null)), backgroundColor: color.helps },
          { label: 'hurts', data: view.examples.map((e) => (e.looEffect === 'hurts' ? e.looDeltaBits : null)), backgroundColor: color.hurts },
          { label: `no measurable effect (±${view.toleranceBits} bits)`, data: view.examples.map((e) => (e.looEffect === 'none' ? e.looDeltaBits : null)), backgroundColor: color.none },
        ],
      },
      options: {
        ...options,
        interaction: { mode: 'index', intersect: false },
        scales: {
          x: axis(theme, undefined, { stacked: true, ticks: { color: theme.foreground, callback: (_v: unknown, i: number) => shorten(labels[i] ?? '') } }),
          y: axis(theme, 'Δ bits: log₂ P(without) − log₂ P(with)', { stacked: true, ...bounds(paddedToleranceRange(delta, view.toleranceBits, 0)) }),
        },
        plugins: {
          ...(options.plugins as object),
          tooltip: {
            filter: (item: TooltipItem<'bar'>) => item.raw !== null,
            callbacks: {
              title: (items: Array<TooltipItem<'bar'>>) => labels[items[0]?.dataIndex ?? 0] ?? '',
              label: (item: TooltipItem<'bar'>) => `Δ ${exact(item.raw as number)} bits`,
            },
          },
        },
      },
    } as unknown as AnyChartConfiguration;
    return {
      config,
      description: `Change in the target's bits when each example is left out, for ${view.examples.length} examples; negative means the example helps; within ±${view.toleranceBits} bits, no measurable effect`,
      verdict: view.verdicts.loo,
      note: `Δ < 0: removing the example lowers P(target). Within ±${view.toleranceBits} bits: no measurable effect (grey).`,
      exampleAt: (_d, i) => view.examples[i]?.index,
    };
  },
};
