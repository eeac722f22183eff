/**
 * Keeps the runtime pointed at the model the settings name, and says which model
 * that is. Downloads go to the extension's global storage.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { Settings } from '../core/settings';
import { settingsLoadSpec } from '../model/loadSpecs';
import type { ModelRuntime } from '../model/runtimeClient';
import type { LoadSpec } from '../model/runtimeProtocol';
import { Disposable } from './disposable';
import type { SettingsService } from './settingsService';

export class ModelService extends Disposable {
  private readonly changed = this.register(new vscode.EventEmitter<void>());
  /** Fires when the model (or how it is run: threads, GPU, context, precision) changes; analyses from before are stale. */
  readonly onDidChangeModel = this.changed.event;
  private spec: LoadSpec;

  constructor(
    private readonly runtime: ModelRuntime,
    settings: SettingsService,
    private readonly storageDir: vscode.Uri,
    /** The project's own model, shipped in the extension: used when iclLens.model.path is empty. */
    private readonly builtinModel: string,
  ) {
    super();
    this.spec = this.specFor(settings.value);
    runtime.setModel(this.spec);
    this.register(settings.onDidChange((s) => {
      const next = this.specFor(s);
      if (JSON.stringify(next) === JSON.stringify(this.spec)) return;
      this.spec = next;
      runtime.setModel(next);
      this.changed.fire();
    }));
  }

  /** How the configured model is loaded (the runtime is set back to it when a download is abandoned). */
  get loadSpec(): LoadSpec {
    return this.spec;
  }

  /** Where downloaded and generated models are kept. */
  get modelsDir(): string {
    return path.join(this.storageDir.fsPath, 'models');
  }

  /** A short name for the configured model, for the status bar. */
  get label(): string {
    const source = this.spec.source;
    if (!source) return 'no model';
    if (source === this.builtinModel) return 'built-in wind-tunnel model';
    return /^(hf:|https?:)/i.test(source) ? source : path.basename(source);
  }

  get hasModel(): boolean {
    return this.spec.source.length > 0;
  }

  /** The configured source as iclLens.model.path spells it: '' for the built-in model. */
  get configuredSource(): string {
    return this.spec.source === this.builtinModel ? '' : this.spec.source;
  }

  /**
   * How `source` ('' for the built-in model) would be loaded with the current
   * settings: the runtime can try it before the setting changes, and a later
   * switch to the same spec keeps the model it loaded.
   */
  loadSpecFor(source: string): LoadSpec {
    return { ...this.spec, source: this.sourceOrBuiltin(source) };
  }

  private specFor(s: Settings): LoadSpec {
    return settingsLoadSpec(s, this.sourceOrBuiltin(s.modelPath), this.modelsDir);
  }

  private sourceOrBuiltin(source: string): string {
    return source || (fs.existsSync(this.builtinModel) ? this.builtinModel : '');
  }
}
