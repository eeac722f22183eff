/** Terminal renderings of sweep and probe results (pure; the CLI prints them). */
import { LOW_COVERAGE } from './posteriorMath';
import { forecastVerdict, type Forecast } from './forecast';
import type { ProbeReport, VariantScore } from './probes';
import type { SweepResult } from './sweep';
import { calibrationVerdict, looVerdict, orderVerdict, randomLabelsVerdict, sweepVerdicts, type Verdict } from './verdicts';

const verdictLine = (label: string, v: Verdict | undefined) => (v ? [`${label}: ${v.tone === 'warn' ? 'WARNING: ' : ''}${v.text}`] : []);

const f = (x: number | null | undefined, d = 3) => (x === null || x === undefined || !Number.isFinite(x) ? '—' : x !== 0 && Math.abs(x) < 10 ** -d ? x.toExponential(2) : x.toFixed(d));

/** The sweep table: k, target bits, candidate posteriors, format mass, entropy, prequential bits; the scaling-law forecast when given. */
export function renderSweep(r: SweepResult, forecast?: Forecast): string {
  const names = r.candidates.map((c) => c.name);
  const withCoverage = names.length > 0;
  const head = ['k', 'target bits', ...names.map((n) => `P(${n})`), ...(withCoverage ? ['coverage'] : []), 'format mass', 'H answer', 'preq bits', 'LOO Δbits'];
  const rows = r.ks.map((k) => {
    const ex = k.k > 0 ? r.examples[k.k - 1] : undefined;
    // A posterior over answers the model does not expect is marked where it is shown.
    const low = k.coverage !== null && k.coverage < LOW_COVERAGE ? '!' : '';
    const coverage = k.coverage === null ? '—' : k.coverage === 0 && k.coverageBits !== null ? `2^-${k.coverageBits.toFixed(0)}!` : `${f(k.coverage)}${low}`;
    const loo = ex?.looDeltaBits === null || ex?.looDeltaBits === undefined ? '—' : `${f(ex.looDeltaBits)}${ex.looEffect === 'none' ? ' (none)' : ''}`;
    return [String(k.k), f(k.targetBits), ...names.map((n) => `${f(k.posterior[n])}${low}`), ...(withCoverage ? [coverage] : []), f(k.formatMass), f(k.answerEntropy), f(ex?.prequentialBits), loo];
  });
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padStart(widths[i])).join('  ');
  const out = [
    `sweep: ${r.examples.length} examples (${r.structure.shape}${r.template !== undefined ? `, rendered by ${r.template}` : ''}), model ${r.model.name}`,
    `target: ${r.target === null ? '— (none: give the query an output or "target:" in front matter)' : JSON.stringify(r.target)}`,
    `candidates: ${r.candidates.length === 0 ? '—' : r.candidates.map((c) => `${c.name} = ${JSON.stringify(c.text)}`).join(', ')}${r.lengthNormalized ? ' (per-token length normalised)' : ''}`,
    `format class: ${r.formatClass.source === 'regex' ? `tokens matching /${r.formatClass.regex}/` : `tokens that begin ${r.formatClass.outputsCapped ? 'one of the first 64 distinct example outputs' : 'an example output'}`} (${r.formatClass.size} tokens)`,
    '',
    line(head),
    ...rows.map(line),
    '',
    `prequential code length of the examples: ${f(r.examples.reduce((a, e) => a + (e.prequentialBits ?? 0), 0), 2)} bits${r.examples.some((e) => e.prequentialBits === null) ? ' (examples with nothing before them excluded)' : ''}`,
    `tokens evaluated: ${r.tokensEvaluated} (minimum ${r.tokensMinimum}, ratio ${f(r.tokensEvaluated / Math.max(1, r.tokensMinimum), 3)})${r.looTokensEvaluated > 0 ? `; leave-one-out: ${r.looTokensEvaluated}` : ''}`,
  ];
  if (r.ks.some((k) => k.coverage !== null && k.coverage < LOW_COVERAGE)) {
    out.push(`!: coverage below ${LOW_COVERAGE}: the candidates hold almost none of the model's probability there, so that posterior is a choice between answers the model does not expect, not confidence.`);
  }
  out.push(`(none): within ±${r.toleranceBits} bits, no measurable effect.`);
  if (r.reference) {
    const ref = r.ks.map((k) => k.referencePosterior ? `${k.k}:${f(k.referencePosterior[names[0]])}` : '').filter(Boolean).join(' ');
    out.push(`analytic ${r.reference.task} reference P(${names[0]}) by k: ${ref}`);
  }
  if (forecast && forecast.fitted.length > 0) {
    out.push(`scaling-law fit P̂(target) by k: ${forecast.fitted.map((x) => `${x.k}:${f(x.p)}`).join(' ')}`);
    out.push(`residuals log2 P − log2 P̂ (bits) by k: ${forecast.residualBits.map((x, i) => `${i}:${f(x)}`).join(' ')}`);
  }
  if (r.retokenizedBoundary) out.push('note: the tokenizer merged the end of a context into an answer; every answer at that context is scored from the same earlier token boundary, so all are conditioned on the same tokens.');
  const v = sweepVerdicts(r);
  const lines = [...verdictLine('posterior', v.posterior), ...verdictLine('target', v.target), ...verdictLine('learning', v.prequential), ...verdictLine('format', v.entropy), ...verdictLine('leave-one-out', v.loo), ...verdictLine('forecast', forecast && forecastVerdict(forecast))];
  if (lines.length > 0) out.push('', ...lines);
  return out.join('\n');
}

