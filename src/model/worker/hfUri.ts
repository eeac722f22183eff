/**
 * Turns an `hf:` URI into the https URL of one GGUF file, the way node-llama-cpp's
 * parseModelUri / resolveParsedModelUri do (same endpoints, same manifest API),
 * but through our bounded HTTP client instead of its downloader: those helpers
 * are not exported, and its downloader retries without end.
 */
import { DownloadError, fetchText, type DownloadOptions } from './httpDownload';

/**
 * `hf:user/repo[:tag]` or `hf:user/repo/path/file.gguf[#branch]`, also spelled `hf://`
 * or `huggingface:`. Not `hf.co/…`, which node-llama-cpp also takes: that is a valid
 * relative path, and a path must never turn into a network request.
 */
const HF_PREFIX = /^(?:hf:\/\/|huggingface:\/\/|hf:|huggingface:)/i;

/** Whether `source` is a Hugging Face URI (not an https URL). */
export function isHfUri(source: string): boolean {
  return HF_PREFIX.test(source.trim());
}

/** The Hugging Face endpoint, honouring the variables llama.cpp and node-llama-cpp read. */
function endpoint(env: NodeJS.ProcessEnv): string {
  for (const v of [env.MODEL_ENDPOINT, env.HF_ENDPOINT]) {
    if (v !== undefined && /^https?:\/\//i.test(v)) return v.endsWith('/') ? v : `${v}/`;
  }
  return 'https://huggingface.co/';
}

/** node-llama-cpp upper-cases a tag that names a quantisation (q8_0 → Q8_0); others pass as typed. */
function normaliseTag(tag: string): string {
  return /^(I?Q\d\w*|F16|F32|BF16|MXFP4\w*|TQ\d\w*)$/i.test(tag) ? tag.toUpperCase() : tag;
}

/** The download URL for `uri`; a tag (or none) costs one request to the manifest API, under `options`' limits. */
export async function resolveHfUri(uri: string, options: DownloadOptions, env: NodeJS.ProcessEnv = process.env): Promise<string> {
  const content = uri.trim().replace(HF_PREFIX, '');
  const [user, repoAndTag, ...rest] = content.split('/');
  const base = endpoint(env);
  const enc = encodeURIComponent;
  if (!user || !repoAndTag) throw new DownloadError(`${uri} is not a Hugging Face URI (expected hf:user/repo:quant or hf:user/repo/file.gguf)`, false);
  if (rest.length > 0 && !repoAndTag.includes(':')) {
    const [filePath, branch] = rest.join('/').split('#');
    if (!filePath) throw new DownloadError(`${uri} names no file`, false);
    return `${base}${enc(user)}/${enc(repoAndTag)}/resolve/${enc(branch || 'main')}/${filePath.split('/').map(enc).join('/')}?download=true`;
  }
  const [repo, ...tagParts] = repoAndTag.split(':');
  const tag = normaliseTag(tagParts.join(':').trim() || 'latest');
  const manifestUrl = `${base}v2/${enc(user)}/${enc(repo)}/manifests/${enc(tag)}`;
  // The manifest names the GGUF file only for llama.cpp's user agent.
  const { status, text } = await fetchText(manifestUrl, { 'User-Agent': 'llama-cpp', Accept: 'application/json' }, options);
  if (status === 400 || status === 404) throw new DownloadError(`Hugging Face has no quantisation "${tag}" of ${user}/${repo} (or no such repository)`, false);
  if (status === 401 || status === 403) throw new DownloadError(`Hugging Face refused access to ${user}/${repo} (${status}); gated or private repositories are not supported`, false);
  if (status !== 200) throw new DownloadError(`Hugging Face answered ${status} for ${user}/${repo}:${tag}`, false);
  let file: unknown;
  try {
    file = (JSON.parse(text) as { ggufFile?: { rfilename?: unknown } }).ggufFile?.rfilename;
  } catch {
    file = undefined;
  }
  if (typeof file !== 'string' || file === '') throw new DownloadError(`Hugging Face's answer for ${user}/${repo}:${tag} names no GGUF file`, false);
  const split = /-(\d{5})-of-(\d{5})\.gguf$/i.exec(file);
  if (split && split[2] !== '00001') throw new DownloadError(`${user}/${repo}:${tag} is split into ${Number(split[2])} files, which ICL Lens does not download (download them elsewhere and choose the first)`, false);
  return `${base}${enc(user)}/${enc(repo)}/resolve/main/${file.split('/').map(enc).join('/')}?download=true`;
}
