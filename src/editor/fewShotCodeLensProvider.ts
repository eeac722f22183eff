/**
 * CodeLens on few-shot prompts: the detected structure above the header, each
 * example and the query, with the example's numbers once a sweep has run.
 */
import * as vscode from 'vscode';
import { formatBits } from '../core/format';
import { DEFAULT_FORECAST_LEVEL, forecastOf, type Forecast } from '../core/fewShot/forecast';
import { LOW_COVERAGE } from '../core/fewShot/posteriorMath';
import { Disposable } from './disposable';
import type { FewShotStore } from './fewShotStore';
import type { FewShotStructureController } from './fewShotStructureController';

/**
 * Per-example lenses beyond this many are left out: every lens crosses to the
 * renderer on each request, and 28,000 of them (a 1 MB prompt) were 8 MB of
 * messages that stalled the extension host for over a second.
 */
const MAX_EXAMPLE_LENSES = 500;

export class FewShotCodeLensProvider extends Disposable implements vscode.CodeLensProvider {
  private readonly changed = this.register(new vscode.EventEmitter<void>());
  readonly onDidChangeCodeLenses = this.changed.event;

  constructor(
    private readonly store: Pick<FewShotStore, 'result' | 'isCurrent' | 'onDidChange'>,
    private readonly structures: Pick<FewShotStructureController, 'whenParsed' | 'onDidParse'>,
    private readonly isPrompt: (doc: vscode.TextDocument) => boolean,
    private readonly forecastLevel: () => number = () => DEFAULT_FORECAST_LEVEL,
  ) {
    super();
    this.register(store.onDidChange(() => this.changed.fire()));
    this.register(structures.onDidParse(() => this.changed.fire()));
  }

  /** Waits for the debounced parse rather than parsing on the keystroke that asked. */
  async provideCodeLenses(doc: vscode.TextDocument, token?: vscode.CancellationToken): Promise<vscode.CodeLens[]> {
    const result = this.store.result(doc.uri);
    if (!this.isPrompt(doc) && !result) return [];
    const parsed = await this.structures.whenParsed(doc);
    const s = parsed?.structure;
    // A query with no example before it is no few-shot prompt: no "0 examples" lens.
    if (!s || s.examples.length === 0 || token?.isCancellationRequested) return [];
    // Numbers are shown only while they describe the text on screen.
    const sweep = result?.complete && this.store.isCurrent(doc) ? result : undefined;
    const at = (offset: number) => new vscode.Range(doc.positionAt(offset), doc.positionAt(offset));
    const lenses: vscode.CodeLens[] = [];
    const what = [
      `${s.examples.length} example${s.examples.length === 1 ? '' : 's'} (${s.shape}${s.declared ? ', front matter' : ''}${s.examples.length > MAX_EXAMPLE_LENSES ? `, lenses on the first ${MAX_EXAMPLE_LENSES}` : ''})`,
      s.target !== null ? `target ${JSON.stringify(s.target.trim()).slice(0, 40)}` : 'no target',
      s.candidates.length > 0 ? `candidates ${s.candidates.map((c) => c.name).join(' / ')}` : '',
    ].filter(Boolean).join(' · ');
    const top = at(s.bodyStart);
    lenses.push(new vscode.CodeLens(top, { title: `$(graph-line) Few-shot: ${what}`, command: 'iclLens.sweepExamples', arguments: [doc.uri], tooltip: 'Sweep k = 0..K examples and show the posterior panel' }));
    // A JSON chat declares its target and candidates in fields, not front matter.
    if (s.chat?.form !== 'json') lenses.push(new vscode.CodeLens(top, { title: 'Edit structure', command: 'iclLens.editFewShotStructure', arguments: [doc.uri], tooltip: 'Declare markers, target and candidates in front matter' }));
    s.examples.slice(0, MAX_EXAMPLE_LENSES).forEach((e, i) => {
      const ex = sweep?.examples[i];
      const numbers = ex
        ? `${ex.prequentialBits !== null ? ` · ${formatBits(ex.prequentialBits)} to encode` : ''}${ex.looDeltaBits !== null ? ` · leave-out Δ ${signed(ex.looDeltaBits)} bits${ex.looEffect === 'none' ? ' (no measurable effect)' : ex.looEffect ? ` (${ex.looEffect})` : ''}` : ''}${ex.informationGainBits !== null ? ` · gain ${ex.informationGainBits.toPrecision(2)} bits` : ''}`
        : '';
      lenses.push(new vscode.CodeLens(at(e.start), { title: `E${i + 1}${numbers}`, command: 'iclLens.showPanel', tooltip: 'Prequential bits: −log2 P(output | earlier examples, input). Leave-out Δ: change in log2 P(target) without this example.' }));
    });
    const last = sweep?.ks[sweep.ks.length - 1];
    const low = last?.coverage !== null && last?.coverage !== undefined && last.coverage < LOW_COVERAGE;
    const coverage = last?.coverage === null || last?.coverage === undefined ? ''
      : low ? ` · $(warning) answers the model does not expect (coverage ${last.coverage > 0 ? last.coverage.toExponential(1) : `2^−${last.coverageBits!.toFixed(0)}`})`
        : ` · coverage ${last.coverage.toPrecision(2)}`;
    const answer = last
      ? ` · ${last.targetBits !== null ? `P(target) ${(2 ** -last.targetBits).toPrecision(3)}` : ''}${Object.keys(last.posterior).length > 0 ? ` · ${Object.entries(last.posterior).map(([n, p]) => `${n} ${p.toFixed(2)}`).join(', ')}` : ''}${coverage}`
      : '';
    const forecast = sweep && sweep.target !== null ? forecastLens(forecastOf(sweep, this.forecastLevel())) : '';
    lenses.push(new vscode.CodeLens(at(s.query.start), {
      title: `Query${answer}${forecast}`,
      command: 'iclLens.showPanel',
      tooltip: low ? 'The candidates hold almost none of the model\'s probability here: their posterior is a choice between answers it does not expect, not confidence.' : 'Coverage: the probability the candidates hold together.',
    }));
    return lenses;
  }
}

function signed(x: number): string {
  return `${x >= 0 ? '+' : '−'}${Math.abs(x).toFixed(2)}`;
}

/** The forecast in a few words for the query's lens (the panel has the sentence). */
export function forecastLens(f: Forecast): string {
  if (f.k !== null) return ` · ${f.level} at k = ${f.k} (fitted law)`;
  switch (f.reason) {
    case 'ceiling below level': return ` · ${f.level} not reached (fit levels off at ${f.parameters!.inDistribution.toPrecision(3)})`;
    case 'beyond horizon': return ` · ${f.level} not reached by k = ${f.horizon}`;
    case 'poor fit': return ' · no forecast (poor fit)';
    case 'too few points': return ' · no forecast (too few k)';
    default: return '';
  }
}
