/**
 * "ICL Lens: Select Model": a local .gguf, a generated demo model (offline), a
 * recommended small model to download, or any path / hf: URI / URL.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { withCancellableProgress } from './cancellableProgress';
import { buildPresetModel } from '../core/gguf/modelPresets';
import type { ModelRuntime } from '../model/runtimeClient';
import { isCancellation } from '../model/runtimeError';
import type { ModelService } from './modelService';

/** Small instruct models that run on a laptop CPU. Downloading is always the user's choice. */
export const RECOMMENDED_MODELS: ReadonlyArray<{ readonly label: string; readonly uri: string; readonly size: string }> = [
  { label: 'SmolLM2 135M Instruct (Q8_0)', uri: 'hf:bartowski/SmolLM2-135M-Instruct-GGUF:Q8_0', size: '145 MB' },
  { label: 'Qwen2.5 0.5B Instruct (Q8_0)', uri: 'hf:Qwen/Qwen2.5-0.5B-Instruct-GGUF:Q8_0', size: '530 MB' },
  { label: 'Llama 3.2 1B Instruct (Q4_K_M)', uri: 'hf:bartowski/Llama-3.2-1B-Instruct-GGUF:Q4_K_M', size: '810 MB' },
];

type Pick = vscode.QuickPickItem & { readonly run: () => Promise<string | undefined> };

export class ModelPicker {
  constructor(private readonly models: ModelService, private readonly runtime: ModelRuntime) {}

  /** Let the user choose; the choice is saved to the (machine-scoped) iclLens.model.path. */
  async pick(): Promise<void> {
    const items: Array<Pick | vscode.QuickPickItem> = [
      { label: '$(folder-opened) Choose a .gguf file…', run: () => this.chooseFile() },
      { label: '$(edit) Enter a path, hf: URI or URL…', run: () => this.enterSource() },
      { label: '$(package) Built-in wind-tunnel model', detail: 'Ships with ICL Lens; trained on coin flips, noisy labels and bijections (see its model card).', run: async () => '' },
      { label: '$(beaker) Generate a tiny random-weight model', detail: 'Works offline; for trying the UI — its numbers mean nothing.', run: () => this.generateDemo() },
      { label: 'Download', kind: vscode.QuickPickItemKind.Separator },
      ...RECOMMENDED_MODELS.map((m): Pick => ({ label: `$(cloud-download) ${m.label}`, description: m.size, detail: m.uri, run: () => this.download(m.uri) })),
    ];
    const choice = await vscode.window.showQuickPick(items, { title: `ICL Lens: Select Model (current: ${this.models.label})`, matchOnDetail: true });
    if (choice === undefined || !('run' in choice)) return;
    const source = await choice.run();
    if (source === undefined) return;
    // An empty path selects the built-in model.
    await vscode.workspace.getConfiguration('iclLens').update('model.path', source === '' ? undefined : source, vscode.ConfigurationTarget.Global);
    void vscode.window.showInformationMessage(`ICL Lens now uses ${source === '' ? 'the built-in wind-tunnel model' : path.basename(source)}.`);
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
    const file = path.join(this.models.modelsDir, 'icl-lens-tiny-random.gguf');
    if (!fs.existsSync(file)) {
      fs.mkdirSync(path.dirname(file), { recursive: true });
      fs.writeFileSync(`${file}.tmp`, Buffer.concat(buildPresetModel('tiny')));
      fs.renameSync(`${file}.tmp`, file);
    }
    return file;
  }

  /**
   * Download through the runtime with progress and cancel; returns the local
   * file. Cancel stops the download in the worker; on cancel or failure the
   * runtime goes back to the configured model, which stays selected.
   */
  private async download(uri: string): Promise<string | undefined> {
    const previous = this.models.loadSpec;
    return withCancellableProgress(`Downloading ${uri}`, async (signal, progress) => {
      this.runtime.setModel({ ...previous, source: uri, downloadDir: this.models.modelsDir });
      try {
        const loaded = await this.runtime.ensureLoaded({
          signal,
          onProgress: (done, total) => progress(done, total, total > 0 ? `${(done / 1e6).toFixed(0)} / ${(total / 1e6).toFixed(0)} MB` : `${(done / 1e6).toFixed(0)} MB`),
        });
        return loaded.model.path;
      } catch (err) {
        this.runtime.setModel(previous);
        if (isCancellation(err)) return undefined;
        throw err;
      }
    });
  }
}
