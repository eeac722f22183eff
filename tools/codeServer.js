// Starting a throwaway code-server and a headless Chromium, shared by the
// test-electron shim, the UI tour and the demo (tools/ is the one place both
// scripts/ and test/ may import). How it works: docs/testing.md.
'use strict';
const { spawn, spawnSync } = require('node:child_process');
const fs = require('node:fs');
const http = require('node:http');
const net = require('node:net');
const os = require('node:os');
const path = require('node:path');

const ROOT = path.resolve(__dirname, '..');
const CODE_SERVER_DIR = process.env.CODE_SERVER_DIR || path.join(ROOT, '.cache', 'code-server');
const ENTRY = path.join(CODE_SERVER_DIR, 'node_modules', 'code-server', 'out', 'node', 'entry.js');
const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];

const BASE_SETTINGS = {
  'workbench.startupEditor': 'none',
  'update.mode': 'none',
  'telemetry.telemetryLevel': 'off',
  'extensions.autoUpdate': false,
  'extensions.autoCheckUpdates': false,
  'editor.hover.delay': 200,
  'workbench.enableExperiments': false,
  'security.workspace.trust.enabled': false,
  'workbench.tips.enabled': false,
  'chat.disableAIFeatures': true,
};

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

/**
 * Start code-server on 127.0.0.1 in its own process group with a fresh user-data
 * directory. Options: workspace, settings (merged into the user settings), vsix
 * (paths installed first), host (bind address, default 127.0.0.1), port.
 * Returns { port, url(query), scratch, stop() }.
 */
async function startCodeServer(options = {}) {
  if (!fs.existsSync(ENTRY)) throw new Error(`code-server is not installed at ${ENTRY} (run: bash scripts/vscode/installCodeServer.sh)`);
  const scratch = options.scratch || fs.mkdtempSync(path.join(os.tmpdir(), 'icl-lens-vscode-'));
  const userData = path.join(scratch, 'user-data');
  const extensions = path.join(scratch, 'extensions');
  fs.mkdirSync(path.join(userData, 'User'), { recursive: true });
  fs.writeFileSync(path.join(userData, 'User', 'settings.json'), JSON.stringify({ ...BASE_SETTINGS, ...(options.settings || {}) }, null, 2));
  const env = { ...process.env, XDG_CONFIG_HOME: path.join(scratch, 'config'), XDG_DATA_HOME: path.join(scratch, 'data') };
  const common = ['--user-data-dir', userData, '--extensions-dir', extensions];
  for (const vsix of options.vsix || []) {
    const r = spawnSync(process.execPath, [ENTRY, ...common, '--install-extension', vsix], { env, encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`installing ${vsix} into code-server failed: ${r.stderr || r.stdout}`);
  }
  const port = options.port || (await freePort());
  const host = options.host || '127.0.0.1';
  const args = [ENTRY, '--bind-addr', `${host}:${port}`, '--auth', 'none', '--disable-telemetry', '--disable-update-check',
    '--disable-workspace-trust', '--disable-getting-started-override', ...common];
  if (options.workspace) args.push(options.workspace);
  // Its own process group, so that stopping it also stops its file watchers.
  const server = spawn(process.execPath, args, { env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  const log = fs.createWriteStream(path.join(scratch, 'code-server.log'));
  server.stdout.pipe(log);
  server.stderr.pipe(log);
  let stopped = false;
  const stop = () => {
    if (stopped) return;
    stopped = true;
    try { process.kill(-server.pid, 'SIGKILL'); } catch { /* already gone */ }
  };
  process.on('exit', stop);
  await waitForHttp(`http://127.0.0.1:${port}/healthz`, 30_000);
  const url = (query = {}) => workbenchUrl(port, { folder: options.workspace, ...query });
  return { port, url, scratch, logFile: path.join(scratch, 'code-server.log'), stop };
}

/** The `vscode-remote://` URI of local `file` for the code-server on `port` (what a workbench payload names). */
function remoteUri(port, file) {
  return `vscode-remote://127.0.0.1:${port}${path.resolve(file).split(path.sep).map(encodeURIComponent).join('/')}`;
}

/**
 * The workbench URL of the code-server on `port`. Query keys pass through
 * (`folder`, `payload`); `openFile` (a local path) joins the payload, so the
 * workbench opens that file in the folder too.
 */
function workbenchUrl(port, query = {}) {
  const { openFile, payload, ...rest } = query;
  const q = new URLSearchParams(Object.entries(rest).filter(([, v]) => v !== undefined));
  const entries = typeof payload === 'string' ? JSON.parse(payload) : [...(payload || [])];
  if (openFile) entries.push(['openFile', remoteUri(port, openFile)]);
  if (entries.length > 0) q.set('payload', JSON.stringify(entries));
  return `http://127.0.0.1:${port}/?${q}`;
}

/** A headless Chromium (Debian's) through playwright-core; returns the persistent context. */
async function launchBrowser(scratch, viewport = { width: 1400, height: 900 }) {
  const { chromium } = require('playwright-core');
  return chromium.launchPersistentContext(path.join(scratch, 'chromium'), { executablePath: CHROMIUM, headless: true, viewport, args: CHROMIUM_ARGS });
}

module.exports = { startCodeServer, launchBrowser, workbenchUrl, remoteUri, ROOT, ENTRY };
