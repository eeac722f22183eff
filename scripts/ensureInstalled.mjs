// Installs the npm dependencies when they are missing or older than the lock
// file, so `npm run demo` and `npm test` work on a fresh clone. Plain Node, no
// dependencies of its own.
import { execSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const marker = path.join(root, 'node_modules', '.package-lock.json');
const lock = path.join(root, 'package-lock.json');
if (!fs.existsSync(marker) || fs.statSync(marker).mtimeMs < fs.statSync(lock).mtimeMs) {
  // npm install, not npm ci: the registry here lacks node-llama-cpp's foreign-platform
  // optional packages, which the lock file cannot list, and npm ci refuses that.
  console.log('Installing npm dependencies…');
  execSync('npm install --no-audit --no-fund', { cwd: root, stdio: 'inherit' });
}
