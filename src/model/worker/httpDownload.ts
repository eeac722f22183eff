/**
 * Fetches one URL to a file with bounds on everything that can hang: a connect
 * timeout (until the response headers), an idle timeout (no bytes), a cap on
 * attempts and on size. node-llama-cpp's downloader retries for minutes and
 * each retry looks like progress, so the runtime never gives up; this one ends
 * within about attempts × timeout and says why in words.
 */
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as https from 'node:https';
import * as path from 'node:path';

/** How long and how often a download may try. */
export interface DownloadLimits {
  /** No response headers, or no body bytes, for this long ends an attempt. */
  readonly timeoutMs: number;
  /** Attempts in all, the first included. */
  readonly attempts: number;
}

export interface DownloadOptions extends DownloadLimits {
  readonly signal: AbortSignal;
  readonly onProgress?: (done: number, total: number) => void;
  /** Notes for the log (a retry, a resume); they also show the runtime is alive. */
  readonly log?: (message: string) => void;
  /** Looks at the first bytes of the body and returns why they cannot be a model, or undefined. */
  readonly checkHead?: (head: Buffer) => string | undefined;
}

/** Defaults: long enough for a slow link, short enough that a dead one is reported in under a minute. */
export const DEFAULT_DOWNLOAD_LIMITS: DownloadLimits = { timeoutMs: 15_000, attempts: 3 };

/** The limits, with `ICL_LENS_DOWNLOAD_TIMEOUT_MS` and `ICL_LENS_DOWNLOAD_ATTEMPTS` overriding (tests use short ones). */
export function downloadLimits(env: NodeJS.ProcessEnv): DownloadLimits {
  const positive = (v: string | undefined, fallback: number) => {
    const n = Number(v);
    return v !== undefined && Number.isFinite(n) && n > 0 ? Math.floor(n) : fallback;
  };
  return {
    timeoutMs: positive(env.ICL_LENS_DOWNLOAD_TIMEOUT_MS, DEFAULT_DOWNLOAD_LIMITS.timeoutMs),
    attempts: positive(env.ICL_LENS_DOWNLOAD_ATTEMPTS, DEFAULT_DOWNLOAD_LIMITS.attempts),
  };
}

/** A download that failed; `message` is a sentence for the user. */
export class DownloadError extends Error {
  constructor(message: string, readonly retryable: boolean) {
    super(message);
    this.name = 'DownloadError';
  }
}

const MAX_REDIRECTS = 8;
/**
 * What to do when a download fails, whatever the cause: the same worker serves
 * the editor and the CLI, so it names both ways to choose a local file.
 */
export const DOWNLOAD_REMEDY = 'If this machine is offline or the address is wrong, download the .gguf file elsewhere and choose it with ICL Lens: Select Model → Choose a .gguf file… (CLI: --model <path>).';

/** Download `url` into `file` (created or replaced). Throws DownloadError, or an abort error when `signal` fires. */
export async function downloadFile(url: string, file: string, options: DownloadOptions): Promise<void> {
  const partial = { bytes: 0, resumable: false };
  await withRetries(url, options, 'download', () => attemptOnce(url, file, options, partial));
}

