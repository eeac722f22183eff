// The main job: `npm run demo`. Installs what is missing, builds, writes a small
// generated model (no download) and shows the CLI heatmap of a demo prompt.
import { execFileSync, execSync } from 'node:child_process';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const run = (cmd) => execSync(cmd, { cwd: root, stdio: 'inherit' });

run('node scripts/ensureInstalled.mjs');
run('node esbuild.mjs');
run('node scripts/buildNative.mjs');
run('npx tsc -p test/tsconfig.json');
const model = path.join(root, '.cache', 'models', 'icl-lens-tiny-random.gguf');
run(`node out/scripts/makeModel.js tiny "${model}"`);
const prompt = path.join(root, 'demo', 'sentiment.prompt');
console.log(`\n$ icl-lens heatmap demo/sentiment.prompt --model ${path.relative(root, model)}\n`);
execFileSync(process.execPath, [path.join(root, 'bin', 'icl-lens.js'), 'heatmap', prompt, '--model', model, '--color'], { stdio: 'inherit' });
console.log('\nThis model has random weights (the project has not shipped its trained model yet): the colours show the machinery, not meaning.');
console.log(`Try your own: npx icl-lens heatmap <file> --model <model.gguf|hf:user/repo:Q8_0> [--json]`);
