/** Latest wins per document: a newer run aborts the older one and any pending start. */
import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { LatestWins } from '../../../src/editor/latestWins';

describe('LatestWins', () => {
  it('a new run aborts the one in flight; only the newest is current', () => {
    const runs = new LatestWins();
    const first = runs.begin('a');
    const second = runs.begin('a');
    assert.equal(first.signal.aborted, true);
    assert.equal(runs.isCurrent('a', first), false);
    assert.equal(runs.isCurrent('a', second), true);
    runs.end('a', first);
    assert.equal(runs.isCurrent('a', second), true, 'an old run ending changes nothing');
    runs.end('a', second);
    assert.equal(runs.isCurrent('a', second), false);
    const other = runs.begin('b');
    assert.equal(other.signal.aborted, false, 'keys are independent');
    runs.dispose();
    assert.equal(other.signal.aborted, true);
  });

  it('debounces: a later schedule or a begin replaces a pending start', async () => {
    const runs = new LatestWins();
    const started: string[] = [];
    runs.schedule('a', 20, () => started.push('first'));
    runs.schedule('a', 20, () => started.push('second'));
    runs.schedule('b', 20, () => started.push('b'));
    runs.begin('b');
    await new Promise((r) => setTimeout(r, 60));
    assert.deepEqual(started, ['second']);
    runs.schedule('a', 20, () => started.push('third'));
    runs.cancel('a');
    await new Promise((r) => setTimeout(r, 60));
    assert.deepEqual(started, ['second']);
    runs.dispose();
  });
});
