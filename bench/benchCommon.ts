/** What the benchmarks share: the prompt they analyse, how they time and summarise repeats, and the event-loop probe. */

export const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** Few-shot-looking text of at least `tokens` tokens. */
export function promptText(tokenize: (t: string) => number[], tokens: number): string {
  const subjects = ['the movie', 'this book', 'the service', 'our trip', 'the food', 'that song', 'the update', 'his answer'];
  const verdicts = ['was great', 'felt slow', 'made me happy', 'was a waste of time', 'surprised everyone', 'could be better'];
  let text = 'Classify the sentiment of each review.\n\n';
  for (let i = 0; tokenize(text).length < tokens; i++) {
    const positive = i % 3 !== 1;
    text += `Input: ${subjects[i % subjects.length]} ${verdicts[(i * 5) % verdicts.length]}, review ${i}.\nOutput: ${positive ? 'positive' : 'negative'}\n\n`;
  }
  // Trim whole lines until the count is just under the target, then pad with words.
  while (tokenize(text).length > tokens) text = text.slice(0, text.lastIndexOf(' '));
  return text;
}

/** The milliseconds `fn` took. */
export async function timeIt(fn: () => Promise<unknown>): Promise<number> {
  const t = performance.now();
  await fn();
  return performance.now() - t;
}

/**
 * The longest the event loop went without running a 2 ms timer, over the
 * periods it was started and stopped since the last `reset()` (periods
 * accumulate: reset between measurements that must not share a maximum).
 */
export class LoopLag {
  private timer?: NodeJS.Timeout;
  private last = 0;
  private longest = 0;

  /** The longest delay so far, in ms. */
  get max(): number {
    return this.longest;
  }

  /** Forget the periods measured so far. */
  reset(): void {
    this.longest = 0;
  }

  start(): void {
    this.last = performance.now();
    this.timer = setInterval(() => {
      const now = performance.now();
      this.longest = Math.max(this.longest, now - this.last - 2);
      this.last = now;
    }, 2);
  }

  /** Stops measuring; returns the longest delay since the last reset. */
  stop(): number {
    clearInterval(this.timer);
    this.longest = Math.max(this.longest, performance.now() - this.last - 2);
    return this.longest;
  }
}
