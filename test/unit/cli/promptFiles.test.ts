/** Prompt paths that are not plain small files end at once with exit 4 and one line, instead of hanging or crashing. */
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, describe, it } from 'node:test';
import { CliRunner } from '../../support/cliRunner';
import { modelFile } from '../../support/fixtures';

const runner = new CliRunner();
after(() => runner.dispose());
const model = modelFile('tiny');

/** Runs heatmap on `file` and checks the outcome: exit 4, one line naming the file, quickly. */
async function refused(file: string, why: RegExp): Promise<void> {
  const r = await runner.runAsync(['heatmap', file, '--model', model], {}, 30_000);
  assert.equal(r.code, 4, `exit code (stderr: ${r.stderr})`);
  assert.match(r.stderr, why);
  assert.equal(r.stderr.trim().split('\n').length, 1, `one line: ${r.stderr}`);
  assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
  assert.ok(r.ms < 10_000, `ended in ${r.ms} ms`);
}

describe('icl-lens prompt files', () => {
  it('refuses a FIFO instead of blocking on it', async () => {
    const fifo = path.join(runner.tmp, 'prompt.fifo');
    const made = spawnSync('mkfifo', [fifo]);
    // mkfifo is part of coreutils; only a system without it may skip this.
    if (made.error !== undefined) {
      assert.equal((made.error as NodeJS.ErrnoException).code, 'ENOENT');
      return;
    }
    assert.equal(made.status, 0, made.stderr?.toString());
    await refused(fifo, /prompt\.fifo is not a regular file \(it is a FIFO\)/);
  });

  it('refuses /dev/zero instead of reading it until memory runs out', { skip: !fs.existsSync('/dev/zero') }, async () => {
    await refused('/dev/zero', /\/dev\/zero is not a regular file \(it is a character device\)/);
  });

  it('refuses a 600 MB file from its size, without reading it', async () => {
    const big = path.join(runner.tmp, 'big.txt');
    // Sparse: ftruncate allocates no disk.
    const fd = fs.openSync(big, 'w');
    fs.ftruncateSync(fd, 600 * 1024 * 1024);
    fs.closeSync(fd);
    await refused(big, /big\.txt is 629\.1 MB, over the 10\.0 MB limit for a prompt/);
  });

  it('reads a file whose size the kernel reports as 0 (/proc) within the limit', { skip: !fs.existsSync('/proc/self/status') }, async () => {
    // A /proc file reports size 0 but holds text; it is read, bounded, and analysed.
    const r = await runner.runAsync(['heatmap', '/proc/self/status', '--model', model, '--json'], {}, 60_000);
    assert.equal(r.code, 0, r.stderr);
    assert.match(JSON.parse(r.stdout).text, /^Name:/);
  });

  it('names a missing file and a directory in one line', async () => {
    await refused(path.join(runner.tmp, 'missing.txt'), /cannot read .*missing\.txt: it does not exist \(ENOENT\)/);
    await refused(runner.tmp, /is a directory/);
  });
});
