// `node scripts/build.mjs [step…]`: runs build steps by name (scripts/buildSteps.mjs),
// by default the development build (bundle, then the optional native addon).
// The package.json scripts are spelled with it.
import { runSteps } from './buildSteps.mjs';

const names = process.argv.slice(2);
try {
  runSteps(names.length > 0 ? names : ['bundle', 'native']);
} catch (err) {
  // execSync has already shown the failing command's output; say only which step it was.
  console.error(`build: ${err.message.split('\n')[0]}`);
  process.exit(1);
}
