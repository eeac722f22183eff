/**
 * What "ICL Lens: Select Model" offers, with the model in use ticked. Pure
 * (no VS Code API) so the list can be checked on its own; modelPicker.ts turns
 * it into quick-pick items and runs the chosen action.
 */
import * as path from 'node:path';
import { cacheFolder } from '../model/worker/modelCache';

/** Small instruct models that run on a laptop CPU. Downloading is always the user's choice. */
export const RECOMMENDED_MODELS: ReadonlyArray<{ readonly label: string; readonly uri: string; readonly size: string }> = [
  { label: 'SmolLM2 135M Instruct (Q8_0)', uri: 'hf:bartowski/SmolLM2-135M-Instruct-GGUF:Q8_0', size: '145 MB' },
  { label: 'Qwen2.5 0.5B Instruct (Q8_0)', uri: 'hf:Qwen/Qwen2.5-0.5B-Instruct-GGUF:Q8_0', size: '530 MB' },
  { label: 'Llama 3.2 1B Instruct (Q4_K_M)', uri: 'hf:bartowski/Llama-3.2-1B-Instruct-GGUF:Q4_K_M', size: '810 MB' },
];

/** The file name of the generated random-weight model, in the models folder. */
export const GENERATED_MODEL_NAME = 'icl-lens-tiny-random.gguf';

/** What choosing an entry does. */
export type ModelAction =
  | { readonly kind: 'chooseFile' }
  | { readonly kind: 'enterSource' }
  | { readonly kind: 'builtin' }
  | { readonly kind: 'generate' }
  | { readonly kind: 'download'; readonly uri: string }
  /** Keep the model in use (the entry naming it when no other entry does). */
  | { readonly kind: 'keep' };

export interface ModelChoice {
  readonly label: string;
  readonly description?: string;
  readonly detail?: string;
  /** Whether this entry is the model in use (ticked, and says "current"). */
  readonly current: boolean;
  /** A separator line titled `label` when set; separators have no action. */
  readonly separator?: boolean;
  readonly action?: ModelAction;
}

export interface CurrentModel {
  /** The configured source: iclLens.model.path, '' for the built-in model. */
  readonly source: string;
  /** Where downloads and the generated model are kept. */
  readonly modelsDir: string;
}

const CURRENT = 'current';

/** The entries of the picker, the model in use ticked: the entry that names it, or one of its own at the top. */
export function modelChoices(current: CurrentModel): ModelChoice[] {
  const source = current.source.trim();
  const generated = path.join(current.modelsDir, GENERATED_MODEL_NAME);
  const isBuiltin = source === '';
  const isGenerated = !isBuiltin && samePath(source, generated);
  // A recommended model is stored as its cached file, in the folder named after its URI.
  const downloaded = RECOMMENDED_MODELS.find((m) => !isBuiltin && (source === m.uri || samePath(path.dirname(source), cacheFolder(current.modelsDir, m.uri))));
  const other = !isBuiltin && !isGenerated && downloaded === undefined;
  const mark = (label: string, icon: string, isCurrent: boolean) => `${isCurrent ? '$(check)' : icon} ${label}`;
  const describe = (isCurrent: boolean, rest?: string) => (isCurrent ? [CURRENT, rest].filter(Boolean).join(' · ') : rest);
  return [
    ...(other ? [{ label: mark(path.basename(source) || source, '', true), description: CURRENT, detail: source, current: true, action: { kind: 'keep' } } as const] : []),
    { label: '$(folder-opened) Choose a .gguf file…', current: false, action: { kind: 'chooseFile' } },
    { label: '$(edit) Enter a path, hf: URI or URL…', current: false, action: { kind: 'enterSource' } },
    { label: mark('Built-in wind-tunnel model', '$(package)', isBuiltin), description: describe(isBuiltin), detail: 'Ships with ICL Lens; trained on coin flips, noisy labels and bijections (see its model card).', current: isBuiltin, action: { kind: 'builtin' } },
    { label: mark('Generate a tiny random-weight model', '$(beaker)', isGenerated), description: describe(isGenerated), detail: 'Works offline; for trying the UI — its numbers mean nothing.', current: isGenerated, action: { kind: 'generate' } },
    { label: 'Download', separator: true, current: false },
    ...RECOMMENDED_MODELS.map((m): ModelChoice => {
      const isCurrent = m === downloaded;
      return { label: mark(m.label, '$(cloud-download)', isCurrent), description: describe(isCurrent, m.size), detail: m.uri, current: isCurrent, action: { kind: 'download', uri: m.uri } };
    }),
  ];
}

function samePath(a: string, b: string): boolean {
  return path.resolve(a) === path.resolve(b);
}
