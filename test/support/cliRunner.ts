/** Runs the built CLI as a user would, with files in a per-suite temporary directory. */
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CLI_PATH } from './fixtures';

export interface CliRun {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

export interface CliRunnerOptions {
  /**
   * Environment for every run, under each call's own. Inside VS Code's extension
   * host `process.execPath` is Electron, which runs the CLI as Node only with
   * `ELECTRON_RUN_AS_NODE: '1'`.
   */
  readonly env?: Record<string, string>;
  /** Working directory of every run (default: this process's). */
  readonly cwd?: string;
}

export class CliRunner {
  readonly tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'icl-lens-cli-'));

  constructor(private readonly options: CliRunnerOptions = {}) {}

  run(args: string[], env: Record<string, string> = {}): CliRun {
    const r = spawnSync(process.execPath, [CLI_PATH, ...args], { encoding: 'utf8', env: this.env(env), cwd: this.options.cwd, timeout: 120_000 });
    return { code: r.status, stdout: r.stdout, stderr: r.stderr };
  }

  /** Like `run`, but without blocking this process's event loop (for servers the CLI talks to from here). */
  runAsync(args: string[], env: Record<string, string> = {}, timeoutMs = 120_000): Promise<CliRun & { readonly ms: number }> {
    const started = Date.now();
    const child = spawn(process.execPath, [CLI_PATH, ...args], { env: this.env(env), cwd: this.options.cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => { stdout += d; });
    child.stderr.setEncoding('utf8').on('data', (d: string) => { stderr += d; });
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    return new Promise((resolve) => {
      child.on('close', (code) => {
        clearTimeout(timer);
        resolve({ code, stdout, stderr, ms: Date.now() - started });
      });
    });
  }

  file(name: string, content: string | Buffer): string {
    const f = path.join(this.tmp, name);
    fs.writeFileSync(f, content);
    return f;
  }

  private env(env: Record<string, string>): NodeJS.ProcessEnv {
    return { ...process.env, NO_COLOR: '', ...this.options.env, ...env };
  }

  dispose(): void {
    fs.rmSync(this.tmp, { recursive: true, force: true });
  }
}
