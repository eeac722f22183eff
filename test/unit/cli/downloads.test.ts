/**
 * `--model <url>` against real local servers that misbehave the ways networks
 * do: each case ends within seconds with exit 3 and a sentence saying what
 * happened, and the cache holds only files that validated, one folder per
 * source. Only 127.0.0.1 and example.invalid (which never resolves) are contacted.
 */
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as https from 'node:https';
import * as net from 'node:net';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { CliRunner } from '../../support/cliRunner';
import { modelFile } from '../../support/fixtures';

const runner = new CliRunner();
const modelsDir = path.join(runner.tmp, 'models');
const tiny = fs.readFileSync(modelFile('tiny'));
const other = fs.readFileSync(modelFile('tiny-no-byte-fallback'));
const prompt = runner.file('prompt.txt', 'Once upon a time\n');
const sockets = new Set<net.Socket>();
const hits = new Map<string, number>();
const ranges: string[] = [];
let certFile = '';
let httpsPort = 0;
let httpPort = 0;
let silentPort = 0;
const servers: net.Server[] = [];

function listen(server: net.Server): Promise<number> {
  server.on('connection', (s: net.Socket) => { sockets.add(s); s.on('close', () => sockets.delete(s)); });
  servers.push(server);
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as net.AddressInfo).port)));
}

function route(req: http.IncomingMessage, res: http.ServerResponse): void {
  const url = req.url ?? '';
  hits.set(url, (hits.get(url) ?? 0) + 1);
  if (url.startsWith('/never/')) return; // headers never come
  if (url.startsWith('/drop/')) {
    // The start of a real model, then the connection goes.
    res.writeHead(200, { 'Content-Type': 'application/octet-stream', 'Content-Length': String(tiny.length) });
    res.write(tiny.subarray(0, 100), () => setTimeout(() => res.socket?.destroy(), 20));
    return;
  }
  if (url.startsWith('/resume/')) {
    // Drops the first connection after 100 bytes, and honours Range on the next.
    const range = /^bytes=(\d+)-$/.exec(String(req.headers.range ?? ''));
    if (range) {
      ranges.push(req.headers.range!);
      const from = Number(range[1]);
      res.writeHead(206, { 'Content-Type': 'application/octet-stream', 'Accept-Ranges': 'bytes', 'Content-Range': `bytes ${from}-${tiny.length - 1}/${tiny.length}`, 'Content-Length': String(tiny.length - from) });
      res.end(tiny.subarray(from));
      return;
    }
    res.writeHead(200, { 'Content-Type': 'application/octet-stream', 'Accept-Ranges': 'bytes', 'Content-Length': String(tiny.length) });
    res.write(tiny.subarray(0, 100), () => setTimeout(() => res.socket?.destroy(), 20));
    return;
  }
  if (url.startsWith('/stall/')) {
    // The start of a real model, then silence on an open connection.
    res.writeHead(200, { 'Content-Type': 'application/octet-stream', 'Content-Length': String(tiny.length) });
    res.write(tiny.subarray(0, 100));
    return;
  }
  if (url.startsWith('/html/')) {
    res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
    res.end('<!DOCTYPE html><html><body>Please log in to the hotel Wi-Fi</body></html>');
    return;
  }
  if (url.startsWith('/portal/')) {
    // A portal that lies about the type: caught by the GGUF magic instead.
    res.writeHead(200, { 'Content-Type': 'application/octet-stream' });
    res.end('<html><body>Please log in</body></html>');
    return;
  }
  if (url.startsWith('/zip/')) {
    // A binary file of another kind (a zip archive's magic).
    res.writeHead(200, { 'Content-Type': 'application/octet-stream' });
    res.end(Buffer.concat([Buffer.from('PK\x03\x04'), Buffer.alloc(200, 7)]));
    return;
  }
  if (url.startsWith('/downgrade/')) {
    res.writeHead(302, { Location: `http://127.0.0.1:${httpPort}/a/model.gguf` });
    res.end();
    return;
  }
  // A stand-in for Hugging Face's manifest API and file store (HF_ENDPOINT points here).
  if (url.startsWith('/v2/someone/Tiny-GGUF/manifests/')) {
    const ok = url.endsWith('/Q8_0');
    res.writeHead(ok ? 200 : 404, { 'Content-Type': 'application/json' });
    res.end(ok ? JSON.stringify({ ggufFile: { rfilename: 'tiny.Q8_0.gguf' } }) : '{"error":"no such tag"}');
    return;
  }
  if (url === '/someone/Tiny-GGUF/resolve/main/tiny.Q8_0.gguf?download=true') {
    res.writeHead(200, { 'Content-Type': 'application/octet-stream', 'Content-Length': String(tiny.length) });
    res.end(tiny);
    return;
  }
  if (url === '/a/model.gguf' || url === '/b/model.gguf') {
    const body = url === '/a/model.gguf' ? tiny : other;
    res.writeHead(200, { 'Content-Type': 'application/octet-stream', 'Content-Length': String(body.length) });
    res.end(body);
    return;
  }
  res.writeHead(404);
  res.end();
}

