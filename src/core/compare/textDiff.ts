/**
 * A character-level diff of two texts, as runs of text they share: the common
 * prefix and suffix are cut off, the middle is diffed by lines (Myers), and each
 * block of changed lines again by characters (code points, so a surrogate pair
 * is never split). Each Myers run is bounded by a work budget; a block that
 * would cost more counts as changed as a whole (what a comparison then shows as
 * new is more than the minimum, never wrong). Offsets are UTF-16 code units.
 */

/** A stretch of text both sides have: old [oldStart, oldStart+length) = new [newStart, newStart+length). */
export interface EqualRun {
  readonly oldStart: number;
  readonly newStart: number;
  readonly length: number;
}

export interface TextDiff {
  /** The shared runs in order, adjacent runs merged; everything else is deleted (old) or inserted (new). */
  readonly equal: readonly EqualRun[];
}

/** Myers steps (diagonals explored × edit distance) one run may take before its block counts as changed. */
const WORK_BUDGET = 20_000_000;
/** Edit distance bound of one run: its trace is O(D²) memory. */
const MAX_EDITS = 2000;

/**
 * Myers' O((N+M)·D) diff of two sequences of lengths n and m under `eq(i, j)`:
 * the runs of matches in order, or undefined when more than `maxEdits`
 * insertions and deletions would be needed.
 */
export function myersEqualRuns(n: number, m: number, eq: (i: number, j: number) => boolean, maxEdits: number): EqualRun[] | undefined {
  const max = Math.min(n + m, maxEdits);
  const offset = max + 1;
  const v = new Int32Array(2 * max + 3);
  // trace[d]: the furthest x on each diagonal k in [-d, d] after round d (index k + d).
  const trace: Int32Array[] = [];
  for (let d = 0; d <= max; d++) {
    for (let k = -d; k <= d; k += 2) {
      let x = k === -d || (k !== d && v[offset + k - 1] < v[offset + k + 1]) ? v[offset + k + 1] : v[offset + k - 1] + 1;
      let y = x - k;
      while (x < n && y < m && eq(x, y)) {
        x++;
        y++;
      }
      v[offset + k] = x;
      if (x >= n && y >= m) {
        trace.push(v.slice(offset - d, offset + d + 1));
        return backtrack(trace, n, m, d);
      }
    }
    trace.push(v.slice(offset - d, offset + d + 1));
  }
  return undefined;
}

function backtrack(trace: readonly Int32Array[], n: number, m: number, edits: number): EqualRun[] {
  const runs: EqualRun[] = [];
  let x = n;
  let y = m;
  for (let d = edits; d > 0; d--) {
    const prev = trace[d - 1];
    const at = (k: number) => prev[k + d - 1];
    const k = x - y;
    const prevK = k === -d || (k !== d && at(k - 1) < at(k + 1)) ? k + 1 : k - 1;
    const prevX = at(prevK);
    // The snake of round d starts after the edit that left diagonal prevK.
    const snakeX = prevK === k + 1 ? prevX : prevX + 1;
    if (x > snakeX) runs.push({ oldStart: snakeX, newStart: snakeX - k, length: x - snakeX });
    x = prevX;
    y = prevX - prevK;
  }
  if (x > 0) runs.push({ oldStart: 0, newStart: 0, length: x });
  return runs.reverse();
}

/** The edits a run of sizes n and m may cost within the work budget. */
function editBound(n: number, m: number): number {
  return Math.min(MAX_EDITS, Math.floor(WORK_BUDGET / (n + m + 1)));
}

const isHigh = (c: number) => c >= 0xd800 && c <= 0xdbff;
const isLow = (c: number) => c >= 0xdc00 && c <= 0xdfff;

/** Lines with their terminators (\r\n, \n or \r), and where each starts. */
function lines(text: string, from: number, to: number): { text: string[]; start: number[] } {
  const out = { text: [] as string[], start: [] as number[] };
  let at = from;
  for (let i = from; i < to; i++) {
    const c = text.charCodeAt(i);
    if (c !== 10 && c !== 13) continue;
    if (c === 13 && i + 1 < to && text.charCodeAt(i + 1) === 10) i++;
    out.text.push(text.slice(at, i + 1));
    out.start.push(at);
    at = i + 1;
  }
  if (at < to) {
    out.text.push(text.slice(at, to));
    out.start.push(at);
  }
  out.start.push(to);
  return out;
}

/** Code points of text[from, to) and the UTF-16 offset of each (one more: the end). */
function codePoints(text: string, from: number, to: number): { cp: number[]; start: number[] } {
  const cp: number[] = [];
  const start: number[] = [];
  for (let i = from; i < to;) {
    const c = text.codePointAt(i)!;
    cp.push(c);
    start.push(i);
    i += c > 0xffff && i + 1 < to ? 2 : 1;
  }
  start.push(to);
  return { cp, start };
}