/** GET `url` and return the body as text (small answers only, e.g. a manifest), under the same limits. */
export async function fetchText(url: string, headers: Record<string, string>, options: DownloadOptions, maxBytes = 1_000_000): Promise<{ status: number; text: string }> {
  return withRetries(url, options, 'request', async () => {
    const res = await openFollowingRedirects(url, headers, options);
    if (res.statusCode !== undefined && (res.statusCode >= 500 || res.statusCode === 429)) {
      res.destroy();
      throw new DownloadError(httpStatusMessage(url, res), true);
    }
    const chunks: Buffer[] = [];
    let size = 0;
    await readBody(res, options, (chunk) => {
      size += chunk.length;
      if (size > maxBytes) throw new DownloadError(`${hostOf(url)} sent more than ${maxBytes} bytes where a short answer was expected`, false);
      chunks.push(chunk);
    });
    return { status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') };
  });
}

/**
 * Run `once` up to `options.attempts` times while it fails with a retryable
 * error, with a backoff that grows but never beyond the timeout (so short test
 * timeouts stay short). An abort ends it at once; the last failure is reported
 * with the attempt count and what to do offline.
 */
async function withRetries<T>(url: string, options: DownloadOptions, what: 'download' | 'request', once: () => Promise<T>): Promise<T> {
  let last: DownloadError | undefined;
  for (let attempt = 1; attempt <= options.attempts; attempt++) {
    if (attempt > 1) {
      const wait = Math.min(1000 * 2 ** (attempt - 2), options.timeoutMs);
      options.log?.(`${what} attempt ${attempt - 1} of ${options.attempts} failed (${last?.message}); trying again in ${wait} ms`);
      await sleep(wait, options.signal);
    }
    try {
      return await once();
    } catch (err) {
      if (options.signal.aborted) throw err;
      last = err instanceof DownloadError ? err : describeNetworkError(err, url, options);
      if (!last.retryable) throw last;
    }
  }
  throw new DownloadError(`${last?.message ?? `the ${what} failed`} (${options.attempts} attempt${options.attempts === 1 ? '' : 's'})`, false);
}

async function attemptOnce(url: string, file: string, options: DownloadOptions, partial: { bytes: number; resumable: boolean }): Promise<void> {
  const resume = partial.resumable && partial.bytes > 0;
  const res = await openFollowingRedirects(url, { 'User-Agent': 'icl-lens', ...(resume ? { Range: `bytes=${partial.bytes}-` } : {}) }, options);
  const status = res.statusCode ?? 0;
  const fail = (message: string, retryable: boolean): never => {
    res.destroy();
    throw new DownloadError(message, retryable);
  };
  if (status >= 500 || status === 429) fail(httpStatusMessage(url, res), true);
  if (status !== 200 && !(resume && status === 206)) fail(httpStatusMessage(url, res), false);
  const type = String(res.headers['content-type'] ?? '');
  if (/^text\/html\b/i.test(type)) fail(`${hostOf(url)} sent a web page (${type}), not a model file — a captive portal, a login page or a wrong link?`, false);

  // A 206 must continue where the partial file ends, or the file would be spliced wrong.
  if (status === 206 && !new RegExp(`^bytes ${partial.bytes}-`).test(String(res.headers['content-range'] ?? ''))) {
    partial.bytes = 0;
    partial.resumable = false;
    fail(`${hostOf(url)} resumed the download at the wrong place`, true);
  }
  const appending = status === 206;
  const start = appending ? partial.bytes : 0;
  const length = Number(res.headers['content-length']);
  const total = Number.isFinite(length) && length >= 0 ? start + length : 0;
  if (total > 0) {
    const free = freeBytes(file);
    if (free !== undefined && length > free) fail(`the file is ${(total / 1e9).toFixed(2)} GB but only ${(free / 1e9).toFixed(2)} GB is free where downloads are kept`, false);
  }
  partial.resumable = res.headers['accept-ranges'] === 'bytes';
  const fd = fs.openSync(file, appending ? 'a' : 'w');
  let received = start;
  let head: Buffer | undefined = appending ? undefined : Buffer.alloc(0);
  try {
    await readBody(res, options, (chunk) => {
      if (head !== undefined) {
        head = Buffer.concat([head, chunk]);
        if (head.length >= 16) {
          const problem = options.checkHead?.(head);
          if (problem !== undefined) throw new DownloadError(problem, false);
          head = undefined;
        }
      }
      received += chunk.length;
      // A server that sends more than it announced is not sending the file it named.
      if (total > 0 && received > total) throw new DownloadError(`${hostOf(url)} sent more than the ${total} bytes it announced`, false);
      fs.writeSync(fd, chunk);
      options.onProgress?.(received, total);
    });
  } catch (err) {
    partial.bytes = received;
    if (err instanceof DownloadError || options.signal.aborted) throw err;
    if (err instanceof IdleTimeout) throw describeNetworkError(err, url, options);
    throw new DownloadError(`the connection to ${hostOf(url)} dropped after ${received} of ${total > 0 ? total : 'an unknown number of'} bytes`, true);
  } finally {
    fs.closeSync(fd);
  }
  partial.bytes = received;
  if (head !== undefined && head.length > 0) {
    const problem = options.checkHead?.(head);
    if (problem !== undefined) throw new DownloadError(problem, false);
  }
  if (total > 0 && received < total) throw new DownloadError(`the connection to ${hostOf(url)} closed after ${received} of ${total} bytes`, true);
}

/** Stream `res` into `onChunk`, failing when no bytes arrive for the idle timeout or the signal fires. */
async function readBody(res: http.IncomingMessage, options: DownloadOptions, onChunk: (chunk: Buffer) => void): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const arm = () => {
    clearTimeout(timer);
    timer = setTimeout(() => res.destroy(new IdleTimeout()), options.timeoutMs);
  };
  const onAbort = () => res.destroy(abortError(options.signal));
  options.signal.addEventListener('abort', onAbort, { once: true });
  arm();
  try {
    for await (const chunk of res) {
      arm();
      onChunk(chunk as Buffer);
    }
    // An IncomingMessage whose socket closed early can end without an error.
    if (!res.complete) throw new Error('premature close');
  } catch (err) {
    res.destroy();
    throw err;
  } finally {
    clearTimeout(timer);
    options.signal.removeEventListener('abort', onAbort);
  }
}