const env = () => ({ ICL_LENS_MODELS_DIR: modelsDir, ICL_LENS_DOWNLOAD_TIMEOUT_MS: '500', NODE_EXTRA_CA_CERTS: certFile });
const heatmap = (url: string) => runner.runAsync(['heatmap', prompt, '--model', url, '--json', '--threads', '2'], env(), 60_000);

/** Every .gguf in the cache, relative to it. */
function cached(): string[] {
  if (!fs.existsSync(modelsDir)) return [];
  return fs.readdirSync(modelsDir, { recursive: true }).map(String).filter((f) => /\.gguf$/.test(f)).sort();
}

/** The remedy every failed download ends with, in the CLI as in the editor. */
const REMEDY = /[.?] If this machine is offline or the address is wrong, download the \.gguf file elsewhere and choose it with ICL Lens: Select Model → Choose a \.gguf file… \(CLI: --model <path>\)\.$/m;

/** Exit 3, the expected sentence, in seconds, and nothing left in the cache under a model's name. */
async function failsWith(url: string, message: RegExp): Promise<void> {
  const before = cached();
  const r = await heatmap(url);
  assert.equal(r.code, 3, `exit code (stderr: ${r.stderr})`);
  assert.match(r.stderr, message);
  assert.match(r.stderr, REMEDY, 'every failed download says what to do');
  assert.doesNotMatch(r.stderr, /TypeError|fetch failed|ECONN|Error:/, 'the cause in words, not an exception');
  assert.equal(r.stderr.trim().split('\n').length, 1, `one line: ${r.stderr}`);
  assert.ok(r.ms < 15_000, `ended in ${r.ms} ms`);
  assert.deepEqual(cached(), before, 'a failed download adds nothing to the cache');
}

before(async () => {
  const key = path.join(runner.tmp, 'key.pem');
  certFile = path.join(runner.tmp, 'cert.pem');
  const made = spawnSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', certFile, '-days', '2', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'], { encoding: 'utf8' });
  assert.equal(made.status, 0, `openssl makes the test certificate: ${made.stderr}`);
  httpsPort = await listen(https.createServer({ key: fs.readFileSync(key), cert: fs.readFileSync(certFile) }, route));
  httpPort = await listen(http.createServer(route));
  // Accepts TCP connections and never says a word, not even a TLS hello.
  silentPort = await listen(net.createServer(() => undefined));
});

after(async () => {
  for (const s of sockets) s.destroy();
  await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
  runner.dispose();
});

