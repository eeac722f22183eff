/**
 * The wind-tunnel probe for any model: run seeded sequences of a task, compare
 * the model's restricted distribution with the analytic predictive at every
 * slot, and report per position and on average (docs/numbers.md, "The Bayesian wind tunnel").
 */
import type { ModelInfo } from '../analysis';
import { generateSequence, type TaskOptions, type WindTunnelTaskName } from './tasks';
import { compareSlot, summarizeComparisons, type SlotComparison } from './windTunnelMetrics';

/** What the probe needs of a model: symbol probabilities at the slots of a text. */
export type SymbolMass = (spec: { text: string; slots: ReadonlyArray<{ offset: number; symbols: readonly string[] }> }) => Promise<{
  model: ModelInfo;
  slots: ReadonlyArray<{ mass: readonly number[]; singleToken: readonly boolean[] }>;
}>;

export interface WindTunnelReport {
  readonly task: WindTunnelTaskName;
  readonly model: ModelInfo;
  readonly sequences: number;
  readonly seed: number;
  readonly positions: readonly SlotComparison[];
  readonly meanKl: number;
  readonly meanEntropyError: number;
  /** Whether the mean KL is within the 0.1-bit pass line. */
  readonly pass: boolean;
  /** Symbols that are not a single token in this model (their first token stands for them). */
  readonly multiTokenSymbols: readonly string[];
}

/**
 * Reference lines: 0.1 bits mean KL is the pass line, and 0.007 bits is the
 * entropy error a small transformer reached on bijection elimination in Misra
 * et al., "The Bayesian wind tunnel" (arXiv 2512.22471).
 */
export const REFERENCE = { entropyErrorBits: 0.007, klPassBits: 0.1, source: 'Misra et al., arXiv 2512.22471' } as const;

/** The one-line verdict: PASS or FAIL against the pass line, with the paper's figure and its source. */
export function windTunnelVerdict(r: Pick<WindTunnelReport, 'task' | 'meanKl' | 'meanEntropyError' | 'pass'>): string {
  const kl = Number.isFinite(r.meanKl) ? r.meanKl.toPrecision(3) : String(r.meanKl);
  return `${r.pass ? 'PASS' : 'FAIL'} (${r.task}): mean KL(analytic ‖ model) ${kl} bits ${r.pass ? '≤' : '>'} the ${REFERENCE.klPassBits}-bit pass line; mean |ΔH| ${r.meanEntropyError.toPrecision(3)} bits (a small transformer reached ${REFERENCE.entropyErrorBits} bits on bijection elimination: ${REFERENCE.source}).`;
}

export async function runWindTunnel(
  args: { task: WindTunnelTaskName; sequences: number; seed: number } & TaskOptions,
  symbolMass: SymbolMass,
  onProgress: (done: number) => void = () => {},
): Promise<WindTunnelReport> {
  const perSequence: SlotComparison[][] = [];
  const multi = new Set<string>();
  let model: ModelInfo = { name: '', path: '', vocabSize: 0, contextSize: 0, trainContextSize: 0 };
  for (let i = 0; i < args.sequences; i++) {
    const seq = generateSequence(args.task, args.seed + i, args);
    const result = await symbolMass({ text: seq.text, slots: seq.slots.map((s) => ({ offset: s.offset, symbols: s.symbols })) });
    model = result.model;
    perSequence.push(seq.slots.map((slot, j) => {
      result.slots[j].singleToken.forEach((one, k) => { if (!one) multi.add(slot.symbols[k]); });
      return compareSlot(slot.t, slot.analytic, result.slots[j].mass);
    }));
    onProgress(i + 1);
  }
  const summary = summarizeComparisons(perSequence);
  return { task: args.task, model, sequences: args.sequences, seed: args.seed, ...summary, pass: summary.meanKl <= REFERENCE.klPassBits, multiTokenSymbols: [...multi].sort() };
}

/** A terminal table of the report with the reference lines. */
export function renderWindTunnel(r: WindTunnelReport): string {
  const f = (x: number, d = 4) => (Number.isFinite(x) ? x.toFixed(d) : String(x));
  const lines = [
    `wind tunnel: ${r.task}, ${r.sequences} sequences from seed ${r.seed}, model ${r.model.name}`,
    '',
    '   t   KL bits   |ΔH| bits   outside   H analytic   H model',
    ...r.positions.map((p) => `${String(p.t).padStart(4)}  ${f(p.kl).padStart(8)}  ${f(p.entropyError).padStart(10)}  ${f(p.outsideMass, 3).padStart(8)}  ${f(p.analyticEntropy, 3).padStart(11)}  ${f(p.modelEntropy, 3).padStart(8)}`),
    '',
    `mean KL(analytic ‖ model): ${f(r.meanKl, 5)} bits (pass line ${REFERENCE.klPassBits})   mean |ΔH|: ${f(r.meanEntropyError, 5)} bits (paper: ${REFERENCE.entropyErrorBits})`,
    windTunnelVerdict(r),
  ];
  if (r.multiTokenSymbols.length > 0) lines.push(`note: ${r.multiTokenSymbols.map((s) => JSON.stringify(s)).join(', ')} are not single tokens in this model; their first token stands for them.`);
  return lines.join('\n');
}
