/**
 * `icl-lens heatmap|sweep --against` as a user runs them, in a temporary git
 * repository: against HEAD and against a file, the Δ columns equal to two
 * separate heatmaps, a file missing at HEAD, a folder outside any repository,
 * a revision that does not exist.
 */
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { CliRunner } from '../../support/cliRunner';
import { modelFile } from '../../support/fixtures';

const runner = new CliRunner();
after(() => runner.dispose());

const FRONT = '---\nheader: "labels:"\nseparator: " "\n---\n';
const COMMITTED = `${FRONT}labels: A A B A A B A A A\n`;
const EDITED = `${FRONT}labels: A B B A A B A A A\n`;

interface TokenRow { index: number; start: number; end: number; id: number; surprisal: number | null; entropy: number | null; old: { index: number; surprisal: number | null; entropy: number | null } | null; deltaSurprisal: number | null; deltaEntropy: number | null; new: boolean }

describe('icl-lens heatmap --against', () => {
  const repo = path.join(runner.tmp, 'repo');
  const file = path.join(repo, 'labels.icl.txt');
  const git = (...args: string[]) => execFileSync('git', args, { cwd: repo, stdio: 'pipe' });

  before(() => {
    fs.mkdirSync(repo);
    git('init', '-q');
    git('config', 'user.email', 'test@example.invalid');
    git('config', 'user.name', 'test');
    fs.writeFileSync(file, COMMITTED);
    git('add', 'labels.icl.txt');
    git('commit', '-qm', 'labels');
    fs.writeFileSync(file, EDITED);
  });

  it('against HEAD: Δ per matched token equal to two separate heatmaps, the edited label new', () => {
    const r = runner.run(['heatmap', file, '--against', 'HEAD', '--json']);
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout) as { text: string; tokens: TokenRow[]; against: { source: string; text: string }; summary: Record<string, number> };
    assert.equal(out.text, EDITED);
    assert.equal(out.against.source, 'HEAD:labels.icl.txt');
    assert.equal(out.against.text, COMMITTED);
    const now = JSON.parse(runner.run(['heatmap', file, '--json']).stdout) as { tokens: TokenRow[] };
    const oldFile = runner.file('committed.icl.txt', COMMITTED);
    const then = JSON.parse(runner.run(['heatmap', oldFile, '--json']).stdout) as { tokens: TokenRow[] };
    const edited = EDITED.indexOf('B');
    for (const t of out.tokens) {
      assert.deepEqual([t.id, t.start, t.end, t.surprisal], [now.tokens[t.index].id, now.tokens[t.index].start, now.tokens[t.index].end, now.tokens[t.index].surprisal]);
      if (t.start <= edited && t.end > edited) {
        assert.equal(t.new, true, `token ${t.index} holds the edit`);
        continue;
      }
      assert.equal(t.new, false, `token ${t.index}`);
      const o = then.tokens[t.old!.index];
      assert.deepEqual([o.start, o.end, o.id], [t.start, t.end, t.id], 'same place (the edit keeps lengths) and the same token');
      if (t.surprisal === null || o.surprisal === null) continue;
      assert.equal(t.deltaSurprisal, t.surprisal - o.surprisal);
      assert.equal(t.deltaEntropy, t.entropy! - o.entropy!);
    }
    assert.equal(out.summary.added, 1);
    assert.ok(out.tokens.some((t) => t.deltaSurprisal !== null && Math.abs(t.deltaSurprisal) > 0.01), 'the edit changes what follows');
  });

  it('prints a table with Δ columns and "new" markers', () => {
    const r = runner.run(['heatmap', file, '--against', 'HEAD']);
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout.split('\n');
    assert.equal(lines[0], 'index\tstart\tend\tid\ttoken\tp\tsurprisal\tentropy\trank\told_index\told_surprisal\told_entropy\tdelta_surprisal\tdelta_entropy\tnew');
    assert.equal(lines.slice(1).filter((l) => l.endsWith('\tnew')).length, 1);
    assert.match(r.stdout, /against HEAD:labels\.icl\.txt: \d+ tokens matched, 1 new, 1 of the old text's gone/);
  });

  it('against a file: the same comparison as against HEAD', () => {
    const oldFile = runner.file('committed-copy.icl.txt', COMMITTED);
    const viaFile = JSON.parse(runner.run(['heatmap', file, '--against', oldFile, '--json']).stdout) as { tokens: TokenRow[] };
    const viaGit = JSON.parse(runner.run(['heatmap', file, '--against', 'HEAD', '--json']).stdout) as { tokens: TokenRow[] };
    assert.deepEqual(viaFile.tokens, viaGit.tokens);
  });

  it('a file missing at HEAD, a folder outside git, an unknown revision: exit 4 with the reason', () => {
    const untracked = path.join(repo, 'draft.icl.txt');
    fs.writeFileSync(untracked, EDITED);
    const cases = [
      [untracked, 'HEAD', /draft\.icl\.txt does not exist at HEAD \(not committed there yet\?\)/],
      [runner.file('outside.icl.txt', EDITED), 'HEAD', /is not in a git repository/],
      [file, 'no-such-branch', /no-such-branch is not a revision of the repository/],
      [file, '--version', /is not a git revision/],
    ] as const;
    for (const [target, rev, message] of cases) {
      const r = runner.run(['heatmap', target, '--against', rev]);
      assert.equal(r.code, 4, `${rev}: ${r.stderr}`);
      assert.match(r.stderr, message);
      assert.equal(r.stdout, '');
    }
  });

  it('sweep --against HEAD: both sweeps, each as its own sweep gives it (within 1e-4 bits: the second reuses the first\'s KV cache)', () => {
    const r = runner.run(['sweep', file, '--against', 'HEAD', '--json', '--no-loo']);
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout);
    assert.equal(out.against, 'HEAD:labels.icl.txt');
    const alone = (f: string) => JSON.parse(runner.run(['sweep', f, '--json', '--no-loo']).stdout);
    type K = { k: number; targetBits: number; posterior: Record<string, number> };
    const close = (got: K[], want: K[]) => {
      assert.equal(got.length, want.length);
      for (const [i, k] of got.entries()) {
        assert.ok(Math.abs(k.targetBits - want[i].targetBits) < 1e-4, `k=${k.k}: ${k.targetBits} vs ${want[i].targetBits}`);
        for (const name of Object.keys(want[i].posterior)) assert.ok(Math.abs(k.posterior[name] - want[i].posterior[name]) < 1e-4, `k=${k.k} P(${name})`);
      }
    };
    close(out.after.ks, alone(file).ks);
    close(out.before.ks, alone(runner.file('committed-sweep.icl.txt', COMMITTED)).ks);
    // The edit (a second B early) makes the target A less probable after it.
    assert.ok(out.after.ks[2].targetBits > out.before.ks[2].targetBits);
    const table = runner.run(['sweep', file, '--against', 'HEAD', '--no-loo']);
    assert.equal(table.code, 0, table.stderr);
    assert.match(table.stdout, /k +bits before +bits after +Δ bits/);
  });
});

describe('--against usage', () => {
  it('belongs to heatmap and sweep only', () => {
    const r = runner.run(['probe', 'loo', 'x.txt', '--against', 'HEAD', '--model', modelFile('tiny')]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /--against belongs to heatmap and sweep/);
  });
});
