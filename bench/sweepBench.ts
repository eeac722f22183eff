/**
 * Few-shot sweep benchmark: `npm run bench:sweep`.
 *
 * On the random-weight benchmark model (135M parameters, 49,152-token
 * vocabulary, Q8_0, 2 threads) and a sentiment prompt with K examples, measures
 * the k = 0..K sweep (target, two label candidates, format mass, entropy and
 * prequential bits) with the prefix-sharing plan, against scoring every request
 * from an empty cache (no reuse). Prints the tokens evaluated, the theoretical
 * minimum, the reuse ratio and the times, and writes bench/results/sweep.json.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { ScoreBatch } from '../src/core/fewShot/continuationScorer';
import { parseFewShot } from '../src/core/fewShot/fewShotParser';
import { runSweep } from '../src/core/fewShot/sweep';
import { silentLogger } from '../src/core/logger';
import { RuntimeClient } from '../src/model/runtimeClient';
import { ensurePresetModel } from '../tools/modelFiles';

const ROOT = path.resolve(__dirname, '..', '..');
const K = Number(process.env.BENCH_K ?? 8);

function prompt(k: number): string {
  const subjects = ['the movie', 'this book', 'the service', 'our trip', 'the food', 'that song', 'the update', 'his answer', 'the hotel', 'her talk'];
  const verdicts = ['was great and I would go again', 'felt slow and far too long', 'made me happy all week', 'was a waste of time and money'];
  let text = 'Classify the sentiment of each review as positive or negative.\n\n';
  for (let i = 0; i < k; i++) text += `Input: ${subjects[i % subjects.length]} ${verdicts[i % verdicts.length]}.\nOutput: ${i % 4 === 1 || i % 4 === 3 ? 'negative' : 'positive'}\n\n`;
  return `${text}Input: the ending was clever and kind.\nOutput: positive`;
}

async function main(): Promise<void> {
  const model = ensurePresetModel('bench', path.join(os.tmpdir(), 'icl-lens-bench-models', 'bench.gguf'));
  const client = new RuntimeClient({ workerPath: path.join(ROOT, 'dist', 'worker.js'), logger: silentLogger });
  client.setModel({ source: model, downloadDir: os.tmpdir(), threads: 2, gpu: 'cpu', maxContextSize: 4096, scorer: 'auto' });
  try {
    await client.ensureLoaded();
    const text = prompt(K);
    const s = parseFewShot(text).structure!;
    const batches: ScoreBatch[] = [];
    const t0 = performance.now();
    const result = await runSweep(text, s, async (b) => { batches.push(b); return client.scoreContinuations(b); }, { leaveOneOut: false });
    const sweepMs = performance.now() - t0;
    // Without reuse: every request from an empty cache (an unrelated one-token analysis clears it).
    let naiveTokens = 0;
    let naiveMs = 0;
    for (const b of batches) {
      // One request per continuation, each with its group's boundary (the others join it unscored).
      const requests = b.groups.flatMap((g) => g.continuations.map((c, i) => ({ context: g.context, continuations: [c], boundaryAlso: [...g.continuations, ...(g.boundaryAlso ?? [])], stats: g.stats && i === 0 })));
      for (const request of requests) {
        await client.analyze({ text: '\u00a7', topK: 1 });
        const t = performance.now();
        const r = await client.scoreContinuations({ groups: [request], ...(b.tokenClass ? { tokenClass: b.tokenClass } : {}) });
        naiveMs += performance.now() - t;
        naiveTokens += r.tokensEvaluated;
      }
    }
    const figures = {
      model: 'icl-lens-bench-135m-random (49,152 vocabulary, Q8_0), 2 threads',
      K,
      requests: batches.reduce((n, b) => n + b.groups.reduce((m, g) => m + g.continuations.length, 0), 0),
      tokensEvaluated: result.tokensEvaluated,
      tokensMinimum: result.tokensMinimum,
      reuseRatio: result.tokensEvaluated / result.tokensMinimum,
      sweepMs: Math.round(sweepMs),
      naiveTokens,
      naiveMs: Math.round(naiveMs),
      speedup: naiveMs / sweepMs,
    };
    process.stdout.write(`few-shot sweep, K=${K}, ${figures.requests} requests on ${figures.model}\n`);
    process.stdout.write(`  with the prefix-sharing plan: ${figures.tokensEvaluated} tokens (minimum ${figures.tokensMinimum}, ratio ${figures.reuseRatio.toFixed(3)}), ${figures.sweepMs} ms\n`);
    process.stdout.write(`  every request from an empty cache: ${figures.naiveTokens} tokens, ${figures.naiveMs} ms (${figures.speedup.toFixed(1)}× slower)\n`);
    fs.mkdirSync(path.join(ROOT, 'bench', 'results'), { recursive: true });
    fs.writeFileSync(path.join(ROOT, 'bench', 'results', 'sweep.json'), `${JSON.stringify(figures, null, 2)}\n`);
  } finally {
    await client.dispose();
  }
}

main().catch((err) => {
  process.stderr.write(`${(err as Error).stack ?? err}\n`);
  process.exit(1);
});
