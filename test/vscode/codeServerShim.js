#!/usr/bin/env node
// A stand-in for the VS Code executable that @vscode/test-electron launches: it
// reads the arguments test-electron passes (--extensionDevelopmentPath=…,
// --extensionTestsPath=…, the workspace), runs them in a throwaway code-server
// with headless Chromium, and exits with the tests' exit code. Used where VS Code
// desktop cannot be downloaded (see docs/testing.md).
'use strict';
const path = require('node:path');
const util = require('node:util');
const { launchBrowser, startCodeServer } = require('../../tools/codeServer');

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

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  const workspace = opts.positional[0] ? path.resolve(opts.positional[0]) : undefined;
  const server = await startCodeServer({ workspace });
  let browser;
  try {
    browser = await launchBrowser(server.scratch);
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
    const remote = (p) => `vscode-remote://127.0.0.1:${server.port}${path.resolve(p)}`;
    const payload = [];
    if (opts.extensionDevelopmentPath) payload.push(['extensionDevelopmentPath', remote(opts.extensionDevelopmentPath)]);
    if (opts.extensionTestsPath) payload.push(['extensionTestsPath', remote(opts.extensionTestsPath)]);
    await page.goto(server.url(payload.length > 0 ? { payload: JSON.stringify(payload) } : {}));
    process.stdout.write(`[shim] code-server on 127.0.0.1:${server.port} in headless Chromium; tests: ${opts.extensionTestsPath}\n`);
    const timer = setTimeout(() => settle(124), TIMEOUT_MS);
    const code = await exited;
    clearTimeout(timer);
    if (code !== 0) process.stderr.write(`[shim] tests exited with ${code}; code-server log: ${server.logFile}\n`);
    return code;
  } finally {
    await browser?.close().catch(() => undefined);
    server.stop();
  }
}

main().then((code) => process.exit(code), (err) => {
  process.stderr.write(`[shim] ${err.stack || err}\n`);
  process.exit(1);
});
