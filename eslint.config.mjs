// Lint, including the architecture's import boundaries (docs/architecture.md):
// core is pure, only src/model touches node-llama-cpp, VS Code stays in the glue.
import tseslint from 'typescript-eslint';

const restrict = (patterns) => ['error', { patterns }];
const noLlama = { group: ['node-llama-cpp', 'node-llama-cpp/*'], message: 'Only src/model may import node-llama-cpp.' };
const noVscode = { group: ['vscode'], message: 'VS Code APIs belong in src/editor, src/panel and src/extension.ts.' };
const noNode = { group: ['node:*', 'fs', 'path', 'os', 'child_process'], message: 'src/core is pure TypeScript: no Node APIs.' };
const noTests = { group: ['**/test/**', '**/bench/**'], message: 'Scripts and tools do not import tests; share code through tools/.' };
const noScripts = { group: ['**/scripts/**'], message: 'Tests and tools do not import scripts; share code through tools/.' };
const upward = (...zones) => ({ group: zones.map((z) => `**/${z}/*`), message: `Dependencies point one way: ${zones.join(', ')} may not be imported here.` });

export default tseslint.config(
  { ignores: ['dist/**', 'out/**', 'node_modules/**', '.cache/**', 'test-results/**', '.vscode-test/**'] },
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-require-imports': 'off',
    },
  },
  { files: ['src/**/*.ts'], rules: { 'no-console': 'error' } },
  { files: ['src/core/**/*.ts'], rules: { 'no-restricted-imports': restrict([noLlama, noVscode, noNode, upward('model', 'editor', 'panel', 'cli', 'shared')]) } },
  { files: ['src/model/**/*.ts'], rules: { 'no-restricted-imports': restrict([noVscode, upward('editor', 'panel', 'cli')]) } },
  // The panel reads the editor's stores and calls its PanelActions; the editor never reaches back into the panel.
  { files: ['src/editor/**/*.ts'], rules: { 'no-restricted-imports': restrict([noLlama, upward('panel', 'cli')]) } },
  { files: ['src/panel/**/*.ts', 'src/extension.ts'], rules: { 'no-restricted-imports': restrict([noLlama, upward('cli')]) } },
  { files: ['src/cli/**/*.ts'], rules: { 'no-restricted-imports': restrict([noLlama, noVscode, upward('editor', 'panel')]) } },
  { files: ['src/shared/**/*.ts'], rules: { 'no-restricted-imports': restrict([noLlama, noVscode, noNode, upward('model', 'editor', 'panel', 'cli')]) } },
  // Scripts and tests share code only through tools/: neither imports the other, and tools/ imports neither.
  { files: ['scripts/**'], rules: { 'no-restricted-imports': restrict([noTests]) } },
  { files: ['test/**', 'bench/**'], rules: { 'no-restricted-imports': restrict([noScripts]) } },
  { files: ['tools/**'], rules: { 'no-restricted-imports': restrict([noTests, noScripts]) } },
  { files: ['webview/**/*.ts'], rules: { 'no-restricted-imports': restrict([noLlama, noVscode, noNode, { group: ['**/src/core/*', '**/src/model/*', '**/src/editor/*', '**/src/panel/*', '**/src/cli/*'], message: 'The webview shares only src/shared with the host.' }]) } },
);
