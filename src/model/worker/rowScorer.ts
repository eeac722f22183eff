/**
 * Per-position statistics for a run of tokens appended to a sequence. Two routes
 * give the same numbers: the native addon reads each decoded logit row in place
 * (≈ +0.1 ms per position at a 49k vocabulary); node-llama-cpp's probability maps
 * (a full sort and 2V numbers across N-API per position) serve where the addon is
 * missing. Where only surprisal is wanted, the map route reads two logits and the
 * total logit weight instead (the `surprisal` reading, 1.3–1.6× plain evaluation).
 */
import type { LlamaContextSequence, Token } from 'node-llama-cpp' with { 'resolution-mode': 'import' };
import type { Reading } from '../../core/analysis';
import { LOG2E } from '../../core/bits';
import type { RowStatsAddon } from './rowStatsAddon';

/** The distribution at one position, and how it scored the token that follows there. */
export interface Row {
  /** Null when not computed (the `surprisal` reading). */
  readonly entropyBits: number | null;
  /** ln p of the following token; null for the last position. */
  readonly lnpNext: number | null;
  /** Null for the last position, and in the `surprisal` reading where the following token is not the most probable. */
  readonly rank: number | null;
  /** The most probable tokens, highest first: `topK` of them, or only the most probable in the `surprisal` reading. */
  readonly top: ReadonlyArray<{ readonly id: number; readonly p: number }>;
}

/**
 * Evaluates tokens after what the sequence holds, in one of two readings: every
 * row's statistics (`score`), or ln p of chosen ids at chosen rows (`gather`,
 * the one way to read the probabilities of given tokens).
 */
export interface RowScorer {
  readonly route: 'native' | 'exact-map';
  /**
   * Returns one row per token of `tokens`, in `reading` (the native route reads
   * `all` whatever is asked; the map route's `surprisal` reading still reads the
   * row of a last position, `following` null, in full: it is "what comes next").
   * @param following the token after the last of `tokens`, or null if there is none.
   */
  score(sequence: LlamaContextSequence, tokens: readonly Token[], following: Token | null, topK: number, reading?: Reading): Promise<Row[]>;
  /**
   * Evaluates `tokens` after what the sequence holds, reading only the rows in
   * `wanted` (by index into `tokens`): the entropy there and ln p of the given ids.
   */
  gather(sequence: LlamaContextSequence, tokens: readonly Token[], wanted: GatherRequest): Promise<Map<number, GatheredRow>>;
}

/** Token ids whose probabilities are wanted, by index into the tokens being evaluated. */
export type GatherRequest = ReadonlyMap<number, Int32Array>;

/** A row read by `gather`: its entropy and ln p of the requested ids, in order. */
export interface GatheredRow {
  readonly entropyBits: number;
  readonly lnp: Float64Array;
}

/** The row scorer on the native addon, over node-llama-cpp's batch decode. */
export class NativeRowScorer implements RowScorer {
  readonly route = 'native';
  private out = new Float64Array(6);

  constructor(private readonly addon: RowStatsAddon, private readonly handle: unknown) {}

  async score(sequence: LlamaContextSequence, tokens: readonly Token[], following: Token | null, topK: number): Promise<Row[]> {
    if (this.out.length < 6 + 2 * topK) this.out = new Float64Array(6 + 2 * topK);
    const out = this.out;
    const rows: Row[] = new Array(tokens.length);
    const logits = tokens.map(() => true);
    const internal = sequence as unknown as InternalSequence;
    await internal._decodeTokens(tokens.slice(), logits, 5, internal._tokenMeter, NO_CONTEXT_SHIFT, (batchIndex: number, tokenIndex: number) => {
      const next = tokenIndex + 1 < tokens.length ? tokens[tokenIndex + 1] : following;
      const n = this.addon.rowStats(this.handle, batchIndex, next ?? -1, topK, out);
      const lnZ = out[1];
      const maxLogit = out[0];
      const top = [];
      for (let j = 0; j < n; j++) top.push({ id: out[6 + 2 * j], p: Math.exp(out[7 + 2 * j] - maxLogit - lnZ) });
      rows[tokenIndex] = { entropyBits: out[2] * LOG2E, lnpNext: next === null ? null : out[3], rank: next === null ? null : out[4], top };
    });
    return rows;
  }

