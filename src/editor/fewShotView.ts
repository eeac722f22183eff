/**
 * Builds the panel's few-shot view from a sweep and the probes run since. Pure
 * (no vscode): the numbers are the CLI's, passed through unchanged.
 */
import { forecastOf, forecastVerdict } from '../core/fewShot/forecast';
import { LOW_COVERAGE } from '../core/fewShot/posteriorMath';
import type { OrderReport, CalibrateReport, RandomLabelsReport, LooReport } from '../core/fewShot/probes';
import type { SweepResult } from '../core/fewShot/sweep';
import { calibrationVerdict, looVerdict, orderVerdict, randomLabelsVerdict, sweepVerdicts } from '../core/fewShot/verdicts';
import { visibleText } from '../core/visibleText';
import type { FewShotView } from '../shared/protocol';
import { comparedSweepView, type ComparedSweepInput } from './comparedSweepView';
import { beforeSweepView, type BeforeSweep } from './beforeSweepView';

export interface FewShotViewInput {
  readonly document: string;
  readonly uri: string;
  readonly text: string;
  readonly sweep: SweepResult;
  readonly stale: boolean;
  /** Probes whose reports describe an earlier text or model (shown, marked out of date). */
  readonly staleProbes?: FewShotView['staleProbes'];
  readonly progress?: FewShotView['progress'];
  readonly problem?: string;
  readonly loo?: LooReport;
  readonly order?: OrderReport;
  readonly calibration?: CalibrateReport;
  readonly randomLabels?: RandomLabelsReport;
  /** The P(target) level the scaling-law forecast aims at (iclLens.fewShot.forecastLevel). */
  readonly forecastLevel?: number;
  /** Model B's sweep, while a model comparison is shown. */
  readonly compared?: ComparedSweepInput;
  /** An earlier version's sweep (Compare With Previous Version), drawn beside this one. */
  readonly before?: BeforeSweep;
}

const LABEL_CHARS = 24;

/** The view of `input` (examples labelled by the start of their input, else output). */
export function fewShotView(input: FewShotViewInput): FewShotView {
  const { sweep: r, text } = input;
  // A sweep without leave-one-out shows the leave-one-out probe's numbers, even out of date (marked so).
  const looOf = r.examples.some((e) => e.looDeltaBits !== null) ? undefined : input.loo;
  const examples = r.examples.map((e) => {
    const s = r.structure.examples[e.index - 1];
    // A chat's input is its user message's content as written (its assistant message follows other JSON or a header).
    const inputText = text.slice(s.inputStart, r.structure.shape === 'chat' ? s.inputEnd : s.outputStart).trim();
    const raw = inputText.length > 0 ? inputText : text.slice(s.outputStart, e.end).trim();
    const label = visibleText(raw.length > LABEL_CHARS ? `${raw.slice(0, LABEL_CHARS - 1)}…` : raw);
    const probed = looOf?.examples.find((x) => x.index === e.index);
    const loo = probed ? { looDeltaBits: probed.looDeltaBits, looEffect: probed.effect } : { looDeltaBits: e.looDeltaBits, looEffect: e.looEffect };
    return { index: e.index, label: `E${e.index} ${label}`.trim(), prequentialBits: e.prequentialBits, ...loo, informationGainBits: e.informationGainBits };
  });
  const sweep = sweepVerdicts(r);
  const verdicts = {
    ...sweep,
    // The probe's own reading supersedes the sweep's once it ran (same numbers, its tolerance).
    ...(input.loo ? { loo: looVerdict(input.loo) ?? sweep.loo } : {}),
    ...(input.order ? { order: orderVerdict(input.order) } : {}),
    ...(input.calibration ? { calibration: calibrationVerdict(input.calibration) } : {}),
    ...(input.randomLabels ? { randomLabels: randomLabelsVerdict(input.randomLabels) } : {}),
  };
  return {
    document: input.document,
    uri: input.uri,
    model: r.model.name,
    complete: r.complete,
    stale: input.stale,
    staleProbes: input.staleProbes ?? [],
    ...(input.progress ? { progress: input.progress } : {}),
    ...(input.problem ? { problem: input.problem } : {}),
    target: r.target,
    candidates: r.candidates.map((c) => c.name),
    lengthNormalized: r.lengthNormalized,
    reference: r.reference,
    toleranceBits: r.toleranceBits,
    verdicts,
    ks: r.ks.map((k) => ({
      k: k.k,
      targetBits: k.targetBits,
      targetTokenBits: k.targetTokenBits,
      posterior: k.posterior,
      coverage: k.coverage,
      coverageBits: k.coverageBits,
      lowCoverage: k.coverage !== null && k.coverage < LOW_COVERAGE,
      ...(k.referencePosterior ? { referencePosterior: k.referencePosterior } : {}),
      formatMass: k.formatMass,
      answerEntropy: k.answerEntropy,
      informationGainBits: k.informationGainBits,
    })),
    examples,
    tokensEvaluated: r.tokensEvaluated,
    tokensMinimum: r.tokensMinimum,
    looTokensEvaluated: r.looTokensEvaluated,
    ...(r.complete && r.target !== null ? { forecast: forecastView(r, input.forecastLevel) } : {}),
    ...(input.before ? { before: beforeSweepView(input.before, r) } : {}),
    ...(input.order ? {
      order: {
        orders: input.order.orders.map((o) => ({ order: o.order, targetBits: o.targetBits, targetP: o.targetP, posterior: o.posterior })),
        best: input.order.best,
        worst: input.order.worst,
        targetBitsStd: input.order.targetBitsStd,
        toleranceBits: input.order.toleranceBits,
        exchangeable: input.order.exchangeable,
        maxPosteriorKlBits: input.order.maxPosteriorKlBits,
      },
    } : {}),
    ...(input.calibration ? { calibration: { contentFree: input.calibration.contentFree, raw: input.calibration.raw, bias: input.calibration.bias, calibrated: input.calibration.calibrated } } : {}),
    ...(input.randomLabels ? {
      randomLabels: {
        trueBits: input.randomLabels.trueLabels.targetBits,
        truePosterior: input.randomLabels.trueLabels.posterior,
        shuffled: input.randomLabels.shuffled.map((s) => ({ outputs: s.outputs, targetBits: s.targetBits, posterior: s.posterior })),
        labelEffectBits: input.randomLabels.labelEffectBits,
        meanPosteriorKlBits: input.randomLabels.meanPosteriorKlBits,
        shuffleCannotChange: input.randomLabels.shuffleCannotChange,
      },
    } : {}),
    ...(input.compared ? { compared: comparedSweepView(r, input.compared) } : {}),
  };
}

/** The forecast for the panel: the CLI's numbers and sentence. */
function forecastView(r: SweepResult, level: number | undefined): FewShotView['forecast'] {
  const f = forecastOf(r, level);
  return {
    level: f.level, k: f.k, reason: f.reason, form: f.form, parameters: f.parameters,
    rmsResidualBits: f.rmsResidualBits, residualBits: f.residualBits, fitted: f.fitted, verdict: forecastVerdict(f),
  };
}