/** A probe report as text. */
export function renderProbe(r: ProbeReport): string {
  const post = (p: Readonly<Record<string, number>>) => Object.entries(p).map(([n, v]) => `${n} ${f(v)}`).join(', ') || '—';
  const score = (v: VariantScore) => `target ${f(v.targetBits)} bits; posterior ${post(v.posterior)}`;
  switch (r.probe) {
    case 'loo':
      return [
        `leave-one-out (all examples: ${score(r.full)})`,
        '',
        ...r.examples.map((e) => `  without E${e.index}: ${score(e)}; Δ log2 P(target) ${f(e.looDeltaBits)} bits${e.effect ? ` (${e.effect === 'none' ? 'no measurable effect' : e.effect})` : ''}${e.posteriorShiftBits !== null ? `, posterior shift ${f(e.posteriorShiftBits, 4)} bits` : ''}`),
        '',
        `Δ < 0: removing the example lowers the target probability (the example helps); within ±${r.toleranceBits} bits: no measurable effect.`,
        ...verdictLine('verdict', looVerdict(r)),
      ].join('\n');
    case 'order':
      return [
        `order sensitivity over ${r.orders.length} orders (the first is the written order)`,
        '',
        ...r.orders.map((o) => `  ${o.order.join(' ').padEnd(Math.max(12, o.order.length * 3))}  ${score(o)}`),
        '',
        r.targetP ? `P(target): min ${f(r.targetP.min, 4)}, max ${f(r.targetP.max, 4)}, mean ${f(r.targetP.mean, 4)}, std ${f(r.targetP.std, 4)}` : 'P(target): — (no target)',
        `best order: ${r.best?.join(' ') ?? '—'}   worst order: ${r.worst?.join(' ') ?? '—'}`,
        `exchangeability: std of target bits across orders ${f(r.targetBitsStd, 4)} (tolerance ${r.toleranceBits}) → ${r.exchangeable === null ? '—' : r.exchangeable ? 'order does not matter beyond the tolerance' : 'the answer depends on the order'}${r.maxPosteriorKlBits !== null ? `; largest KL(order ‖ mean posterior) ${f(r.maxPosteriorKlBits, 4)} bits` : ''}`,
        ...verdictLine('verdict', orderVerdict(r)),
      ].join('\n');
    case 'calibrate':
      return [
        `contextual calibration (content-free input ${JSON.stringify(r.contentFree)})`,
        `  raw:        ${post(r.raw)}`,
        `  bias:       ${post(r.bias)}`,
        `  calibrated: ${post(r.calibrated)}`,
        ...verdictLine('verdict', calibrationVerdict(r)),
      ].join('\n');
    case 'random-labels':
      return [
        'random labels (example outputs shuffled among the examples)',
        `  true labels: ${score(r.trueLabels)}`,
        ...r.shuffled.map((s) => `  outputs ${s.outputs.join(' ')}: ${score(s)}`),
        `label effect: mean shuffled bits − true bits = ${f(r.labelEffectBits)} (> ${r.toleranceBits}: the model uses the labels; within ±${r.toleranceBits}: no measurable effect)`,
        ...verdictLine('verdict', randomLabelsVerdict(r)),
      ].join('\n');
  }
}
