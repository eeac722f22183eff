/** The panel's few-shot view of a document, built from the store's record (fewShotView.ts does the numbers). */
import * as vscode from 'vscode';
import { FEW_SHOT_PROBES, type FewShotView } from '../shared/protocol';
import type { ComparedSweeps } from './comparedSweeps';
import type { FewShotStore } from './fewShotStore';
import { fewShotView } from './fewShotView';
import type { SettingsService } from './settingsService';

export class FewShotViewModel {
  /** Fires when a document's view may have changed. */
  readonly onDidChange: vscode.Event<vscode.Uri>;

  /** @param compared model B's sweeps, while a model comparison is shown (drawn beside A's). */
  constructor(
    private readonly store: Pick<FewShotStore, 'get' | 'onDidChange'>,
    private readonly settings: Pick<SettingsService, 'value'>,
    private readonly compared?: Pick<ComparedSweeps, 'get' | 'onDidChange'>,
  ) {
    this.onDidChange = compared ? either(store.onDidChange, compared.onDidChange) : store.onDidChange;
  }

  /**
   * What `doc`'s view is built from, but for progress, for comparison by
   * identity (`sameKey`): the runner replaces a record's fields when results
   * change (a new partial sweep, a new report), so equal keys mean an equal
   * view and a progress tick alone leaves the key as it was.
   */
  viewKey(doc: vscode.TextDocument | undefined): readonly unknown[] {
    const state = doc && this.store.get(doc.uri);
    if (!doc || !state) return [doc];
    const b = this.compared?.get(doc.uri);
    const probes = FEW_SHOT_PROBES.map((p) => state.probeVersions?.[p]);
    return [
      doc, doc.version, this.settings.value.fewShot.toleranceBits, this.settings.value.fewShot.forecastLevel, state.version, state.text, state.sweep, state.problem, state.loo, state.order, state.calibration, state.randomLabels, state.before, ...probes,
      b, b?.model, b?.version, b?.sweep, b?.memory, b?.problem,
    ];
  }

  /** The progress `doc`'s view shows: the run in flight, A's, else B's. */
  progress(doc: vscode.TextDocument | undefined): FewShotView['progress'] {
    const state = doc && this.store.get(doc.uri);
    if (!doc || !state) return undefined;
    return state.progress ?? (state.sweep ? this.compared?.get(doc.uri)?.progress : undefined);
  }

  /** The panel's view of `doc`'s results, if any. */
  view(doc: vscode.TextDocument | undefined): FewShotView | undefined {
    const state = doc && this.store.get(doc.uri);
    if (!doc || !state) return undefined;
    const document = vscode.workspace.asRelativePath(doc.uri);
    const stale = state.version !== doc.version;
    const staleProbes = FEW_SHOT_PROBES.filter((p) => state.probeVersions?.[p] !== undefined && state.probeVersions[p] !== doc.version);
    if (!state.sweep) {
      return {
        document, uri: doc.uri.toString(), model: '', complete: false, stale, staleProbes, target: null, candidates: [], lengthNormalized: false, reference: null,
        toleranceBits: this.settings.value.fewShot.toleranceBits, verdicts: {}, ks: [], examples: [], tokensEvaluated: 0, tokensMinimum: 0, looTokensEvaluated: 0,
        ...(state.progress ? { progress: state.progress } : {}), ...(state.problem ? { problem: state.problem } : {}),
      };
    }
    const b = this.compared?.get(doc.uri);
    return fewShotView({
      document, uri: doc.uri.toString(), text: state.text, sweep: state.sweep, stale, staleProbes,
      // One progress bar (and Cancel) for the run in flight: A's, else B's.
      progress: state.progress ?? b?.progress, problem: state.problem, forecastLevel: this.settings.value.fewShot.forecastLevel, loo: state.loo, order: state.order, calibration: state.calibration, randomLabels: state.randomLabels,
      ...(b ? { compared: { model: b.model, sweep: b.sweep, stale: b.version !== doc.version, memory: b.memory, problem: b.problem } } : {}),
      before: state.before?.version === doc.version ? state.before : undefined,
    });
  }
}

/** An event that fires when either `a` or `b` does. */
function either<T>(a: vscode.Event<T>, b: vscode.Event<T>): vscode.Event<T> {
  return (listener, thisArgs?, disposables?) => {
    const both = vscode.Disposable.from(a(listener, thisArgs), b(listener, thisArgs));
    disposables?.push(both);
    return both;
  };
}
