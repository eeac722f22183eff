/**
 * What the worker's one context sequence holds, and the rows computed for it:
 * the state the analysis reuses from one edit to the next, and that every
 * algorithm sharing the sequence keeps true.
 */
import type { Token } from 'node-llama-cpp' with { 'resolution-mode': 'import' };
import type { Reading } from '../../core/analysis';
import { commonPrefixLength } from '../../core/sequenceDiff';
import type { Row } from './rowScorer';

/**
 * The tokens the sequence holds and, where an analysis computed them, their rows
 * (`rows[i]` is the distribution after `tokens[i]`). Every change bumps
 * `generation`, so long work that stepped aside can tell whether others touched it.
 */
export class SequenceCache {
  private heldTokens: readonly Token[] = [];
  private heldRows: readonly Row[] = [];
  /** The largest top-k the rows carry, so analyses asking for as many or fewer may reuse them; null when no analysis may. */
  private rowsServeTopK: number | null = null;
  /** The reading the rows were computed in: `surprisal` rows never serve an analysis that needs `all`. */
  private rowsReading: Reading = 'all';
  /** Where the rows' evaluation geometry starts (see `RowsOf.origin`). */
  private rowsOrigin = 0;
  private changes = 0;

  /** The tokens the sequence holds. */
  get tokens(): readonly Token[] {
    return this.heldTokens;
  }

  /** The rows of the held tokens that an analysis may reuse (possibly fewer than the tokens, or none). */
  get rows(): readonly Row[] {
    return this.heldRows;
  }

  /** Increases with every change. */
  get generation(): number {
    return this.changes;
  }

  /**
   * The sequence now holds `tokens`; `rows`, when given, are theirs and serve
   * analyses of at most `topK` alternatives in the same `reading`. Without them no rows are reusable.
   */
  resetTo(tokens: readonly Token[], rows?: RowsOf): void {
    this.heldTokens = tokens.slice();
    this.heldRows = rows === undefined ? [] : rows.rows.slice();
    this.rowsServeTopK = rows === undefined ? null : rows.topK;
    this.rowsReading = rows?.reading ?? 'all';
    this.rowsOrigin = rows?.origin ?? 0;
    this.changes++;
  }

  /** `tokens` were evaluated after the held ones with their `rows`, which serve analyses of at most `topK` in `reading` (as the held rows must). */
  appendRows(tokens: readonly Token[], rows: readonly Row[], topK: number, reading: Reading): void {
    this.heldTokens = [...this.heldTokens, ...tokens];
    this.heldRows = [...this.heldRows, ...rows];
    this.rowsServeTopK = topK;
    this.rowsReading = reading;
    this.changes++;
  }

  /** `tokens` were evaluated after the held ones without keeping rows: no rows are reusable any more. */
  appendTokens(tokens: readonly Token[]): void {
    this.heldTokens = [...this.heldTokens, ...tokens];
    this.invalidateRows();
  }

  /** The held tokens stay; their rows are no longer reusable (the sequence went on to other work). */
  invalidateRows(): void {
    this.heldRows = [];
    this.rowsServeTopK = null;
    this.changes++;
  }

  /**
   * How many leading rows an analysis of `tokens` asking for `topK` alternatives
   * in `reading`, evaluated in the geometry starting at `origin`, may reuse: those
   * before the first changed token, less the row just before it (it scored the old
   * next token). Rows of the other reading are never reused: `surprisal` rows lack
   * what `all` needs, and `all` rows' surprisal is not the `surprisal` reading's to
   * the last bit (a float64 sum against a float32 one), so an analysis would depend
   * on what ran before it.
   */
  reusableRows(tokens: readonly Token[], topK: number, reading: Reading, origin: number): number {
    if (this.rowsServeTopK === null || this.rowsServeTopK < topK || this.rowsReading !== reading || this.rowsOrigin !== origin) return 0;
    return Math.max(0, commonPrefixLength(this.heldTokens, tokens) - 1);
  }
}

/**
 * Rows of held tokens. `origin`: the tokens before it were evaluated as one batch
 * (a window's BOS), those from it in batches of the evaluation geometry
 * (evaluationGeometry.ts); 0 when absent. Rows of another origin are never
 * reused: their batches differed, and with flash attention they round differently.
 */
export interface RowsOf {
  readonly rows: readonly Row[];
  readonly topK: number;
  readonly reading: Reading;
  readonly origin?: number;
}

/** One window's evaluation: the tokens it held, the token after them, and the rows of every held token. */
export interface WindowRows {
  readonly held: readonly Token[];
  readonly following: Token | null;
  readonly rows: readonly Row[];
  readonly topK: number;
  readonly reading: Reading;
}

/**
 * The windows of the last windowed analysis: the same tokens in a window (and the
 * same token after it) evaluate to the same rows, so an edit re-evaluates only the
 * windows it touches.
 */
export class WindowRowsMemo {
  private windows: readonly WindowRows[] = [];

  /** The rows of a window holding `held` followed by `following`, computed in `reading` with at least `topK` alternatives. */
  find(held: readonly Token[], following: Token | null, topK: number, reading: Reading): readonly Row[] | undefined {
    const same = (w: WindowRows) => w.topK >= topK && w.reading === reading && w.following === following && w.held.length === held.length && w.held.every((t, i) => t === held[i]);
    return this.windows.find(same)?.rows;
  }

  /** The windows of the analysis just finished replace those kept. */
  replace(windows: readonly WindowRows[]): void {
    this.windows = windows;
  }
}
