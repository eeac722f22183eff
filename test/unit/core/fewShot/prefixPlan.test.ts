/** The prefix-sharing plan, checked by simulating the KV cache it drives. */
import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { mulberry32 } from '../../../../src/core/seededRandom';
import { minimumEvaluations, planPrefixSharing, type PlanSequence } from '../../../../src/core/fewShot/prefixPlan';
import { commonPrefixLength } from '../../../../src/core/sequenceDiff';

/** Runs the plan on a simulated cache and checks every wanted row is read from an evaluation of the same prefix. */
function simulate(held: number[], seqs: PlanSequence[]): number {
  const plan = planPrefixSharing(held, seqs);
  let cache = held.slice();
  /** For each step, the prefix its evaluated positions saw. */
  const evaluated = plan.steps.map((step) => {
    const tokens = seqs[step.seq].tokens;
    assert.ok(step.keep <= commonPrefixLength(cache, tokens), 'a step keeps only what the cache shares with its sequence');
    cache = tokens.slice(0, step.end);
    return { tokens: tokens.slice(0, step.end), from: step.keep };
  });
  let count = 0;
  seqs.forEach((s, j) => {
    const first = Math.max(0, s.scoreFrom - 1);
    for (let r = first; r <= s.tokens.length - 2; r++) {
      const step = plan.sources[j][r - first];
      assert.ok(step >= 0, `sequence ${j} row ${r} has a source`);
      const e = evaluated[step];
      assert.ok(r >= e.from && r < e.tokens.length, 'the source step evaluated that position');
      assert.deepEqual(e.tokens.slice(0, r + 1), s.tokens.slice(0, r + 1), 'over the same prefix');
      const row = plan.steps[step].rows.get(r)!;
      if (r + 1 >= s.scoreFrom) assert.ok(row.candidates.includes(s.tokens[r + 1]), 'the next token was asked for');
      if (r === s.scoreFrom - 1 && s.stats) assert.ok(row.stats);
      count++;
    }
  });
  assert.equal(plan.tokensEvaluated, plan.steps.reduce((n, st) => n + st.end - st.keep, 0));
  assert.deepEqual(plan.held, cache);
  return count;
}

function randomBatch(seed: number): PlanSequence[] {
  const rand = mulberry32(seed);
  const pick = (n: number) => Math.floor(rand() * n);
  const trunk = Array.from({ length: 3 + pick(10) }, () => pick(5));
  return Array.from({ length: 1 + pick(8) }, () => {
    const base = trunk.slice(0, pick(trunk.length + 1));
    const tokens = [...base, ...Array.from({ length: 1 + pick(6) }, () => pick(4))];
    return { tokens, scoreFrom: 1 + pick(tokens.length - 1 || 1), stats: rand() < 0.5 };
  });
}

describe('prefix-sharing plan', () => {
  it('reads every wanted row from an evaluation of the same prefix (200 random batches)', () => {
    for (let seed = 1; seed <= 200; seed++) simulate([], randomBatch(seed));
  });

  it('evaluates exactly the distinct prefixes from an empty cache', () => {
    for (let seed = 1; seed <= 200; seed++) {
      const seqs = randomBatch(seed);
      assert.equal(planPrefixSharing([], seqs).tokensEvaluated, minimumEvaluations(seqs), `seed ${seed}`);
    }
  });

  it('continues from a held cache but re-evaluates held positions whose rows are needed', () => {
    for (let seed = 1; seed <= 200; seed++) {
      const seqs = randomBatch(seed);
      const held = seqs[0].tokens.slice(0, -1);
      simulate(held, seqs);
      // Held tokens that no row is wanted from are reused: at most the minimum is evaluated.
      assert.ok(planPrefixSharing(held, seqs).tokensEvaluated <= minimumEvaluations(seqs));
    }
  });

  it('shares the query across target and candidates: a sweep costs the trunk plus each k once', () => {
    // header 2 tokens, 3 examples of 3 tokens, query 2 tokens, continuations of 2 tokens.
    const header = [1, 2];
    const ex = [[10, 11, 12], [20, 21, 22], [30, 31, 32]];
    const query = [40, 41];
    const conts = [[50, 51], [60, 61], [70, 71]];
    const seqs: PlanSequence[] = [];
    for (let k = 0; k <= 3; k++) {
      const prefix = [...header, ...ex.slice(0, k).flat(), ...query];
      for (const c of conts) seqs.push({ tokens: [...prefix, ...c], scoreFrom: prefix.length, stats: true });
    }
    const plan = planPrefixSharing([], seqs);
    simulate([], seqs);
    // Trunk: header + examples (11 tokens); each k: the query (2) plus the first token of each continuation (3).
    assert.equal(plan.tokensEvaluated, 11 + 4 * (2 + 3));
  });
});