/** Open `url`, following redirects, but never from https to http: a downgrade would hand the file to anyone on the path. */
async function openFollowingRedirects(url: string, headers: Record<string, string>, options: DownloadOptions): Promise<http.IncomingMessage> {
  let current = new URL(url);
  for (let hop = 0; hop <= MAX_REDIRECTS; hop++) {
    const res = await open(current, headers, options);
    const status = res.statusCode ?? 0;
    const location = res.headers.location;
    if (status < 300 || status >= 400 || status === 304 || location === undefined) return res;
    res.destroy();
    const next = new URL(location, current);
    if (current.protocol === 'https:' && next.protocol !== 'https:') {
      throw new DownloadError(`${current.host} redirected to ${next.protocol}//${next.host}, which is not https; ICL Lens does not follow that (type the http:// address yourself if you trust it)`, false);
    }
    if (next.protocol !== 'https:' && next.protocol !== 'http:') throw new DownloadError(`${current.host} redirected to an unsupported address (${next.protocol})`, false);
    current = next;
  }
  throw new DownloadError(`${hostOf(url)} redirected more than ${MAX_REDIRECTS} times`, false);
}

/** One request; resolves at the response headers or fails at the connect timeout. */
function open(url: URL, headers: Record<string, string>, options: DownloadOptions): Promise<http.IncomingMessage> {
  if (options.signal.aborted) return Promise.reject(abortError(options.signal));
  const get = url.protocol === 'https:' ? https.get : url.protocol === 'http:' ? http.get : undefined;
  if (get === undefined) return Promise.reject(new DownloadError(`unsupported address ${url.protocol}`, false));
  return new Promise((resolve, reject) => {
    // Fresh connections each time: a kept-alive socket to a host that died would hide the timeout.
    const req = get(url, { headers, agent: false, signal: options.signal }, (res) => {
      clearTimeout(timer);
      resolve(res);
    });
    const timer = setTimeout(() => req.destroy(new ConnectTimeout()), options.timeoutMs);
    req.on('error', (err) => {
      clearTimeout(timer);
      reject(options.signal.aborted ? abortError(options.signal) : err);
    });
  });
}

class ConnectTimeout extends Error {}
class IdleTimeout extends Error {}

/** A sentence for a low-level network failure, and whether trying again may help. */
function describeNetworkError(err: unknown, url: string, options: DownloadLimits): DownloadError {
  const host = hostOf(url);
  const seconds = `${+(options.timeoutMs / 1000).toFixed(1)} s`;
  if (err instanceof ConnectTimeout) return new DownloadError(`timed out: ${host} did not answer within ${seconds}`, true);
  if (err instanceof IdleTimeout) return new DownloadError(`timed out: the download from ${host} stalled (no data for ${seconds})`, true);
  const code = (err as NodeJS.ErrnoException)?.code ?? '';
  // A name that does not resolve will not resolve a second later either.
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN' || code === 'EAI_NONAME') return new DownloadError(`cannot connect to ${hostOfName(url)}: the name does not resolve (offline?)`, false);
  if (code === 'ECONNREFUSED') return new DownloadError(`cannot connect to ${host}: the connection was refused (nothing listens there, or a firewall)`, true);
  if (code === 'ECONNRESET' || code === 'EPIPE' || code === 'ECONNABORTED') return new DownloadError(`the connection to ${host} was reset`, true);
  if (code === 'ENETUNREACH' || code === 'EHOSTUNREACH') return new DownloadError(`cannot connect to ${host}: no route to the network (offline?)`, true);
  if (/CERT|SSL|TLS|SELF_SIGNED/i.test(code)) return new DownloadError(`the secure connection to ${host} failed (${code}); a proxy or captive portal may be intercepting it`, false);
  return new DownloadError(`the request to ${host} failed (${code || (err as Error)?.message || String(err)})`, true);
}

/** The host (with port) of `url`, or `url` itself when it does not parse: for messages. */
export function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return url;
  }
}

function hostOfName(url: string): string {
  try {
    return new URL(url).hostname;
  } catch {
    return url;
  }
}

/** An HTTP status the download cannot use, in words: the code and what it usually means. */
function httpStatusMessage(url: string, res: http.IncomingMessage): string {
  const status = res.statusCode ?? 0;
  const text = `${status} ${res.statusMessage ?? ''}`.trim();
  const meaning = status === 404 || status === 410 ? ': there is no file at that address'
    : status === 401 || status === 403 ? ': the file needs a login or is private'
      : status === 429 ? ': too many requests, try again later'
        : status >= 500 ? ': the server failed' : '';
  return `${hostOf(url)} answered HTTP ${text}${meaning}`;
}

/** Bytes free in the folder of `file`, when the platform says. */
function freeBytes(file: string): number | undefined {
  try {
    const s = fs.statfsSync(path.dirname(file));
    return s.bavail * s.bsize;
  } catch {
    return undefined;
  }
}

function abortError(signal: AbortSignal): Error {
  return signal.reason instanceof Error ? signal.reason : new Error('Download cancelled.');
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(abortError(signal));
    const timer = setTimeout(() => { signal.removeEventListener('abort', onAbort); resolve(); }, ms);
    const onAbort = () => { clearTimeout(timer); reject(abortError(signal)); };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
