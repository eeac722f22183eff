/**
 * The text of a file at a git revision, for comparing two revisions of a
 * prompt (the CLI's `--against`, the editor's Compare With Previous Version):
 * `git show <rev>:./<name>` run with execFile (no shell) in the file's folder,
 * so git finds the file's own repository, with a timeout and an output limit.
 * Beside analyzeDocument because the CLI and the editor share it; it is the
 * only place that runs git. Failures are one line for the user.
 */
import { execFile } from 'node:child_process';
import * as path from 'node:path';

/** Why a revision's text cannot be read; `message` says what to do. */
export class RevisionError extends Error {}

export interface GitShowOptions {
  readonly timeoutMs?: number;
  readonly maxBytes?: number;
  /** The git executable (default `git` on the PATH). */
  readonly git?: string;
  readonly signal?: AbortSignal;
}

const DEFAULT_TIMEOUT_MS = 10_000;
const DEFAULT_MAX_BYTES = 10_000_000;

/** A revision as git takes it: no option-like or path-like forms (`-x`, `a:b`, spaces). */
export function isRevisionName(rev: string): boolean {
  return /^[A-Za-z0-9_./~^@{}+-]+$/.test(rev) && !rev.startsWith('-') && rev.length <= 200;
}

/** The bytes of `file` at revision `rev` of the repository that holds it. */
export function gitShowFile(file: string, rev: string, options: GitShowOptions = {}): Promise<Buffer> {
  if (!isRevisionName(rev)) return Promise.reject(new RevisionError(`"${rev}" is not a git revision (e.g. HEAD, HEAD~1, a branch, a tag or a commit hash)`));
  const timeout = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const dir = path.dirname(path.resolve(file));
  const name = path.basename(file);
  const spec = `${rev}:./${name}`;
  return new Promise((resolve, reject) => {
    execFile(options.git ?? 'git', ['show', spec], {
      cwd: dir, timeout, maxBuffer: options.maxBytes ?? DEFAULT_MAX_BYTES, encoding: 'buffer', windowsHide: true, signal: options.signal,
      // No pager, no prompts for credentials, and messages in English so they can be read.
      env: { ...process.env, GIT_PAGER: 'cat', GIT_TERMINAL_PROMPT: '0', LC_ALL: 'C' },
    }, (err, stdout, stderr) => {
      if (!err) {
        resolve(stdout);
        return;
      }
      reject(new RevisionError(describeGitFailure(err as NodeJS.ErrnoException & { killed?: boolean; signal?: string }, stderr.toString('utf8'), file, rev, timeout)));
    });
  });
}

/** One line for a failed `git show`, by what git said. */
export function describeGitFailure(err: { code?: string | number; killed?: boolean; signal?: string | null; name?: string; message: string }, stderr: string, file: string, rev: string, timeoutMs: number): string {
  const name = path.basename(file);
  if (err.code === 'ENOENT') return 'git is not installed or not on the PATH: install git, or compare with a file instead';
  if (err.name === 'AbortError') return 'cancelled';
  if (err.code === 'ERR_CHILD_PROCESS_STDIO_MAXBUFFER') return `${name} at ${rev} is larger than the limit for a prompt`;
  if (err.killed || err.signal === 'SIGTERM') return `git did not answer within ${Math.round(timeoutMs / 1000)} s`;
  if (/not a git repository/i.test(stderr)) return `${file} is not in a git repository: compare with a file instead`;
  if (/exists on disk, but not in|does not exist in/i.test(stderr)) return `${name} does not exist at ${rev} (not committed there yet?)`;
  if (/invalid object name|unknown revision|bad revision|ambiguous argument/i.test(stderr)) return `${rev} is not a revision of the repository that holds ${name}`;
  if (/dubious ownership/i.test(stderr)) return `git refuses the repository that holds ${name} (dubious ownership: see git config safe.directory)`;
  const first = stderr.trim().split('\n')[0];
  return `git show ${rev}:./${name} failed${first ? `: ${first}` : ''}`;
}
