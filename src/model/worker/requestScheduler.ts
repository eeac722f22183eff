/**
 * The worker's order of work. The model has one sequence and evaluation is
 * serial, so one request runs at a time; but a long analysis steps aside between
 * chunks for requests that arrived after it (another document, a few-shot batch),
 * which run to completion before it resumes. Requests that arrive while it is
 * aside wait for its next step, so it always gets on.
 */

/** A request as the scheduler sees it. */
export interface Job {
  readonly id: number;
  /** Whether it may run while an older request is paused (a model load may not: it replaces what the older one uses). */
  readonly overtakes: boolean;
  /** Runs the request and reports its outcome; never rejects. */
  run(): Promise<void>;
}

/** What the client is told: when a request's own stall clock runs. */
export type JobState = 'started' | 'paused';

export class RequestScheduler {
  private readonly waiting: Job[] = [];
  private draining?: Promise<void>;

  constructor(private readonly notify: (id: number, state: JobState) => void) {}

  /** Queue `job`; it starts when nothing runs, or at the next step of a pausing request. */
  submit(job: Job): void {
    this.waiting.push(job);
    this.draining ??= this.drain();
  }

  /** Resolves when nothing runs or waits. */
  async idle(): Promise<void> {
    while (this.draining) await this.draining;
  }

  /**
   * Called by the running request `id` between chunks: runs the overtaking
   * requests waiting now, in order. Resolves true if any ran (the caller must then
   * restore what the sequence held).
   */
  async step(id: number): Promise<boolean> {
    // Only requests queued before the first waiting load: one sent after a load expects the new model.
    const load = this.waiting.findIndex((j) => !j.overtakes);
    const now = (load < 0 ? this.waiting : this.waiting.slice(0, load)).filter((j) => j.overtakes);
    if (now.length === 0) return false;
    for (const job of now) this.waiting.splice(this.waiting.indexOf(job), 1);
    this.notify(id, 'paused');
    for (const job of now) await this.start(job);
    this.notify(id, 'started');
    return true;
  }

  private async drain(): Promise<void> {
    for (let job = this.waiting.shift(); job !== undefined; job = this.waiting.shift()) await this.start(job);
    // In the same turn as the empty check, so a later submit starts a new drain.
    this.draining = undefined;
  }

  private start(job: Job): Promise<void> {
    this.notify(job.id, 'started');
    return job.run();
  }
}