  async gather(sequence: LlamaContextSequence, tokens: readonly Token[], wanted: GatherRequest): Promise<Map<number, GatheredRow>> {
    const rows = new Map<number, GatheredRow>();
    const internal = sequence as unknown as InternalSequence;
    await internal._decodeTokens(tokens.slice(), tokens.map((_, i) => wanted.has(i)), 5, internal._tokenMeter, NO_CONTEXT_SHIFT, (batchIndex: number, tokenIndex: number) => {
      const ids = wanted.get(tokenIndex);
      if (ids === undefined) return;
      const out = new Float64Array(ids.length + 1);
      this.addon.rowGather(this.handle, batchIndex, ids, out);
      rows.set(tokenIndex, { entropyBits: out[0] * LOG2E, lnp: out.subarray(1) });
    });
    return rows;
  }
}

/**
 * The row scorer on node-llama-cpp's public API. Reading `all`: exact, but a sort
 * and a whole-vocabulary Map per position (9–28× plain evaluation at 49k–152k, npm run bench).
 * Reading `surprisal`: per position the logits of the following token and of the
 * greedy sampler's choice (the argmax) and Σ exp(logit − max) (`totalLogitWeight`),
 * which need no sort (1.3–1.6×); ln p(next) = logit(next) − logit(argmax) − ln Σ.
 * That sum is float32 in the addon: its relative error is below V·2⁻²⁴ (a bound,
 * 4e-3 bits at 49k; measured ≤ 2.2e-4 bits on a random 49k model), where the Map
 * route renormalises in float64.
 */
export class MapRowScorer implements RowScorer {
  readonly route = 'exact-map';

  async score(sequence: LlamaContextSequence, tokens: readonly Token[], following: Token | null, topK: number, reading: Reading = 'all'): Promise<Row[]> {
    const rows: Row[] = new Array(tokens.length);
    const nextOf = (index: number) => (index + 1 < tokens.length ? tokens[index + 1] : following);
    const items = tokens.map((t, i): ControlledItem => {
      const next = nextOf(i);
      if (reading === 'all' || next === null) return [t, { generateNext: { probabilities: true } }];
      // No sampling options: node-llama-cpp's default is temperature 0, a greedy sampler alone over the
      // whole vocabulary (no top-k or top-p in the chain), so the selected token is the argmax and the
      // total weight covers every entry.
      return [t, { generateNext: { logits: { filter: { tokens: [next], includeSelected: true } }, totalLogitWeight: true, token: true } }];
    });
    await sequence.controlledEvaluate(items, {
      onTokenResult(index, result) {
        const next = nextOf(index);
        const probabilities = result.next.probabilities;
        if (probabilities === undefined) {
          rows[index] = surprisalRow(result.next, next!);
          return;
        }
        // The map's float32 probabilities need not sum to 1 (at a 49k vocabulary they were 1e-4 off,
        // moving entropy by 1e-3 bits): renormalise in float64.
        const z = totalOf(probabilities);
        const pNext = next === null ? 0 : (probabilities.get(next) ?? 0) / z;
        let h = 0;
        let greater = 0;
        const top: Array<{ id: number; p: number }> = [];
        for (const [id, raw] of probabilities) {
          const p = raw / z;
          if (p > 0) h -= p * Math.log2(p);
          if (p > pNext) greater++;
          if (top.length < topK) top.push({ id, p });
        }
        rows[index] = {
          entropyBits: h,
          // node-llama-cpp's probabilities are float32: a 0 is an underflow, below float32's smallest value.
          lnpNext: next === null ? null : Math.log(Math.max(pNext, FLOAT32_MIN)),
          rank: next === null ? null : greater + 1,
          top,
        };
      },
    });
    return rows;
  }

