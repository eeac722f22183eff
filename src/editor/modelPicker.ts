/**
 * "ICL Lens: Select Model": a local .gguf, a generated demo model (offline), a
 * recommended small model to download, or any path / hf: URI / URL; the model
 * in use is ticked (modelChoices.ts).
 *
 * A choice is tried before it is saved: a local file must be a readable GGUF,
 * then the runtime loads it (downloading a remote one). Only a model that
 * loaded is written to iclLens.model.path; on any failure the runtime goes back
 * to the model in use, the setting stays, and the heatmap and hovers keep
 * describing that model.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { withCancellableProgress } from './cancellableProgress';
import { buildPresetModel } from '../core/gguf/modelPresets';
import type { ModelRuntime } from '../model/runtimeClient';
import { isCancellation, RuntimeError } from '../model/runtimeError';
import { isRemoteSource } from '../model/worker/modelCache';
import { checkModelFile } from '../model/worker/modelFile';
import { Disposable } from './disposable';
import { GENERATED_MODEL_NAME, modelChoices, type ModelAction, type ModelChoice } from './modelChoices';
import type { ModelService } from './modelService';

type Item = vscode.QuickPickItem & { readonly action?: ModelAction };

/** What `iclLens.selectModel` may be given instead of asking: a source to switch to ('' for the built-in model). */
export interface SelectModelRequest {
  readonly source?: string;
}

export class ModelPicker extends Disposable {
  private readonly offered = this.register(new vscode.EventEmitter<readonly ModelChoice[]>());
  /** Fires with the entries each time the picker is shown. */
  readonly onDidOffer = this.offered.event;
  private readonly switched = this.register(new vscode.EventEmitter<string>());
  /** Fires with the "now uses" message when a switch is saved. */
  readonly onDidSwitch = this.switched.event;

  constructor(private readonly models: ModelService, private readonly runtime: ModelRuntime) {
    super();
  }

  /**
   * Let the user choose (or take `request.source`), try the model, and save it
   * to the (machine-scoped) iclLens.model.path once it loaded. Resolves to the
   * saved source, or undefined when nothing changed; a refused model throws.
   */
  async pick(request?: SelectModelRequest): Promise<string | undefined> {
    if (typeof request?.source === 'string') return this.switchTo(request.source.trim());
    const source = await this.askSource(`ICL Lens: Select Model (current: ${this.models.label})`);
    return source === undefined ? undefined : this.switchTo(source);
  }

  /**
   * The picker's choices under `title`, resolved to a source ('' for the
   * built-in model; a generated model is written first); undefined when the
   * user keeps the model in use or dismisses the picker. Changes nothing.
   */
  async askSource(title: string): Promise<string | undefined> {
    const choices = modelChoices({ source: this.models.configuredSource, modelsDir: this.models.modelsDir });
    this.offered.fire(choices);
    const items: Item[] = choices.map((c) => (c.separator ? { label: c.label, kind: vscode.QuickPickItemKind.Separator } : { label: c.label, description: c.description, detail: c.detail, action: c.action }));
    const choice = await vscode.window.showQuickPick(items, { title, matchOnDetail: true });
    if (choice?.action === undefined) return undefined;
    return this.sourceFor(choice.action);
  }

  private async sourceFor(action: ModelAction): Promise<string | undefined> {
    switch (action.kind) {
      case 'chooseFile': return this.chooseFile();
      case 'enterSource': return this.enterSource();
      case 'builtin': return '';
      case 'generate': return this.generateDemo();
      case 'download': return action.uri;
      case 'keep': return undefined;
    }
  }

  /** Try `source` ('' for the built-in model) and save it once it loaded; the model in use stays on any failure. */
  private async switchTo(source: string): Promise<string | undefined> {
    if (source === this.models.configuredSource) {
      void vscode.window.showInformationMessage(`ICL Lens already uses ${this.currentName()}.`);
      return undefined;
    }
    const remote = isRemoteSource(source);
    // Refused before anything changes: a missing, unreadable or malformed file never reaches the runtime.
    if (source !== '' && !remote) this.refuseUnless(() => checkModelFile(source));
    const loadedPath = await this.tryLoad(source, remote);
    if (loadedPath === undefined) return undefined;
    // A download is saved as its cached file, so the next start needs no network.
    const saved = remote ? loadedPath : source;
    await vscode.workspace.getConfiguration('iclLens').update('model.path', saved === '' ? undefined : saved, vscode.ConfigurationTarget.Global);
    const message = `ICL Lens now uses ${saved === '' ? 'the built-in wind-tunnel model' : path.basename(saved)}.`;
    this.switched.fire(message);
    void vscode.window.showInformationMessage(message);
    return saved;
  }

  /**
   * Load `source` in the runtime with progress and cancel; returns the loaded
   * file, or undefined when cancelled. On cancel or failure the runtime goes back
   * to the configured model, which stays selected.
   */
  private async tryLoad(source: string, remote: boolean): Promise<string | undefined> {
    const previous = this.models.loadSpec;
    const title = remote ? `Downloading ${source}` : `Loading ${source === '' ? 'the built-in model' : path.basename(source)}`;
    return withCancellableProgress(title, async (signal, progress) => {
      this.runtime.setModel(this.models.loadSpecFor(source));
      try {
        const loaded = await this.runtime.ensureLoaded({
          signal,
          onProgress: (done, total, phase) => progress(done, total, phase === 'downloading model' ? megabytes(done, total) : phase),
        });
        return loaded.model.path;
      } catch (err) {
        this.runtime.setModel(previous);
        if (isCancellation(err)) return undefined;
        throw this.stillUsing(err);
      }
    });
  }

  private refuseUnless(check: () => void): void {
    try {
      check();
    } catch (err) {
      throw this.stillUsing(err);
    }
  }

  /** `err` with a sentence saying which model stays in use. */
  private stillUsing(err: unknown): RuntimeError {
    const code = err instanceof RuntimeError ? err.code : 'model';
    const message = err instanceof Error ? err.message : String(err);
    return new RuntimeError(code, `${message.replace(/\s*$/, '')}${/[.!?)]$/.test(message.trim()) ? '' : '.'} ICL Lens still uses ${this.currentName()}.`);
  }

  private currentName(): string {
    return this.models.configuredSource === '' ? 'the built-in wind-tunnel model' : this.models.label;
  }

  private async chooseFile(): Promise<string | undefined> {
    const files = await vscode.window.showOpenDialog({ canSelectMany: false, filters: { 'GGUF models': ['gguf'] }, title: 'Choose a GGUF model' });
    return files?.[0]?.fsPath;
  }

  private async enterSource(): Promise<string | undefined> {
    return vscode.window.showInputBox({
      title: 'Model path, hf: URI or URL',
      placeHolder: '/path/to/model.gguf or hf:user/repo:Q8_0',
      validateInput: (v) => (v.trim().length === 0 ? 'Enter a path, an hf: URI or an https URL' : undefined),
    }).then((v) => v?.trim());
  }

  private async generateDemo(): Promise<string> {
    const file = path.join(this.models.modelsDir, GENERATED_MODEL_NAME);
    if (!fs.existsSync(file)) {
      fs.mkdirSync(path.dirname(file), { recursive: true });
      fs.writeFileSync(`${file}.tmp`, Buffer.concat(buildPresetModel('tiny')));
      fs.renameSync(`${file}.tmp`, file);
    }
    return file;
  }
}

function megabytes(done: number, total: number): string {
  return total > 0 ? `${(done / 1e6).toFixed(0)} / ${(total / 1e6).toFixed(0)} MB` : `${(done / 1e6).toFixed(0)} MB`;
}
