// `npm run package`: a VSIX for this platform (or --target <vsce-target>) that
// carries only that platform's CPU binaries of node-llama-cpp (add --gpu to keep
// its CUDA and Vulkan packages). Prints the VSIX's size.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const targetArg = args.indexOf('--target');
const target = targetArg >= 0 ? args[targetArg + 1] : `${process.platform === 'win32' ? 'win32' : process.platform}-${process.arch}`;
const keepGpu = args.includes('--gpu');
const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));

// node-llama-cpp names its binary packages <platform>-<arch>[-gpu]; vsce's targets are <platform>-<arch>.
const nlcPlatform = target.replace(/^win32-/, 'win-').replace(/^darwin-/, 'mac-');
const binaryDir = path.join(root, 'node_modules', '@node-llama-cpp');
const exclude = fs.existsSync(binaryDir)
  ? fs.readdirSync(binaryDir).filter((name) => !(name === nlcPlatform || (keepGpu && name.startsWith(`${nlcPlatform}-`))))
  : [];
if (!fs.existsSync(path.join(binaryDir, nlcPlatform))) {
  console.error(`package: node_modules/@node-llama-cpp/${nlcPlatform} is not installed; cannot package for ${target}`);
  process.exit(1);
}
const nativeAddon = `dist/native/rowStats-${process.platform}-${process.arch}.node`;
if (!fs.existsSync(path.join(root, nativeAddon))) console.warn(`package: ${nativeAddon} is missing; the VSIX will use the slower exact probability-map route`);
const otherAddons = fs.existsSync(path.join(root, 'dist', 'native'))
  ? fs.readdirSync(path.join(root, 'dist', 'native')).filter((f) => `dist/native/${f}` !== nativeAddon).map((f) => `dist/native/${f}`)
  : [];

const ignoreFile = path.join(root, '.cache', `vscodeignore-${target}`);
fs.mkdirSync(path.dirname(ignoreFile), { recursive: true });
fs.writeFileSync(ignoreFile, `${fs.readFileSync(path.join(root, '.vscodeignore'), 'utf8')}\n${[...exclude.map((n) => `node_modules/@node-llama-cpp/${n}/**`), ...otherAddons].join('\n')}\n`);

const out = path.join(root, `${pkg.name}-${target}-${pkg.version}.vsix`);
execFileSync(process.execPath, [path.join(root, 'node_modules', '@vscode', 'vsce', 'vsce'), 'package', '--target', target, '--ignoreFile', ignoreFile, '--out', out, '--skip-license', '--no-rewrite-relative-links'], { cwd: root, stdio: 'inherit' });
console.log(`package: ${path.relative(root, out)} — ${(fs.statSync(out).size / 2 ** 20).toFixed(1)} MiB`);
