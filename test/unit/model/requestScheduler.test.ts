/** The worker's order of work, without a model: who runs when, and what the client is told. */
import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RequestScheduler, type Job } from '../../../src/model/worker/requestScheduler';

function setup() {
  const log: string[] = [];
  const scheduler = new RequestScheduler((id, state) => log.push(`${state} ${id}`));
  const job = (id: number, body: () => Promise<void> = async () => {}, overtakes = true): Job => ({
    id, overtakes, run: async () => { await body(); log.push(`done ${id}`); },
  });
  return { log, scheduler, job };
}

const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('request scheduler', () => {
  it('runs requests one at a time in order when none steps aside', async () => {
    const { log, scheduler, job } = setup();
    for (const id of [1, 2, 3]) scheduler.submit(job(id, tick));
    await scheduler.idle();
    assert.deepEqual(log, ['started 1', 'done 1', 'started 2', 'done 2', 'started 3', 'done 3']);
  });

  it('runs newer requests at a step of a long one, which then resumes; later arrivals wait for its next step', async () => {
    const { log, scheduler, job } = setup();
    const ran: boolean[] = [];
    scheduler.submit(job(1, async () => {
      await tick();
      ran.push(await scheduler.step(1));
      // Arrives while 1 resumes: not run before 1's next step.
      scheduler.submit(job(4));
      log.push('chunk 1');
      ran.push(await scheduler.step(1));
      ran.push(await scheduler.step(1));
    }));
    scheduler.submit(job(2));
    scheduler.submit(job(3, tick, false));
    await scheduler.idle();
    assert.deepEqual(ran, [true, false, false]);
    assert.deepEqual(log, [
      'started 1', 'paused 1', 'started 2', 'done 2', 'started 1', 'chunk 1', 'done 1',
      // A model load never overtakes: it replaces what the paused request uses; and 4, sent
      // after the load, waits for it: it expects the new model.
      'started 3', 'done 3', 'started 4', 'done 4',
    ]);
  });

  it('a request queued before a waiting load still runs at a step', async () => {
    const { log, scheduler, job } = setup();
    scheduler.submit(job(1, async () => {
      await tick();
      scheduler.submit(job(2));
      scheduler.submit(job(3, tick, false));
      await scheduler.step(1);
    }));
    await scheduler.idle();
    assert.deepEqual(log, ['started 1', 'paused 1', 'started 2', 'done 2', 'started 1', 'done 1', 'started 3', 'done 3']);
  });

  it('nests: a request run at a step may itself step aside', async () => {
    const { log, scheduler, job } = setup();
    scheduler.submit(job(1, async () => {
      await tick();
      scheduler.submit(job(2, async () => {
        scheduler.submit(job(3));
        await scheduler.step(2);
      }));
      await scheduler.step(1);
    }));
    await scheduler.idle();
    assert.deepEqual(log, ['started 1', 'paused 1', 'started 2', 'paused 2', 'started 3', 'done 3', 'started 2', 'done 2', 'started 1', 'done 1']);
  });

  it('starts again after it fell idle', async () => {
    const { log, scheduler, job } = setup();
    scheduler.submit(job(1));
    await scheduler.idle();
    scheduler.submit(job(2));
    await scheduler.idle();
    assert.deepEqual(log, ['started 1', 'done 1', 'started 2', 'done 2']);
  });
});
