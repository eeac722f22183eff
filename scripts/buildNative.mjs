// Builds the optional native row-statistics addon (native/rowStats.cc) into
// dist/native/rowStats-<platform>-<arch>.node, against the llama.cpp headers of
// the pinned node-llama-cpp (extracted from the git bundle it ships) and
// node-addon-api. Nothing is downloaded. Where it cannot be built, ICL Lens uses
// the exact probability-map route, so this script warns and exits 0 unless
// --require is given.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const required = process.argv.includes('--require');
const out = path.join(root, 'dist', 'native', `rowStats-${process.platform}-${process.arch}.node`);
const source = path.join(root, 'native', 'rowStats.cc');
const sumExpSource = path.join(root, 'native', 'sumExp.cc');

function fail(message) {
  if (required) {
    console.error(`buildNative: ${message}`);
    process.exit(1);
  }
  console.warn(`buildNative: ${message}; ICL Lens will use the slower exact probability-map route.`);
  process.exit(0);
}

if (process.platform !== 'linux') fail(`no native build recipe for ${process.platform} yet`);
const newest = Math.max(...[source, sumExpSource, fileURLToPath(import.meta.url)].map((f) => fs.statSync(f).mtimeMs));
if (fs.existsSync(out) && fs.statSync(out).mtimeMs > newest) process.exit(0);

const nlc = path.join(root, 'node_modules', 'node-llama-cpp');
const pinned = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')).dependencies['node-llama-cpp'];
const installed = JSON.parse(fs.readFileSync(path.join(nlc, 'package.json'), 'utf8')).version;
// The addon mirrors a node-llama-cpp struct: it is only valid for the pinned version.
if (installed !== pinned) fail(`node-llama-cpp ${installed} is installed but ${pinned} is pinned`);

const tag = JSON.parse(fs.readFileSync(path.join(nlc, 'llama', 'llama.cpp.info.json'), 'utf8')).tag;
const headers = path.join(root, '.cache', `llama.cpp-${tag}`);
try {
  if (!fs.existsSync(path.join(headers, 'include', 'llama.h'))) {
    fs.rmSync(headers, { recursive: true, force: true });
    execFileSync('git', ['clone', '-q', '--no-checkout', path.join(nlc, 'llama', 'gitRelease.bundle'), headers], { stdio: 'inherit' });
    execFileSync('git', ['-C', headers, 'checkout', '-q', 'HEAD', '--', 'include', 'ggml/include'], { stdio: 'inherit' });
  }
} catch (err) {
  fail(`could not extract llama.cpp headers: ${err.message}`);
}

fs.mkdirSync(path.dirname(out), { recursive: true });
const cxx = process.env.CXX ?? 'c++';
const common = ['-O3', '-std=c++17', '-fPIC'];
const includes = [
  `-I${path.join(root, 'node_modules', 'node-api-headers', 'include')}`,
  `-I${path.join(root, 'node_modules', 'node-addon-api')}`,
  `-I${path.join(headers, 'include')}`,
  `-I${path.join(headers, 'ggml', 'include')}`,
];
const objDir = path.join(root, '.cache', 'native-obj');
fs.mkdirSync(objDir, { recursive: true });
try {
  execFileSync(cxx, [...common, '-DNAPI_VERSION=7', '-DNAPI_DISABLE_CPP_EXCEPTIONS', ...includes, '-c', source, '-o', path.join(objDir, 'rowStats.o')], { stdio: 'inherit' });
  // Fast math for this file only, and never on the link line (crtfastmath.o would set flush-to-zero process-wide).
  execFileSync(cxx, [...common, '-ffast-math', '-c', sumExpSource, '-o', path.join(objDir, 'sumExp.o')], { stdio: 'inherit' });
  execFileSync(cxx, ['-shared', path.join(objDir, 'rowStats.o'), path.join(objDir, 'sumExp.o'), '-o', `${out}.tmp`, '-ldl', '-lmvec', '-lm'], { stdio: 'inherit' });
  fs.renameSync(`${out}.tmp`, out);
} catch (err) {
  fail(`compiling the native addon failed: ${err.message}`);
}
console.log(`buildNative: ${path.relative(root, out)} (${fs.statSync(out).size} bytes)`);
