// The main job: `npm run demo`. Installs what is missing, builds and packages the
// extension, writes the project's offline model, prints the CLI heatmap of a
// demo prompt, then opens the demo workspace with the extension installed: in
// VS Code (`code` on PATH, in a separate demo profile) or, without it, in
// code-server on 127.0.0.1 (the URL printed opens the few-shot demo prompt;
// Ctrl+C stops it). The build steps run quietly: their output shows only if one fails.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ROOT as root, runSteps } from './buildSteps.mjs';

const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));

console.log('ICL Lens demo: installing what is missing, building and packaging the extension (output shown only on failure)');
runSteps(['dependencies', 'bundleProduction', 'native', 'compileNodeTests', 'vsix'], { quiet: true });
const vsix = path.join(root, `${pkg.name}-${process.platform}-${process.arch}-${pkg.version}.vsix`);
const model = path.join(root, "models", "icl-lens-windtunnel.gguf");
const workspace = path.join(root, 'demo');
const demoPrompt = path.join(workspace, 'fewshot', 'cricket-sweep.icl.txt');

console.log(`\n$ icl-lens heatmap demo/windtunnel/coin.icl.txt   (the built-in wind-tunnel model)\n`);
execFileSync(process.execPath, [path.join(root, 'bin', 'icl-lens.js'), 'heatmap', path.join(workspace, 'windtunnel', 'coin.icl.txt'), '--model', model, '--color'], { stdio: 'inherit' });
console.log(`\n$ icl-lens sweep demo/fewshot/cricket-sweep.icl.txt   (cricket questions answered as a query or in English; the analytic posterior is the reference)\n`);
execFileSync(process.execPath, [path.join(root, 'bin', 'icl-lens.js'), 'sweep', path.join(workspace, 'fewshot', 'cricket-sweep.icl.txt'), '--model', model], { stdio: 'inherit' });
console.log('\n(The built-in model is trained on wind-tunnel tasks only: open demo/windtunnel/ and demo/fewshot/ for meaningful numbers; pick a real model for prose prompts.)\n');

// The demo folder sits inside this repository: no prompt to open the parent repository over the demo.
const settings = { 'iclLens.model.path': model, 'workbench.startupEditor': 'none', 'git.openRepositoryInParentFolders': 'never' };
const code = spawnSync('code', ['--version'], { encoding: 'utf8' });
if (code.status === 0 && !process.env.ICL_LENS_DEMO_CODE_SERVER) {
  const profile = path.join(root, '.cache', 'demo-vscode');
  const common = ['--user-data-dir', path.join(profile, 'user'), '--extensions-dir', path.join(profile, 'extensions')];
  fs.mkdirSync(path.join(profile, 'user', 'User'), { recursive: true });
  fs.writeFileSync(path.join(profile, 'user', 'User', 'settings.json'), JSON.stringify(settings, null, 2));
  const installed = spawnSync('code', [...common, '--install-extension', vsix, '--force'], { encoding: 'utf8' });
  if (installed.status !== 0) {
    process.stderr.write(`${installed.stdout}${installed.stderr}`);
    throw new Error(`code --install-extension ${path.basename(vsix)} failed`);
  }
  spawn('code', [...common, workspace, demoPrompt], { stdio: 'inherit', detached: true }).unref();
  console.log('Opened the demo workspace in VS Code (a separate demo profile in .cache/demo-vscode).');
} else {
  console.log('\nStarting VS Code in the browser (code-server); the first run installs it and Chromium');
  runSteps(['vscodeSetup'], { quiet: true });
  // Loaded only here: the VS Code branch needs neither code-server nor playwright-core.
  const { startCodeServer } = await import('../tools/codeServer.js');
  const port = Number(process.env.ICL_LENS_DEMO_PORT || 8080);
  const server = await startCodeServer({ workspace, vsix: [vsix], settings, port });
  console.log(`\nICL Lens demo: open ${server.url({ openFile: demoPrompt })}`);
  console.log('It opens demo/ with fewshot/cricket-sweep.icl.txt painted: hover a token; click the "Few-shot" CodeLens (or F1 → "ICL Lens: Sweep Few-Shot Examples") for the posterior panel. Ctrl+C stops the server.');
  const stop = () => { server.stop(); process.exit(0); };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  await new Promise(() => {});
}
