// Builds every bundle: the extension host (node/cjs), the model runtime worker,
// the CLI, the integration tests' seam and the webview (browser/iife). `--watch` rebuilds on change,
// `--production` minifies and drops source maps. Type-checking is `npm run typecheck`.
import * as esbuild from 'esbuild';

const watch = process.argv.includes('--watch');
const production = process.argv.includes('--production');

const common = {
  bundle: true,
  minify: production,
  sourcemap: production ? false : 'linked',
  logLevel: 'warning',
};

const node = {
  ...common,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  // node-llama-cpp is ESM with native binaries: the worker loads it with a real import() at run time.
  external: ['vscode', 'node-llama-cpp'],
};

const targets = [
  { ...node, entryPoints: ['src/extension.ts'], outfile: 'dist/extension.js' },
  { ...node, entryPoints: ['src/model/worker/workerMain.ts'], outfile: 'dist/worker.js' },
  { ...node, entryPoints: ['src/cli/main.ts'], outfile: 'dist/cli.js' },
  // The integration tests' seam: loaded only where it exists; .vscodeignore keeps it out of the VSIX.
  { ...node, entryPoints: ['test/integration/seam/testSeam.ts'], outfile: 'dist/testSeam.js' },
  { ...common, platform: 'browser', format: 'iife', target: 'es2022', entryPoints: ['webview/main.ts'], outfile: 'dist/webview/main.js' },
  // The continuation view: its own small bundle (no chart.js, no toolkit).
  { ...common, platform: 'browser', format: 'iife', target: 'es2022', entryPoints: ['webview/branchView.ts'], outfile: 'dist/webview/branchView.js' },
];

const contexts = await Promise.all(targets.map((t) => esbuild.context(t)));
if (watch) {
  await Promise.all(contexts.map((c) => c.watch()));
} else {
  await Promise.all(contexts.map((c) => c.rebuild()));
  await Promise.all(contexts.map((c) => c.dispose()));
}
