// The only module that touches @vscode/webview-ui-toolkit (archived upstream in
// 2025): swapping it for @vscode-elements/elements happens here alone.
import { provideVSCodeDesignSystem, vsCodeButton } from '@vscode/webview-ui-toolkit';

/** Register the toolkit components the panel uses. */
export function registerToolkit(): void {
  provideVSCodeDesignSystem().register(vsCodeButton());
}
