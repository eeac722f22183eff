/**
 * Runs the integration suite inside a real VS Code through @vscode/test-electron:
 * a downloaded VS Code where the machine can download it, otherwise (this offline
 * machine) a throwaway code-server with headless Chromium behind the same
 * runTests() call. ICL_LENS_VSCODE=desktop|code-server forces the choice.
 */
import * as fs from 'node:fs';
import * as https from 'node:https';
import * as os from 'node:os';
import * as path from 'node:path';
import { downloadAndUnzipVSCode, runTests } from '@vscode/test-electron';
import { modelFile, REPO_ROOT } from '../support/fixtures';

const VSCODE_VERSION = '1.100.3';

/** Whether VS Code's download server answers within a few seconds. */
function canDownload(): Promise<boolean> {
  return new Promise((resolve) => {
    const req = https.get('https://update.code.visualstudio.com/api/releases/stable', { timeout: 5000 }, (res) => {
      res.resume();
      resolve((res.statusCode ?? 500) < 400);
    });
    req.on('timeout', () => { req.destroy(); resolve(false); });
    req.on('error', () => resolve(false));
  });
}

async function main(): Promise<void> {
  const forced = process.env.ICL_LENS_VSCODE;
  const mode = forced === 'desktop' || forced === 'code-server' ? forced : (await canDownload()) ? 'desktop' : 'code-server';
  const executable = mode === 'desktop' ? await downloadAndUnzipVSCode(VSCODE_VERSION) : path.join(REPO_ROOT, 'test', 'vscode', 'codeServerShim.js');
  process.stdout.write(`[integration] VS Code: ${mode === 'desktop' ? `desktop ${VSCODE_VERSION} (downloaded)` : 'code-server 4.100.3 (VS Code 1.100.3) in headless Chromium'}\n`);

  const workspace = fs.mkdtempSync(path.join(os.tmpdir(), 'icl-lens-it-workspace-'));
  fs.cpSync(path.join(REPO_ROOT, 'test', 'integration', 'workspace'), workspace, { recursive: true });
  try {
    await runTests({
      vscodeExecutablePath: executable,
      extensionDevelopmentPath: REPO_ROOT,
      extensionTestsPath: path.join(__dirname, 'index.js'),
      launchArgs: [workspace, '--disable-extensions'],
      extensionTestsEnv: { ICL_LENS_TEST_MODEL: modelFile('tiny'), ICL_LENS_TEST_MODEL_NO_BYTES: modelFile('tiny-no-byte-fallback'),
        ICL_LENS_TEST_MODEL_ALT: modelFile('tiny-alt'), ICL_LENS_TEST_MODEL_BPE: modelFile('bpe-starcoder'),
        ICL_LENS_TEST_MODEL_CHATML: modelFile('chat-chatml'),
        ...(process.env.ICL_LENS_SUITES ? { ICL_LENS_SUITES: process.env.ICL_LENS_SUITES } : {}),
      },
    });
    process.stdout.write('[integration] passed\n');
  } finally {
    fs.rmSync(workspace, { recursive: true, force: true });
  }
}

main().catch((err) => {
  process.stderr.write(`[integration] failed: ${err?.message ?? err}\n`);
  process.exit(1);
});
