/**
 * What the user is told when an analysis computed surprisal only (the exact-map
 * route asked for the `surprisal` reading): which numbers are missing, why, and
 * how to get them, in one line.
 */
import type { AnalysisRoute } from './analysis';

/** The editor's way to the full reading. */
export const EDITOR_FULL_READING = 'The entropy metric (ICL Lens: Switch Heatmap Metric)';
/** The CLI's way to the full reading. */
export const CLI_FULL_READING = '--metric entropy';

/** The line for an analysis of `route`, or null when everything was computed; `how` says what computes the rest. */
export function notComputedNotice(route: Pick<AnalysisRoute, 'reading'>, how: string): string | null {
  if (route.reading === 'all') return null;
  return `Entropy, rank and alternatives not computed: without the native addon they cost 9–28× plain evaluation, and surprisal does not need them. ${how} computes them.`;
}
