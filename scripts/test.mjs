// `npm test`: builds, runs the unit tests (plain Node), sets up a real VS Code
// (code-server + Chromium, or a downloaded VS Code where possible), packages the
// VSIX and runs the integration suite and the UI tour on it. `npm test -- --unit`
// runs the unit tests only.
import { execSync } from 'node:child_process';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const unitOnly = process.argv.includes('--unit');
const step = (title, cmd) => {
  console.log(`\n=== ${title}\n$ ${cmd}`);
  const started = Date.now();
  execSync(cmd, { cwd: root, stdio: 'inherit' });
  console.log(`=== ${title}: ${((Date.now() - started) / 1000).toFixed(0)} s`);
};

step('dependencies', 'node scripts/ensureInstalled.mjs');
step('build', 'node esbuild.mjs && node scripts/buildNative.mjs');
step('compile tests', 'npx tsc -p test/tsconfig.json && npx tsc -p test/integration/tsconfig.json && npx tsc -p test/e2e/tsconfig.json');
step('unit tests', 'node --test --test-reporter=spec out/test/unit/');
if (!unitOnly) {
  step('VS Code for tests', 'bash scripts/vscode/setup.sh');
  step('package the VSIX', 'node esbuild.mjs --production && node scripts/package.mjs');
  step('integration tests in VS Code', 'node out/test/integration/runIntegration.js');
  step('UI tour on the packaged VSIX (screenshots in test-results/)', 'node --test --test-reporter=spec out/test/e2e/');
}
