// `npm test`: builds, runs the unit tests (plain Node), sets up a real VS Code
// (code-server + Chromium, or a downloaded VS Code where possible), packages the
// VSIX and runs the integration suite and the UI tour on it. `npm test -- --unit`
// runs the unit tests only. The steps are scripts/buildSteps.mjs's.
import { runSteps } from './buildSteps.mjs';

const unitOnly = process.argv.includes('--unit');
try {
  runSteps(['dependencies', 'bundle', 'native', 'compileNodeTests', 'compileVscodeTests', 'unitTests']);
  if (!unitOnly) runSteps(['vscodeSetup', 'bundleProduction', 'vsix', 'integrationTests', 'uiTour']);
} catch (err) {
  console.error(`test: ${err.message.split('\n')[0]}`);
  process.exit(1);
}