  async gather(sequence: LlamaContextSequence, tokens: readonly Token[], wanted: GatherRequest): Promise<Map<number, GatheredRow>> {
    const rows = new Map<number, GatheredRow>();
    const items = tokens.map((t, i) => (wanted.has(i) ? [t, { generateNext: { probabilities: true } }] as [Token, { generateNext: { probabilities: true } }] : t));
    await sequence.controlledEvaluate(items, {
      onTokenResult(index, result) {
        const ids = wanted.get(index);
        const probabilities = result.next.probabilities;
        if (ids === undefined) return;
        if (probabilities === undefined) throw new Error('node-llama-cpp returned no probabilities');
        const z = totalOf(probabilities);
        let h = 0;
        for (const raw of probabilities.values()) {
          const p = raw / z;
          if (p > 0) h -= p * Math.log2(p);
        }
        const lnp = new Float64Array(ids.length);
        ids.forEach((id, i) => { lnp[i] = Math.log(Math.max((probabilities.get(id as Token) ?? 0) / z, FLOAT32_MIN)); });
        rows.set(index, { entropyBits: h, lnp });
      },
    });
    return rows;
  }
}

type ControlledItem = Parameters<LlamaContextSequence['controlledEvaluate']>[0][number];

/** What node-llama-cpp gives for the `surprisal` reading of one position. */
interface SurprisalResult {
  readonly token?: Token | null;
  readonly logits?: ReadonlyMap<Token, number>;
  readonly totalLogitWeight?: number;
}

/** A `surprisal`-reading row: exact ln p of `next` and of the argmax, from their logits and the total weight. */
function surprisalRow(result: SurprisalResult, next: Token): Row {
  const { token: argmax, logits, totalLogitWeight } = result;
  if (argmax == null || logits === undefined || totalLogitWeight === undefined || !(totalLogitWeight >= 1)) {
    throw new Error('node-llama-cpp returned no logits or total logit weight');
  }
  const maxLogit = logits.get(argmax);
  const nextLogit = logits.get(next);
  if (maxLogit === undefined || nextLogit === undefined) throw new Error('node-llama-cpp left out a requested logit');
  const lnZ = Math.log(totalLogitWeight);
  // Ties with the argmax rank 1 too (rank counts strictly more probable tokens).
  return { entropyBits: null, lnpNext: nextLogit - maxLogit - lnZ, rank: nextLogit >= maxLogit ? 1 : null, top: [{ id: argmax, p: Math.exp(-lnZ) }] };
}

/** Σ p over a whole-vocabulary probability map, in float64. */
function totalOf(probabilities: ReadonlyMap<unknown, number>): number {
  let z = 0;
  for (const p of probabilities.values()) z += p;
  return z > 0 ? z : 1;
}

/** The smallest positive float32 (a subnormal): the floor for probabilities that underflowed. */
const FLOAT32_MIN = 1.401298464324817e-45;

/** node-llama-cpp internals the native route relies on (pinned version; checked at load). */
interface InternalSequence {
  _tokenMeter: unknown;
  _decodeTokens(
    tokens: Token[], logits: boolean[], priority: number, tokenMeter: unknown,
    contextShift: unknown, mapper: (batchIndex: number, tokenIndex: number) => void,
  ): Promise<unknown>;
}

/** The analysis sizes the context so a shift never happens; if one were attempted it must not erase silently. */
const NO_CONTEXT_SHIFT = {
  size: 0,
  strategy: () => {
    throw new Error('the document does not fit the context (context shift refused)');
  },
};

/** Whether `sequence` has the internals the native route uses. */
export function hasNativeInternals(sequence: LlamaContextSequence): boolean {
  const s = sequence as unknown as Partial<InternalSequence>;
  return typeof s._decodeTokens === 'function' && s._tokenMeter !== undefined;
}
