/**
 * The workbench URLs tools/codeServer.js builds: the demo's opens its folder and
 * its prompt (code-server reads `openFile` from the URL's payload), and the
 * shim's carries the tests' payload unchanged.
 */
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { REPO_ROOT } from '../../support/fixtures';

const { workbenchUrl } = require(path.join(REPO_ROOT, 'tools', 'codeServer.js')) as {
  workbenchUrl(port: number, query?: Record<string, unknown>): string;
};

describe('code-server workbench URLs', () => {
  it('open a folder and a file in it, the file as a vscode-remote URI of this server', () => {
    const folder = path.join(REPO_ROOT, 'demo');
    const file = path.join(folder, 'fewshot', 'labels-sweep.icl.txt');
    const url = new URL(workbenchUrl(8080, { folder, openFile: file }));
    assert.equal(url.origin, 'http://127.0.0.1:8080');
    assert.equal(url.searchParams.get('folder'), folder);
    assert.deepEqual(JSON.parse(url.searchParams.get('payload')!), [['openFile', `vscode-remote://127.0.0.1:8080${file}`]]);
  });

  it('spell a path with spaces so the workbench reads it back', () => {
    const file = path.join(path.sep, 'tmp', 'my prompts', 'a#b.icl.txt');
    const [[, uri]] = JSON.parse(new URL(workbenchUrl(9000, { openFile: file })).searchParams.get('payload')!);
    assert.equal(decodeURIComponent(new URL(uri.replace(/^vscode-remote:/, 'http:')).pathname), file);
  });

  it('keep a payload given as JSON and add nothing when no file is asked for', () => {
    const payload = [['extensionTestsPath', 'vscode-remote://127.0.0.1:1/x']];
    const url = new URL(workbenchUrl(1, { payload: JSON.stringify(payload) }));
    assert.deepEqual(JSON.parse(url.searchParams.get('payload')!), payload);
    assert.equal(url.searchParams.has('folder'), false);
    assert.equal(new URL(workbenchUrl(1)).search, '');
  });
});
