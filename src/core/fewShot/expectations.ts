/**
 * `--expect` assertions over a sweep, so a prompt regression fails CI:
 * `<metric><op><value>[@k=<n>]`, e.g. `posterior.dsl>=0.9@k=4`.
 *
 * Metrics at k (default: the last k): `posterior.<candidate>`, `targetBits`,
 * `targetP`, `coverage`, `formatMass`, `answerEntropy`, `informationGain`. Metrics of
 * example k (1-based, default: the last): `prequentialBits`, `looDeltaBits`.
 */
import type { SweepResult } from './sweep';

export type ExpectOp = '>=' | '<=' | '>' | '<' | '==';

export interface Expectation {
  readonly source: string;
  readonly metric: string;
  readonly op: ExpectOp;
  readonly value: number;
  readonly k: number | null;
}

export interface ExpectationOutcome {
  readonly expectation: Expectation;
  readonly ok: boolean;
  readonly actual: number | null;
  readonly message: string;
}

const K_METRICS = ['targetBits', 'targetP', 'coverage', 'formatMass', 'answerEntropy', 'informationGain'];
const EXAMPLE_METRICS = ['prequentialBits', 'looDeltaBits'];
const PATTERN = /^\s*([A-Za-z][\w.-]*)\s*(>=|<=|==|>|<)\s*([-+]?(?:\d+\.?\d*|\.\d+)(?:e[-+]?\d+)?)\s*(?:@\s*k\s*=\s*(\d+))?\s*$/i;

/** Parse one `--expect` value; throws an Error naming the problem. */
export function parseExpectation(source: string): Expectation {
  const m = PATTERN.exec(source);
  if (!m) throw new Error(`cannot read --expect "${source}": write <metric><op><value>[@k=<n>], e.g. "posterior.dsl>=0.9@k=4"`);
  const [, metric, op, value, k] = m;
  if (!metric.startsWith('posterior.') && !K_METRICS.includes(metric) && !EXAMPLE_METRICS.includes(metric)) {
    throw new Error(`unknown metric "${metric}" in --expect (known: posterior.<candidate>, ${[...K_METRICS, ...EXAMPLE_METRICS].join(', ')})`);
  }
  return { source, metric, op: op as ExpectOp, value: Number(value), k: k === undefined ? null : Number(k) };
}

/** Check `e` against a sweep. A metric the sweep lacks fails with a message saying why. */
export function checkExpectation(result: SweepResult, e: Expectation): ExpectationOutcome {
  const fail = (message: string): ExpectationOutcome => ({ expectation: e, ok: false, actual: null, message: `${e.source}: ${message}` });
  let actual: number | null | undefined;
  if (EXAMPLE_METRICS.includes(e.metric)) {
    const index = e.k ?? result.examples.length;
    const ex = result.examples.find((x) => x.index === index);
    if (!ex) return fail(`there is no example ${index} (the prompt has ${result.examples.length})`);
    actual = e.metric === 'prequentialBits' ? ex.prequentialBits : ex.looDeltaBits;
  } else {
    const k = e.k ?? result.ks.length - 1;
    const at = result.ks.find((x) => x.k === k);
    if (!at) return fail(`k=${k} is out of range (0..${result.ks.length - 1})`);
    if (e.metric.startsWith('posterior.')) {
      const name = e.metric.slice('posterior.'.length);
      if (!(name in at.posterior)) return fail(`no candidate "${name}" (candidates: ${Object.keys(at.posterior).join(', ') || 'none'})`);
      actual = at.posterior[name];
    } else if (e.metric === 'targetP') {
      actual = at.targetBits === null ? null : 2 ** -at.targetBits;
    } else if (e.metric === 'informationGain') {
      actual = at.informationGainBits;
    } else {
      actual = at[e.metric as 'targetBits' | 'coverage' | 'formatMass' | 'answerEntropy'];
    }
  }
  if (actual === null || actual === undefined) return fail(`${e.metric} is not available for this prompt`);
  const ok = compare(actual, e.op, e.value);
  return { expectation: e, ok, actual, message: `${e.source}: ${ok ? 'met' : 'NOT met'} (actual ${formatActual(actual)})` };
}

function compare(a: number, op: ExpectOp, b: number): boolean {
  switch (op) {
    case '>=': return a >= b;
    case '<=': return a <= b;
    case '>': return a > b;
    case '<': return a < b;
    case '==': return Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(b));
  }
}

function formatActual(x: number): string {
  return Math.abs(x) >= 1e-3 || x === 0 ? x.toFixed(4) : x.toExponential(3);
}