/** Common prefix and suffix of old[o0, o1) and new[n0, n1), never splitting a surrogate pair. */
function trim(a: string, o0: number, o1: number, b: string, n0: number, n1: number): { prefix: number; suffix: number } {
  let prefix = 0;
  const most = Math.min(o1 - o0, n1 - n0);
  while (prefix < most && a.charCodeAt(o0 + prefix) === b.charCodeAt(n0 + prefix)) prefix++;
  if (prefix > 0 && isHigh(a.charCodeAt(o0 + prefix - 1))) prefix--;
  let suffix = 0;
  while (suffix < most - prefix && a.charCodeAt(o1 - 1 - suffix) === b.charCodeAt(n1 - 1 - suffix)) suffix++;
  if (suffix > 0 && isLow(a.charCodeAt(o1 - suffix))) suffix--;
  return { prefix, suffix };
}

class RunList {
  readonly runs: EqualRun[] = [];
  add(oldStart: number, newStart: number, length: number): void {
    if (length <= 0) return;
    const last = this.runs.at(-1);
    if (last && last.oldStart + last.length === oldStart && last.newStart + last.length === newStart) {
      this.runs[this.runs.length - 1] = { ...last, length: last.length + length };
    } else {
      this.runs.push({ oldStart, newStart, length });
    }
  }
}

/** Diff old[o0, o1) against new[n0, n1) by code points (after trimming), adding runs to `out`. */
function diffChars(a: string, o0: number, o1: number, b: string, n0: number, n1: number, out: RunList): void {
  const { prefix, suffix } = trim(a, o0, o1, b, n0, n1);
  out.add(o0, n0, prefix);
  const ca = codePoints(a, o0 + prefix, o1 - suffix);
  const cb = codePoints(b, n0 + prefix, n1 - suffix);
  const runs = ca.cp.length > 0 && cb.cp.length > 0
    ? myersEqualRuns(ca.cp.length, cb.cp.length, (i, j) => ca.cp[i] === cb.cp[j], editBound(ca.cp.length, cb.cp.length)) ?? []
    : [];
  for (const r of runs) {
    const oldStart = ca.start[r.oldStart];
    out.add(oldStart, cb.start[r.newStart], ca.start[r.oldStart + r.length] - oldStart);
  }
  out.add(o1 - suffix, n1 - suffix, suffix);
}

/** The runs of text `oldText` and `newText` share (see the module comment for how they are found). */
export function diffText(oldText: string, newText: string): TextDiff {
  const out = new RunList();
  const { prefix, suffix } = trim(oldText, 0, oldText.length, newText, 0, newText.length);
  out.add(0, 0, prefix);
  const o1 = oldText.length - suffix;
  const n1 = newText.length - suffix;
  const la = lines(oldText, prefix, o1);
  const lb = lines(newText, prefix, n1);
  const lineRuns = myersEqualRuns(la.text.length, lb.text.length, (i, j) => la.text[i] === lb.text[j], editBound(la.text.length, lb.text.length))
    ?? [];
  // Between shared lines: the changed blocks, diffed by characters.
  let i = 0;
  let j = 0;
  for (const r of [...lineRuns, { oldStart: la.text.length, newStart: lb.text.length, length: 0 }]) {
    diffChars(oldText, la.start[i], la.start[r.oldStart], newText, lb.start[j], lb.start[r.newStart], out);
    out.add(la.start[r.oldStart], lb.start[r.newStart], la.start[r.oldStart + r.length] - la.start[r.oldStart]);
    i = r.oldStart + r.length;
    j = r.newStart + r.length;
  }
  out.add(o1, n1, suffix);
  return { equal: out.runs };
}

/**
 * Where new-text span [start, end) lies in the old text, when it lies wholly
 * inside one shared run; undefined when any of it is inserted or changed. An
 * empty span (a byte piece of a character split into several tokens) stands for
 * the character at `start`: it maps when that character is shared.
 */
export function mapSpan(diff: TextDiff, newText: string, start: number, end: number): { start: number; end: number } | undefined {
  let to = end;
  if (start === end) {
    if (start >= newText.length) return undefined;
    to = start + (isHigh(newText.charCodeAt(start)) && isLow(newText.charCodeAt(start + 1)) ? 2 : 1);
  }
  // The last run starting at or before `start`.
  const runs = diff.equal;
  let lo = 0;
  let hi = runs.length - 1;
  let found = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (runs[mid].newStart <= start) {
      found = mid;
      lo = mid + 1;
    } else {
      hi = mid - 1;
    }
  }
  if (found < 0) return undefined;
  const run = runs[found];
  if (to > run.newStart + run.length) return undefined;
  const shift = run.oldStart - run.newStart;
  return { start: start + shift, end: end + shift };
}
