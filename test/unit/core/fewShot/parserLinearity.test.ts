/**
 * The few-shot parser runs on every edit of a prompt file, so its cost must
 * grow linearly with the document. Measured as a ratio, not a wall-clock bound:
 * one parse of a document 16× as large against 16 parses of the small one.
 * Linear, that is about 1; quadratic, about 16. CPU time rather than wall time,
 * so other processes on a busy machine do not count.
 */
import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { MAX_DIAGNOSTICS, parseFewShot } from '../../../../src/core/fewShot/fewShotParser';

const SPREAD = 16;
/**
 * Linear measures 0.9–1.6 (small inputs are a little cheaper per byte: cache);
 * the quadratic parser this replaced measured 11–15, and 4.3 where its extra
 * pass was a fast `indexOf` to the end of the text.
 */
const MAX_RATIO = 3;
const RUNS = 5;

// A full collection before each timed run, so one run does not pay for the garbage of the one before.
setFlagsFromString('--expose-gc');
const collectGarbage = runInNewContext('gc') as () => void;

/** CPU milliseconds to parse `text` `times` times. */
function cpuTime(text: string, times: number): number {
  collectGarbage();
  const t0 = process.cpuUsage();
  for (let i = 0; i < times; i++) parseFewShot(text);
  const t = process.cpuUsage(t0);
  return (t.user + t.system) / 1000;
}

/**
 * The cost of one parse of `build(SPREAD·n)` over `SPREAD` parses of
 * `build(n)`: the fastest of a few interleaved runs of each (interference only
 * adds time, so the minimum is the truest cost), after a warm-up of both.
 */
function growth(build: (n: number) => string, n: number): { ratio: number; small: number; large: number } {
  const smallText = build(n);
  const largeText = build(SPREAD * n);
  // Warm-up: let the JIT compile the parser's paths at both sizes before timing.
  for (let i = 0; i < 3; i++) parseFewShot(smallText);
  parseFewShot(largeText);
  let small = Infinity;
  let large = Infinity;
  for (let i = 0; i < RUNS; i++) {
    small = Math.min(small, cpuTime(smallText, SPREAD));
    large = Math.min(large, cpuTime(largeText, 1));
  }
  return { ratio: large / Math.max(small, 0.01), small, large };
}

const repeat = (n: number, line: (i: number) => string) => Array.from({ length: n }, (_, i) => line(i)).join('');

/** Name, the document of n units, and n (the large document has 16n). */
const CASES: Array<[string, (n: number) => string, number]> = [
  ['40,000 Q:/A: pairs (1.3 MB)', (n) => `${repeat(n, (i) => `Q: question ${i}?\nA: answer ${i}\n`)}Q: last?\nA:`, 2_500],
  ['40,000 Q: lines without answers', (n) => `${repeat(n, (i) => `Q: question ${i}?\n`)}A:`, 2_500],
  ['a file of 20,000 --- lines', (n) => '---\n'.repeat(n), 1_250],
  ['20,000 repeated front-matter blocks', (n) => '---\ninput: "Q:"\noutput: "A:"\n---\nQ: a\nA: b\n'.repeat(n), 1_250],
  ['40,000 alternating labels', (n) => `${repeat(n, (i) => `Review: r${i}\nSentiment: s${i % 2}\n`)}Review: x\nSentiment:`, 2_500],
  ['40,000 x -> y lines', (n) => repeat(n, (i) => `in ${i} -> out ${i}\n`), 2_500],
  ['40,000 blank-line blocks', (n) => repeat(n, (i) => `in ${i}\nout ${i}\n\n`), 2_500],
  ['a declared separator whose output marker is only in the query', (n) => `---\nseparator: "###"\noutput: "A:"\n---\n${repeat(n, (i) => `Q${i}\n###\n`)}A:`, 2_500],
];

describe('few-shot parser cost', () => {
  for (const [name, build, n] of CASES) {
    it(`grows linearly: ${name}`, (t) => {
      const { ratio, small, large } = growth(build, n);
      const measured = `${SPREAD} small parses ${small.toFixed(1)} ms, one ${SPREAD}× as large ${large.toFixed(1)} ms: ${ratio.toFixed(2)}×`;
      t.diagnostic(measured);
      assert.ok(ratio < MAX_RATIO, `not linear: ${measured} (linear is about 1×)`);
    });
  }
});

describe('few-shot parser diagnostics', () => {
  it('lists the first output-less examples of a 20,000-line --- file and sums up the rest', () => {
    const r = parseFewShot('---\n'.repeat(20_000));
    assert.ok(r.diagnostics.length <= MAX_DIAGNOSTICS + 1, `${r.diagnostics.length} diagnostics`);
    assert.match(r.diagnostics[r.diagnostics.length - 1].message, /^\d+ more examples without an output are left out/);
  });

  it('caps the warnings of 100,000 Q: lines without answers', () => {
    const r = parseFewShot(`${'Q: why?\n'.repeat(100_000)}A:`);
    assert.equal(r.diagnostics.length, MAX_DIAGNOSTICS + 1);
    assert.match(r.diagnostics[MAX_DIAGNOSTICS].message, /^99899 more examples/);
    assert.equal(r.structure?.examples.length, 0);
  });

  it('keeps every warning when there are few', () => {
    const r = parseFewShot('Q: a\nQ: b\nA: 1\nQ: c\nQ: d\nA: 2\nQ: e\nA:');
    assert.deepEqual(r.diagnostics.map((d) => d.message), ['Example 1 has no output; it is left out.', 'Example 3 has no output; it is left out.']);
  });
});
