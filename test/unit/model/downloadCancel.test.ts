/**
 * Cancelling a load cancels its download in the worker: the connection closes,
 * nothing enters the cache, and a later load of another model works.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as http from 'node:http';
import type * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, describe, it } from 'node:test';
import { RuntimeError } from '../../../src/model/runtimeError';
import { loadSpec, modelFile, runtime } from '../../support/fixtures';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'icl-lens-cancel-'));
const tiny = fs.readFileSync(modelFile('tiny'));
const sockets = new Set<net.Socket>();
let closed = 0;
// A server that sends the start of a model and then a byte every 100 ms: a download that would take minutes.
const server = http.createServer((_req, res) => {
  res.writeHead(200, { 'Content-Type': 'application/octet-stream', 'Content-Length': String(tiny.length) });
  res.write(tiny.subarray(0, 64));
  let at = 64;
  const timer = setInterval(() => { if (at < tiny.length) res.write(tiny.subarray(at, ++at)); }, 100);
  res.on('close', () => { clearInterval(timer); closed++; });
});
server.on('connection', (s) => { sockets.add(s); s.on('close', () => sockets.delete(s)); });
after(async () => {
  for (const s of sockets) s.destroy();
  await new Promise((resolve) => server.close(resolve));
  fs.rmSync(tmp, { recursive: true, force: true });
});

describe('cancelling a download', () => {
  it('stops the download in the worker when the ensureLoaded signal aborts', async () => {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as net.AddressInfo).port}/slow/model.gguf`;
    const modelsDir = path.join(tmp, 'models');
    const client = runtime(loadSpec(url, { downloadDir: modelsDir }));
    try {
      const controller = new AbortController();
      let progressed = false;
      const loading = client.ensureLoaded({ signal: controller.signal, onProgress: () => { if (!progressed) { progressed = true; controller.abort(); } } });
      await assert.rejects(loading, (err: unknown) => err instanceof RuntimeError && err.code === 'cancelled');
      assert.ok(progressed, 'the download had started');
      // The worker is still running; only its download stopped.
      const deadline = Date.now() + 5000;
      while (closed === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      assert.equal(closed, 1, 'the worker closed the connection');
      assert.ok(client.running, 'the worker itself was not killed');
      const left = fs.readdirSync(modelsDir, { recursive: true }).map(String);
      assert.deepEqual(left.filter((f) => /\.gguf$|\.part$/.test(f)), [], `nothing cached or left behind: ${left.join(', ')}`);

      // The runtime goes on: the previous (local) model loads as usual.
      client.setModel(loadSpec(modelFile('tiny')));
      const loaded = await client.ensureLoaded();
      assert.equal(loaded.model.vocabSize, 512);
    } finally {
      await client.dispose();
    }
  });
});
