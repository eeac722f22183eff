/**
 * The wind-tunnel probe for any model: run seeded sequences of a task, compare
 * the model's restricted distribution with the analytic predictive at every
 * slot, and report per position and on average (DESIGN.md, "Wind-tunnel error").
 */
import { generateSequence, type TaskOptions, type WindTunnelTaskName } from './tasks';
import { compareSlot, summarizeComparisons, type SlotComparison } from './windTunnelMetrics';

/** What the probe needs of a model: symbol probabilities at the slots of a text. */
export type SymbolMass = (spec: { text: string; slots: ReadonlyArray<{ offset: number; symbols: readonly string[] }> }) => Promise<{
  model: { name: string; path: string };
  slots: ReadonlyArray<{ mass: readonly number[]; singleToken: readonly boolean[] }>;
}>;

export interface WindTunnelReport {
  readonly task: WindTunnelTaskName;
  readonly model: { readonly name: string; readonly path: string };
  readonly sequences: number;
  readonly seed: number;
  readonly positions: readonly SlotComparison[];
  readonly meanKl: number;
  readonly meanEntropyError: number;
  /** Symbols that are not a single token in this model (their first token stands for them). */
  readonly multiTokenSymbols: readonly string[];
}

/** Reference lines from Misra et al.: 0.007 bits entropy error (small transformer), 0.1 bits KL pass line. */
export const REFERENCE = { entropyErrorBits: 0.007, klPassBits: 0.1 } as const;

export async function runWindTunnel(
  args: { task: WindTunnelTaskName; sequences: number; seed: number } & TaskOptions,
  symbolMass: SymbolMass,
  onProgress: (done: number) => void = () => {},
): Promise<WindTunnelReport> {
  const perSequence: SlotComparison[][] = [];
  const multi = new Set<string>();
  let model = { name: '', path: '' };
  for (let i = 0; i < args.sequences; i++) {
    const seq = generateSequence(args.task, args.seed + i, args);
    const result = await symbolMass({ text: seq.text, slots: seq.slots.map((s) => ({ offset: s.offset, symbols: s.symbols })) });
    model = { name: result.model.name, path: result.model.path };
    perSequence.push(seq.slots.map((slot, j) => {
      result.slots[j].singleToken.forEach((one, k) => { if (!one) multi.add(slot.symbols[k]); });
      return compareSlot(slot.t, slot.analytic, result.slots[j].mass);
    }));
    onProgress(i + 1);
  }
  const summary = summarizeComparisons(perSequence);
  return { task: args.task, model, sequences: args.sequences, seed: args.seed, ...summary, multiTokenSymbols: [...multi].sort() };
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
  ];
  if (r.multiTokenSymbols.length > 0) lines.push(`note: ${r.multiTokenSymbols.map((s) => JSON.stringify(s)).join(', ')} are not single tokens in this model; their first token stands for them.`);
  return lines.join('\n');
}
