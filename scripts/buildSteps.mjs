// The build chain, stated once: every step the build, the tests, the demo and
// packaging run, by name. scripts/build.mjs runs named steps (the package.json
// scripts call it), scripts/test.mjs and scripts/demo.mjs import them, and .ci/run
// calls the npm scripts. A step is a title and shell commands run in order from
// the repository root.
import { execSync, spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

export const STEPS = {
  dependencies: { title: 'dependencies', commands: ['node scripts/ensureInstalled.mjs'] },
  bundle: { title: 'bundle (esbuild)', commands: ['node esbuild.mjs'] },
  bundleProduction: { title: 'bundle, minified (esbuild --production)', commands: ['node esbuild.mjs --production'] },
  // Optional: without the addon ICL Lens takes the exact probability-map route, so a failed build only warns.
  native: { title: 'native addon', commands: ['node scripts/buildNative.mjs'] },
  nativeRequired: { title: 'native addon (required)', commands: ['node scripts/buildNative.mjs --require'] },
  // test/tsconfig.json also compiles bench/, scripts/ and tools/ (out/scripts/makeModel.js).
  compileNodeTests: { title: 'compile unit tests, benchmarks and tools', commands: ['npx tsc -p test/tsconfig.json'] },
  compileVscodeTests: { title: 'compile VS Code tests', commands: ['npx tsc -p test/integration/tsconfig.json', 'npx tsc -p test/e2e/tsconfig.json'] },
  vsix: { title: 'package the VSIX', commands: ['node scripts/package.mjs'] },
  vscodeSetup: { title: 'code-server and Chromium (the VS Code tests and the demo)', commands: ['bash scripts/vscode/setup.sh'] },
  unitTests: { title: 'unit tests', commands: ['node --test --test-reporter=spec out/test/unit/'] },
  integrationTests: { title: 'integration tests in VS Code', commands: ['node out/test/integration/runIntegration.js'] },
  uiTour: { title: 'UI tour on the packaged VSIX (screenshots in test-results/)', commands: ['node --test --test-reporter=spec out/test/e2e/'] },
};

/**
 * Run the named steps in order, each with its title, commands and time; a failing
 * command throws. `quiet`: one line per step, and a command's output only when it
 * fails (the demo's console stays short: what it does, then the URL).
 */
export function runSteps(names, { quiet = false } = {}) {
  const unknown = names.filter((name) => !Object.hasOwn(STEPS, name));
  if (unknown.length > 0) throw new Error(`unknown build step ${unknown.join(', ')}; steps: ${Object.keys(STEPS).join(', ')}`);
  for (const name of names) {
    const { title, commands } = STEPS[name];
    const started = Date.now();
    if (quiet) process.stdout.write(`- ${title}… `);
    else console.log(`\n=== ${title}`);
    for (const cmd of commands) {
      if (!quiet) {
        console.log(`$ ${cmd}`);
        execSync(cmd, { cwd: ROOT, stdio: 'inherit' });
        continue;
      }
      const r = spawnSync(cmd, { cwd: ROOT, shell: true, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
      if (r.status !== 0) {
        console.log('failed.');
        process.stdout.write(`$ ${cmd}\n${r.stdout ?? ''}`);
        process.stderr.write(r.stderr ?? '');
        throw new Error(`${title} failed: ${cmd} exited with ${r.status ?? r.signal ?? r.error?.message}`);
      }
    }
    const seconds = ((Date.now() - started) / 1000).toFixed(0);
    console.log(quiet ? `${seconds} s` : `=== ${title}: ${seconds} s`);
  }
}
