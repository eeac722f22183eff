/** The wind tunnel's closed forms against brute force: integration, enumeration of hypotheses and of permutations. */
import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { bijectionPredictive, coinPredictive, FORMAT_ALPHA, FORMAT_LANGUAGE, formatPredictive, generateSequence, labelsPredictive, WIND_TUNNEL_TASKS } from '../../../../src/core/windTunnel/tasks';
import { compareSlot, entropyBits, klBits, restrict, summarizeComparisons } from '../../../../src/core/windTunnel/windTunnelMetrics';

/** P(next = H | h heads in n) under p ~ U(0,1), by Simpson integration of the likelihood. */
function coinByIntegration(h: number, n: number): number {
  const steps = 20000;
  let num = 0;
  let den = 0;
  for (let i = 0; i <= steps; i++) {
    const p = i / steps;
    const w = i === 0 || i === steps ? 1 : i % 2 ? 4 : 2;
    const like = p ** h * (1 - p) ** (n - h);
    num += w * p * like;
    den += w * like;
  }
  return num / den;
}

/** Next shown label's predictive by enumerating the hidden label and multiplying per observation. */
function labelsByEnumeration(shown: string, alpha: number): number {
  let pA = 0;
  let total = 0;
  for (const hidden of ['A', 'B']) {
    let like = 0.5;
    for (const o of shown) like *= o === hidden ? alpha : 1 - alpha;
    total += like;
    pA += like * (hidden === 'A' ? alpha : 1 - alpha);
  }
  return pA / total;
}

function permutations<T>(xs: T[]): T[][] {
  if (xs.length <= 1) return [xs];
  return xs.flatMap((x, i) => permutations([...xs.slice(0, i), ...xs.slice(i + 1)]).map((rest) => [x, ...rest]));
}

describe('coin flips', () => {
  it('Laplace\'s rule equals the integrated Beta posterior', () => {
    for (let n = 0; n <= 12; n++) {
      for (let h = 0; h <= n; h++) assert.ok(Math.abs(coinPredictive(h, n) - coinByIntegration(h, n)) < 1e-6, `h=${h} n=${n}`);
    }
  });
});

describe('noisy labels', () => {
  it('the closed form equals enumeration of the hidden label', () => {
    for (const alpha of [0.6, 0.8, 0.95]) {
      for (const shown of ['', 'A', 'B', 'AAB', 'BBBA', 'ABABABAB', 'AAAAAAAAAAAAAAAA']) {
        const a = [...shown].filter((c) => c === 'A').length;
        assert.ok(Math.abs(labelsPredictive(a, shown.length - a, alpha) - labelsByEnumeration(shown, alpha)) < 1e-12, `${shown} α=${alpha}`);
      }
    }
  });
  it('stays finite for very long sequences', () => {
    const q = labelsPredictive(5000, 0, 0.9);
    assert.ok(Math.abs(q - 0.9) < 1e-12);
  });
});

describe('bijection elimination', () => {
  it('is uniform over unused values, as enumerating consistent bijections gives', () => {
    const values = ['0', '1', '2', '3', '4'];
    const all = permutations(values);
    // Keys are positions 0..4; reveal keys in the order 3, 0, 4, 1, 2 of a fixed bijection.
    const truth = ['2', '4', '0', '1', '3'];
    const order = [3, 0, 4, 1, 2];
    const used = new Set<string>();
    const shown = new Map<number, string>();
    for (const k of order) {
      const consistent = all.filter((perm) => [...shown].every(([key, v]) => perm[key] === v));
      const counts = values.map((v) => consistent.filter((perm) => perm[k] === v).length / consistent.length);
      assert.deepEqual(bijectionPredictive(values, used).map((x) => x.toFixed(12)), counts.map((x) => x.toFixed(12)));
      shown.set(k, truth[k]);
      used.add(truth[k]);
    }
  });
});

