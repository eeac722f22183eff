/** The panel's HTML: one pure function, strict CSP, scripts only by nonce. */

export interface PanelHtmlInput {
  readonly cspSource: string;
  readonly nonce: string;
  readonly scriptUri: string;
  readonly styleUri: string;
}

const escape = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

export function panelHtml({ cspSource, nonce, scriptUri, styleUri }: PanelHtmlInput): string {
  const csp = [
    "default-src 'none'",
    `img-src ${cspSource} data:`,
    `style-src ${cspSource}`,
    `font-src ${cspSource}`,
    `script-src 'nonce-${nonce}'`,
  ].join('; ');
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${escape(csp)}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${escape(styleUri)}">
<title>ICL Lens</title>
</head>
<body>
<header>
  <h1>ICL Lens</h1>
  <vscode-button id="analyze" appearance="secondary">Analyze active prompt</vscode-button>
</header>
<p id="summary" class="muted">Open a prompt and run “ICL Lens: Analyze Prompt”.</p>
<div class="chart"><canvas id="tokens" role="img" aria-label="Entropy and surprisal per token"></canvas></div>
<section id="wind-tunnel" hidden>
  <h2>Bayesian wind tunnel</h2>
  <p id="wind-tunnel-summary"></p>
  <div class="chart"><canvas id="wind-tunnel-chart" role="img" aria-label="Wind-tunnel error per position"></canvas></div>
</section>
<script nonce="${escape(nonce)}" src="${escape(scriptUri)}"></script>
</body>
</html>`;
}
