#!/usr/bin/env node
// A stand-in for the VS Code executable that @vscode/test-electron launches: it
// reads the arguments test-electron passes (--extensionDevelopmentPath=…,
// --extensionTestsPath=…, the workspace), runs them in a throwaway code-server
// with headless Chromium, and exits with the tests' exit code. Used where VS Code
// desktop cannot be downloaded (see VSCODE-TESTING.md).
'use strict';
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const http = require('node:http');
const net = require('node:net');
const os = require('node:os');
const path = require('node:path');
const util = require('node:util');

const ROOT = path.resolve(__dirname, '..', '..');
const ENTRY = path.join(process.env.CODE_SERVER_DIR || path.join(ROOT, '.cache', 'code-server'), 'node_modules', 'code-server', 'out', 'node', 'entry.js');
const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
const TIMEOUT_MS = Number(process.env.ICL_LENS_VSCODE_TIMEOUT_MS || 15 * 60 * 1000);

function parseArgs(argv) {
  const opts = { positional: [] };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const m = /^--([^=]+)=(.*)$/.exec(a);
    if (m) opts[m[1]] = m[2];
    else if (a === '--extensionDevelopmentPath' || a === '--extensionTestsPath') opts[a.slice(2)] = argv[++i];
    else if (!a.startsWith('-')) opts.positional.push(a);
  }
  return opts;
}

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
    srv.on('error', reject);
  });
}

function waitForHttp(url, ms) {
  const until = Date.now() + ms;
  return new Promise((resolve, reject) => {
    const attempt = () => {
      const req = http.get(url, (res) => { res.resume(); resolve(); });
      req.on('error', () => (Date.now() > until ? reject(new Error(`code-server did not answer at ${url}`)) : setTimeout(attempt, 200)));
    };
    attempt();
  });
}

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  const devPath = opts.extensionDevelopmentPath;
  const testsPath = opts.extensionTestsPath;
  const workspace = opts.positional[0] ? path.resolve(opts.positional[0]) : undefined;
  if (!fs.existsSync(ENTRY)) throw new Error(`code-server is not installed at ${ENTRY} (bash scripts/vscode/installCodeServer.sh)`);

  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'icl-lens-vscode-'));
  const userData = path.join(scratch, 'user-data');
  fs.mkdirSync(path.join(userData, 'User'), { recursive: true });
  const settings = {
    'workbench.startupEditor': 'none', 'update.mode': 'none', 'telemetry.telemetryLevel': 'off', 'extensions.autoUpdate': false,
    'editor.hover.delay': 200, 'workbench.enableExperiments': false, 'security.workspace.trust.enabled': false,
    ...JSON.parse(process.env.ICL_LENS_VSCODE_SETTINGS || '{}'),
  };
  fs.writeFileSync(path.join(userData, 'User', 'settings.json'), JSON.stringify(settings, null, 2));
  const port = await freePort();
  const env = { ...process.env, XDG_CONFIG_HOME: path.join(scratch, 'config'), XDG_DATA_HOME: path.join(scratch, 'data') };
  const serverArgs = [
    ENTRY, '--bind-addr', `127.0.0.1:${port}`, '--auth', 'none', '--disable-telemetry', '--disable-update-check',
    '--disable-workspace-trust', '--disable-getting-started-override', '--user-data-dir', userData,
    '--extensions-dir', path.join(scratch, 'extensions'),
  ];
  for (const vsix of (process.env.ICL_LENS_INSTALL_VSIX || '').split(path.delimiter).filter(Boolean)) {
    await new Promise((resolve, reject) => {
      const p = spawn(process.execPath, [...serverArgs.slice(0, 1), '--install-extension', vsix, '--user-data-dir', userData, '--extensions-dir', path.join(scratch, 'extensions')], { env, stdio: 'inherit' });
      p.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`installing ${vsix} failed (${code})`))));
    });
  }
  // Its own process group, so stopping it also stops its file watchers.
  const server = spawn(process.execPath, workspace ? [...serverArgs, workspace] : serverArgs, { env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  const serverLog = fs.createWriteStream(path.join(scratch, 'code-server.log'));
  server.stdout.pipe(serverLog);
  server.stderr.pipe(serverLog);
  const stopServer = () => { try { process.kill(-server.pid, 'SIGKILL'); } catch { /* already gone */ } };
  process.on('exit', stopServer);

  let browser;
  try {
    await waitForHttp(`http://127.0.0.1:${port}/healthz`, 30_000);
    const { chromium } = require('playwright-core');
    browser = await chromium.launchPersistentContext(path.join(scratch, 'chromium'), {
      executablePath: CHROMIUM,
      headless: true,
      viewport: { width: 1400, height: 900 },
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
    });
    const page = browser.pages()[0] || (await browser.newPage());
    let settle;
    const exited = new Promise((resolve) => { settle = resolve; });
    await page.exposeFunction('codeAutomationLog', (type, args) => {
      const text = util.format(...(Array.isArray(args) ? args : [args]));
      // The offline gallery look-ups fail loudly and harmlessly.
      if (/open-vsx\.org|vsda/.test(text)) return;
      (type === 'error' ? process.stderr : process.stdout).write(`${text}\n`);
    });
    await page.exposeFunction('codeAutomationExit', (code) => settle(Number(code)));
    const remote = (p) => `vscode-remote://127.0.0.1:${port}${p}`;
    const payload = [];
    if (devPath) payload.push(['extensionDevelopmentPath', remote(path.resolve(devPath))]);
    if (testsPath) payload.push(['extensionTestsPath', remote(path.resolve(testsPath))]);
    const query = new URLSearchParams();
    if (workspace) query.set('folder', workspace);
    if (payload.length > 0) query.set('payload', JSON.stringify(payload));
    await page.goto(`http://127.0.0.1:${port}/?${query}`);
    process.stdout.write(`[shim] code-server ${port} with chromium; tests: ${testsPath}\n`);
    const timer = setTimeout(() => settle(124), TIMEOUT_MS);
    const code = await exited;
    clearTimeout(timer);
    if (code !== 0) process.stderr.write(`[shim] tests exited with ${code}; code-server log: ${path.join(scratch, 'code-server.log')}\n`);
    return code;
  } finally {
    await browser?.close().catch(() => undefined);
    stopServer();
  }
}

main().then((code) => process.exit(code), (err) => {
  process.stderr.write(`[shim] ${err.stack || err}\n`);
  process.exit(1);
});