describe('answer formats', () => {
  it('the closed form equals enumeration of the hidden format', () => {
    for (const alpha of [0.6, FORMAT_ALPHA, 0.99]) {
      for (const seen of ['', 'D', 'E', 'DDE', 'EEED', 'DEDEDEDE', 'DDDDDDDDDDDD']) {
        const d = [...seen].filter((c) => c === 'D').length;
        assert.ok(Math.abs(formatPredictive(d, seen.length - d, alpha) - labelsByEnumeration(seen.replace(/D/g, 'A').replace(/E/g, 'B'), alpha)) < 1e-12, `${seen} α=${alpha}`);
      }
    }
  });

  it('reads its text: each slot follows a question, its analytic counts the answers above it, and answers copy the question', () => {
    const question = new RegExp(`^q: (${FORMAT_LANGUAGE.players.join('|')}) (${FORMAT_LANGUAGE.stats.join('|')}) (${[...FORMAT_LANGUAGE.years, ...FORMAT_LANGUAGE.venues].join('|')})$`);
    let dslSeen = 0;
    let englishSeen = 0;
    for (let seed = 0; seed < 200; seed++) {
      const seq = generateSequence('format', seed, { length: 5 });
      assert.ok(seq.text.startsWith(FORMAT_LANGUAGE.header));
      const lines = seq.text.slice(FORMAT_LANGUAGE.header.length).split('\n').slice(0, -1);
      assert.equal(lines.length, 10);
      for (const [t, slot] of seq.slots.entries()) {
        const [, player, stat, value] = question.exec(lines[2 * t])!;
        const answer = lines[2 * t + 1];
        assert.equal(seq.text.slice(0, slot.offset).split('\n').length - 1, 1 + 2 * t + 1, 'the slot is on its answer line');
        const isYear = /^\d+$/.test(value);
        const dsl = `a: SUM(${stat}) WHERE player=${player} AND ${isYear ? 'year' : 'venue'}=${value}`;
        const english = `a: total ${stat} by ${player} ${isYear ? 'in' : 'at'} ${value}`;
        assert.ok(answer === dsl || answer === english, answer);
        const above = lines.filter((l, i) => i % 2 === 1 && i < 2 * t + 1);
        const d = above.filter((l) => l.startsWith('a: SUM(')).length;
        assert.deepEqual(slot.symbols, ['S', 't']);
        assert.ok(Math.abs(slot.analytic[0] - labelsByEnumeration('A'.repeat(d) + 'B'.repeat(above.length - d), FORMAT_ALPHA)) < 1e-12);
        if (answer === dsl) dslSeen++;
        else englishSeen++;
      }
    }
    assert.ok(dslSeen > 300 && englishSeen > 300, `both formats appear: ${dslSeen} / ${englishSeen}`);
  });
});

describe('generated sequences', () => {
  for (const task of WIND_TUNNEL_TASKS) {
    it(`${task}: deterministic, with slots that match the text`, () => {
      const a = generateSequence(task, 11);
      assert.deepEqual(generateSequence(task, 11), a);
      assert.notDeepEqual(generateSequence(task, 12).text, a.text);
      for (const slot of a.slots) {
        const written = slot.symbols.find((s) => a.text.startsWith(s, slot.offset));
        assert.ok(written, `a symbol is written at slot ${slot.t}`);
        assert.ok(Math.abs(slot.analytic.reduce((x, y) => x + y, 0) - 1) < 1e-12);
        if (task === 'coin') {
          const before = a.text.slice(0, slot.offset);
          const h = (before.match(/ H/g) ?? []).length;
          assert.equal(slot.analytic[0], coinPredictive(h, slot.t));
        }
      }
    });
  }
  it('bijection slots lose one value each, and the header says how many there are', () => {
    const seq = generateSequence('bijection', 3, { size: 5 });
    assert.match(seq.text, /^map 5: [a-e]=[0-4] /);
    seq.slots.forEach((s, t) => assert.ok(Math.abs(entropyBits(s.analytic) - Math.log2(5 - t)) < 1e-12));
  });
});

describe('metrics', () => {
  it('KL, entropy and restriction', () => {
    assert.equal(klBits([0.5, 0.5], [0.5, 0.5]), 0);
    assert.ok(Math.abs(klBits([1, 0], [0.5, 0.5]) - 1) < 1e-12);
    assert.equal(klBits([0.5, 0.5], [1, 0]), Infinity);
    assert.equal(entropyBits([0.25, 0.25, 0.25, 0.25]), 2);
    const r = restrict([0.3, 0.1]);
    assert.deepEqual(r.p.map((x) => x.toFixed(6)), ['0.750000', '0.250000']);
    assert.ok(Math.abs(r.outsideMass - 0.6) < 1e-12);
    assert.throws(() => restrict([0, 0]), /no probability/);
  });
  it('summarises per position and overall', () => {
    const s = summarizeComparisons([[compareSlot(0, [0.5, 0.5], [0.5, 0.5]), compareSlot(1, [1, 0], [0.25, 0.25])], [compareSlot(0, [0.5, 0.5], [0.4, 0.4])]]);
    assert.equal(s.positions.length, 2);
    assert.equal(s.positions[0].kl, 0);
    assert.ok(Math.abs(s.positions[1].kl - 1) < 1e-12);
    assert.ok(Math.abs(s.meanKl - 1 / 3) < 1e-12);
    assert.ok(Math.abs(s.positions[0].outsideMass - 0.1) < 1e-12);
  });
});
