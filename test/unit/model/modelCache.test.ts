/** The download cache's key: one folder per source, so equal file names never collide. */
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { cacheFolder, ggufHeadProblem, isRemoteSource, normaliseSource, readableFileName } from '../../../src/model/worker/modelCache';

const dir = path.join('/', 'cache');
const where = (source: string) => path.join(cacheFolder(dir, source), readableFileName(source));

describe('model download cache', () => {
  it('gives two sources with the same file name two paths, both keeping the name', () => {
    const a = where('http://a.example/model.gguf');
    const b = where('http://b.example/model.gguf');
    assert.notEqual(a, b);
    assert.equal(path.basename(a), 'model.gguf');
    assert.equal(path.basename(b), 'model.gguf');
    assert.notEqual(where('https://h.example/x/model.gguf'), where('https://h.example/y/model.gguf'));
    assert.notEqual(where('https://h.example/model.gguf?rev=1'), where('https://h.example/model.gguf?rev=2'));
    assert.notEqual(cacheFolder(dir, 'hf:user/repo:Q8_0'), cacheFolder(dir, 'hf:user/repo:Q4_K_M'));
  });

  it('gives one path to spellings of the same URL', () => {
    assert.equal(where('https://H.EXAMPLE:443/model.gguf'), where('https://h.example/model.gguf'));
    assert.equal(where('  https://h.example/model.gguf '), where('https://h.example/model.gguf'));
    assert.equal(normaliseSource('HTTP://h.example:80/m.gguf'), 'http://h.example/m.gguf');
    // http and https are different sources (and different trust).
    assert.notEqual(where('http://h.example/model.gguf'), where('https://h.example/model.gguf'));
  });

  it('makes a safe, readable file name', () => {
    assert.equal(readableFileName('https://h.example/a/My%20Model.Q8_0.gguf?download=true'), 'My_Model.Q8_0.gguf');
    assert.equal(readableFileName('https://h.example/'), 'model.gguf');
    assert.equal(readableFileName('https://h.example/..%2F..%2Fetc%2Fpasswd'), '_.._etc_passwd.gguf');
    assert.equal(readableFileName('https://h.example/weights'), 'weights.gguf');
  });

  it('tells remote sources from paths', () => {
    for (const s of ['hf:user/repo:Q8_0', 'https://h/m.gguf', 'http://h/m.gguf', 'huggingface:user/repo']) assert.ok(isRemoteSource(s), s);
    for (const s of ['/models/m.gguf', 'C:\\models\\m.gguf', 'model.gguf', 'ftp://h/m.gguf', 'hf.co/user/repo']) assert.ok(!isRemoteSource(s), s);
  });

  it('recognises a web page in the first bytes of a download', () => {
    assert.equal(ggufHeadProblem(Buffer.from('GGUF\x03\x00\x00\x00........'), 'h'), undefined);
    assert.match(ggufHeadProblem(Buffer.from('  <!DOCTYPE html><html>'), 'h')!, /sent a web page/);
    assert.match(ggufHeadProblem(Buffer.from('PK\x03\x04 zip archive..'), 'h')!, /does not start with "GGUF"/);
  });
});
