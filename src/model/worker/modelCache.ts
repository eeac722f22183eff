/**
 * The download cache: one folder per source (sha256 of the normalised source),
 * holding the file under its own readable name. Keying by file name alone gave
 * `http://b/model.gguf` the file downloaded from `http://a/model.gguf`. A file
 * enters the cache only after it validates, so a captive portal's page is never
 * mistaken for a model on the next run.
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { DownloadError, downloadFile, hostOf, type DownloadOptions } from './httpDownload';
import { isHfUri, resolveHfUri } from './hfUri';
import { checkModelFile } from './modelFile';

/** Whether `source` is fetched over the network (an hf: URI or an http(s) URL) rather than read from disk. */
export function isRemoteSource(source: string): boolean {
  return isHfUri(source) || /^https?:\/\//i.test(source.trim());
}

/** `source` in one spelling per resource: URLs parsed (host lower-cased, default port dropped), hf: URIs trimmed. */
export function normaliseSource(source: string): string {
  const s = source.trim();
  if (/^https?:\/\//i.test(s)) {
    try {
      return new URL(s).href;
    } catch {
      return s;
    }
  }
  return s;
}

/** The cache folder for `source` under `downloadDir`. */
export function cacheFolder(downloadDir: string, source: string): string {
  return path.join(downloadDir, createHash('sha256').update(normaliseSource(source)).digest('hex').slice(0, 32));
}

/** A file name for the download from `url`: its last path segment, made safe, ending in .gguf. */
export function readableFileName(url: string): string {
  let last = '';
  try {
    last = decodeURIComponent(new URL(url).pathname.split('/').pop() ?? '');
  } catch {
    last = '';
  }
  const safe = last.replace(/[^A-Za-z0-9._-]+/g, '_').replace(/^\.+/, '').slice(0, 120);
  if (safe === '') return 'model.gguf';
  return /\.gguf$/i.test(safe) ? safe : `${safe}.gguf`;
}

/** Why the first bytes of a download cannot be a GGUF model, or undefined when they can. */
export function ggufHeadProblem(head: Buffer, from: string): string | undefined {
  if (head.toString('latin1', 0, 4) === 'GGUF') return undefined;
  const text = head.toString('latin1', 0, 16).trimStart().toLowerCase();
  if (text.startsWith('<')) return `${from} sent a web page, not a model file — a captive portal, a login page or a wrong link?`;
  return `${from} did not send a GGUF model (the file does not start with "GGUF")`;
}

/**
 * The local file for remote `source`: from the cache when a valid copy is there
 * (no network), else downloaded, validated and then moved into the cache.
 * Throws DownloadError with a sentence for the user, or an abort error when the signal fires.
 */
export async function cachedModel(source: string, downloadDir: string, options: DownloadOptions): Promise<string> {
  const folder = cacheFolder(downloadDir, source);
  const hit = findCached(folder);
  if (hit !== undefined) {
    try {
      checkModelFile(hit);
      return hit;
    } catch (err) {
      options.log?.(`dropping the cached copy of ${source}: ${(err as Error).message}`);
      fs.rmSync(hit, { force: true });
    }
  }
  const url = isHfUri(source) ? await resolveHfUri(source, options) : source.trim();
  fs.mkdirSync(folder, { recursive: true });
  removeAbandonedParts(folder);
  // For a person looking in the folder: which source these files came from.
  fs.writeFileSync(path.join(folder, 'source.txt'), `${source.trim()}\n${url}\n`);
  const name = readableFileName(url);
  const part = path.join(folder, `${name}.${process.pid}.part`);
  const host = hostOf(url);
  try {
    await downloadFile(url, part, { ...options, checkHead: (head) => ggufHeadProblem(head, host) });
    try {
      checkModelFile(part);
    } catch (err) {
      throw new DownloadError(`the file from ${host} is not a usable model: ${(err as Error).message.split(part).join('it')}`, false);
    }
    const final = path.join(folder, name);
    fs.renameSync(part, final);
    return final;
  } finally {
    fs.rmSync(part, { force: true });
  }
}

/** The cached model in `folder`, if any (a `.part` is an unfinished download, not a model). */
function findCached(folder: string): string | undefined {
  let names: string[];
  try {
    names = fs.readdirSync(folder);
  } catch {
    return undefined;
  }
  const name = names.find((n) => /\.gguf$/i.test(n));
  return name === undefined ? undefined : path.join(folder, name);
}

/** Delete `.part` files left by processes that no longer run (a worker killed mid-download). */
function removeAbandonedParts(folder: string): void {
  for (const n of fs.readdirSync(folder)) {
    const m = /\.(\d+)\.part$/.exec(n);
    if (m && !processRuns(Number(m[1]))) fs.rmSync(path.join(folder, n), { force: true });
  }
}

function processRuns(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