describe('icl-lens --model <url>', () => {
  it('gives up on a server that accepts and never answers', async () => {
    await failsWith(`https://127.0.0.1:${silentPort}/m.gguf`, new RegExp(`^icl-lens: Could not download https://127\\.0\\.0\\.1:${silentPort}/m\\.gguf: timed out: 127\\.0\\.0\\.1:${silentPort} did not answer within 0\\.5 s \\(3 attempts\\)\\. If this machine is offline`, 'm'));
  });

  it('says it cannot connect to a closed port, in words', async () => {
    const closed = net.createServer();
    const port = await new Promise<number>((resolve) => closed.listen(0, '127.0.0.1', () => resolve((closed.address() as net.AddressInfo).port)));
    await new Promise((resolve) => closed.close(resolve));
    await failsWith(`http://127.0.0.1:${port}/m.gguf`, new RegExp(`cannot connect to 127\\.0\\.0\\.1:${port}: the connection was refused .*\\(3 attempts\\)\\. If this machine is offline`));
  });

  it('names an HTTP status and what it means', async () => {
    await failsWith(`http://127.0.0.1:${httpPort}/nowhere/m.gguf`, new RegExp(`127\\.0\\.0\\.1:${httpPort} answered HTTP 404 Not Found: there is no file at that address\\. If this machine`));
    assert.equal(hits.get('/nowhere/m.gguf'), 1, 'a 404 is not retried');
  });

  it('says a file that is not GGUF is not a model', async () => {
    await failsWith(`http://127.0.0.1:${httpPort}/zip/m.gguf`, /did not send a GGUF model \(the file does not start with "GGUF"\)\. If this machine/);
  });

  it('gives up on an https server that never sends headers', async () => {
    await failsWith(`https://127.0.0.1:${httpsPort}/never/m.gguf`, /did not answer within 0\.5 s \(3 attempts\)/);
    assert.equal(hits.get('/never/m.gguf'), 3, 'three attempts, no more');
  });

  it('retries a connection dropped after 100 bytes, then says so', async () => {
    await failsWith(`https://127.0.0.1:${httpsPort}/drop/m.gguf`, new RegExp(`the connection to 127\\.0\\.0\\.1:${httpsPort} dropped after 100 of ${tiny.length} bytes \\(3 attempts\\)`));
    assert.equal(hits.get('/drop/m.gguf'), 3);
  });

  it('gives up on a download that stalls after 100 bytes', async () => {
    await failsWith(`https://127.0.0.1:${httpsPort}/stall/m.gguf`, new RegExp(`the download from 127\\.0\\.0\\.1:${httpsPort} stalled \\(no data for 0\\.5 s\\) \\(3 attempts\\)`));
    assert.equal(hits.get('/stall/m.gguf'), 3);
  });

  it('resumes a dropped download where it stopped when the server takes ranges', async () => {
    const r = await heatmap(`http://127.0.0.1:${httpPort}/resume/model.gguf`);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(ranges, ['bytes=100-']);
    assert.deepEqual(fs.readFileSync(JSON.parse(r.stdout).model.path), tiny);
  });

  it('refuses a web page served as 200 (a captive portal), whatever its declared type', async () => {
    await failsWith(`https://127.0.0.1:${httpsPort}/html/m.gguf`, /sent a web page \(text\/html; charset=utf-8\), not a model file — a captive portal/);
    await failsWith(`https://127.0.0.1:${httpsPort}/portal/m.gguf`, /sent a web page, not a model file/);
    // The bad page was not cached: the next run asks the server again.
    await failsWith(`https://127.0.0.1:${httpsPort}/portal/m.gguf`, /sent a web page/);
    assert.equal(hits.get('/portal/m.gguf'), 2);
  });

  it('does not follow a redirect from https to http', async () => {
    await failsWith(`https://127.0.0.1:${httpsPort}/downgrade/model.gguf`, /redirected to http:\/\/127\.0\.0\.1:\d+, which is not https/);
    assert.equal(hits.get('/a/model.gguf') ?? 0, 0, 'the http address was never fetched');
  });

  it('says an unresolvable host cannot be reached', async () => {
    const r = await heatmap('https://example.invalid/m.gguf');
    assert.equal(r.code, 3, r.stderr);
    // Where DNS itself is unreachable, the lookup may time out instead; either way it ends quickly and says so.
    assert.match(r.stderr, /cannot connect to example\.invalid: the name does not resolve \(offline\?\)|example\.invalid did not answer within/);
    assert.match(r.stderr, REMEDY);
    assert.ok(r.ms < 15_000, `ended in ${r.ms} ms`);
  });

  it('downloads from an http:// address typed explicitly, then runs on it, and keys the cache by the whole address', async () => {
    const a = await heatmap(`http://127.0.0.1:${httpPort}/a/model.gguf`);
    assert.equal(a.code, 0, a.stderr);
    const pathA = JSON.parse(a.stdout).model.path as string;
    assert.ok(pathA.startsWith(modelsDir) && path.basename(pathA) === 'model.gguf', pathA);
    assert.deepEqual(fs.readFileSync(pathA), tiny);
    assert.equal(hits.get('/a/model.gguf'), 1);

    // Same file name, another path: its own download and its own file.
    const b = await heatmap(`http://127.0.0.1:${httpPort}/b/model.gguf`);
    assert.equal(b.code, 0, b.stderr);
    const pathB = JSON.parse(b.stdout).model.path as string;
    assert.notEqual(pathB, pathA);
    assert.equal(path.basename(pathB), 'model.gguf', 'the file keeps its readable name');
    assert.deepEqual(fs.readFileSync(pathB), other);
    assert.equal(hits.get('/b/model.gguf'), 1);

    // A second run of A uses the cache: no request.
    const again = await heatmap(`http://127.0.0.1:${httpPort}/a/model.gguf`);
    assert.equal(again.code, 0, again.stderr);
    assert.equal(JSON.parse(again.stdout).model.path, pathA);
    assert.equal(hits.get('/a/model.gguf'), 1);
  });

  it('resolves an hf: URI through the manifest API once, then uses the cache offline', async () => {
    const hfEnv = { ...env(), HF_ENDPOINT: `http://127.0.0.1:${httpPort}/` };
    const run = (uri: string) => runner.runAsync(['heatmap', prompt, '--model', uri, '--json', '--threads', '2'], hfEnv, 60_000);
    const first = await run('hf:someone/Tiny-GGUF:q8_0');
    assert.equal(first.code, 0, first.stderr);
    const file = JSON.parse(first.stdout).model.path as string;
    assert.equal(path.basename(file), 'tiny.Q8_0.gguf');
    assert.equal(hits.get('/v2/someone/Tiny-GGUF/manifests/Q8_0'), 1, 'the tag is upper-cased as node-llama-cpp does');
    const again = await run('hf:someone/Tiny-GGUF:q8_0');
    assert.equal(again.code, 0, again.stderr);
    assert.equal(hits.get('/v2/someone/Tiny-GGUF/manifests/Q8_0'), 1, 'a cached hf: model needs no network');
    const missing = await run('hf:someone/Tiny-GGUF:Q2_K');
    assert.equal(missing.code, 3, missing.stderr);
    assert.match(missing.stderr, /Hugging Face has no quantisation "Q2_K" of someone\/Tiny-GGUF/);
  });

  it('drops a cached file that no longer validates and downloads it again', async () => {
    const url = `http://127.0.0.1:${httpPort}/a/model.gguf`;
    const first = await heatmap(url);
    assert.equal(first.code, 0, first.stderr);
    const file = JSON.parse(first.stdout).model.path as string;
    fs.writeFileSync(file, '<html>stale portal page from an older version</html>');
    const hitsBefore = hits.get('/a/model.gguf') ?? 0;
    const r = await heatmap(url);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(hits.get('/a/model.gguf'), hitsBefore + 1);
    assert.deepEqual(fs.readFileSync(file), tiny);
  });
});
