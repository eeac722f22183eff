/** What the heatmap benchmarks share: the prompt they analyse and how they summarise repeats. */

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
