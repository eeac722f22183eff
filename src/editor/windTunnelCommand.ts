/** "ICL Lens: Run Bayesian Wind Tunnel": the probe on the current model, stored for the panel to plot. */
import * as vscode from 'vscode';
import { withCancellableProgress } from './cancellableProgress';
import { WIND_TUNNEL_TASKS, type WindTunnelTaskName } from '../core/windTunnel/tasks';
import { REFERENCE, runWindTunnel, windTunnelVerdict } from '../core/windTunnel/windTunnelProbe';
import type { ModelRuntime } from '../model/runtimeClient';
import type { WindTunnelView } from '../shared/protocol';
import type { WindTunnelStore } from './windTunnelStore';

const TASKS: Record<WindTunnelTaskName, { label: string; detail: string }> = {
  coin: { label: 'Coin flips', detail: 'Uniform prior on p; the Bayes predictive is (n_H + 1) / (n + 2).' },
  labels: { label: 'Two noisy labels (SULA)', detail: 'Each shown label equals the hidden one with probability 0.8.' },
  bijection: { label: 'Bijection elimination', detail: 'A new key\'s value is uniform over the values not yet used.' },
  format: { label: 'Answer formats (cricket questions)', detail: 'A hidden format, query or English; each answer uses it with probability 0.9.' },
};

export class WindTunnelCommand {
  /** @param runs receives each finished run; the panel shows it from there. */
  constructor(private readonly runtime: ModelRuntime, private readonly runs: Pick<WindTunnelStore, 'set'>) {}

  /** Ask for a task (unless given), run the sequences with progress and cancel, and plot the result. */
  async run(options: { task?: WindTunnelTaskName; sequences?: number; seed?: number } = {}): Promise<WindTunnelView | undefined> {
    const task = options.task ?? (await vscode.window.showQuickPick(
      WIND_TUNNEL_TASKS.map((t) => ({ label: TASKS[t].label, detail: TASKS[t].detail, task: t })),
      { title: 'ICL Lens: Bayesian wind tunnel — choose a task' },
    ))?.task;
    if (task === undefined) return undefined;
    const sequences = options.sequences ?? 100;
    const seed = options.seed ?? 1;
    const report = await withCancellableProgress(`Wind tunnel: ${TASKS[task].label}`, (signal, progress) =>
      runWindTunnel({ task, sequences, seed }, (spec) => this.runtime.symbolMass(spec, { signal }), (done) => progress(done, sequences, `${done} / ${sequences} sequences`)));
    const view: WindTunnelView = {
      task, model: report.model.name, sequences, seed, meanKl: report.meanKl, meanEntropyError: report.meanEntropyError,
      pass: report.pass, verdict: windTunnelVerdict(report), positions: report.positions, reference: REFERENCE,
    };
    this.runs.set(view);
    const note = report.multiTokenSymbols.length > 0 ? ` Note: ${report.multiTokenSymbols.join(', ')} are not single tokens in this model.` : '';
    void vscode.window.showInformationMessage(
      `Wind tunnel (${TASKS[task].label}, ${sequences} sequences): ${windTunnelVerdict(report)}${note}`,
    );
    return view;
  }
}
