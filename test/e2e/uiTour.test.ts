/**
 * What a person sees, in a real VS Code (code-server in headless Chromium) with
 * the packaged VSIX installed: the heatmap on a demo prompt, a hover, a command
 * from the palette, the panel's chart, the few-shot posterior panel and a chat
 * file rendered with a chat template, all on the built-in model (the default). Screenshots of each step go to
 * test-results/. Run `npm run package` first (the VSIX is the artifact users get).
 */
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { errors, type BrowserContext, type FrameLocator, type Page } from 'playwright-core';
import { REPO_ROOT } from '../support/fixtures';

const { launchBrowser, startCodeServer } = require(path.join(REPO_ROOT, 'tools', 'codeServer.js'));

const RESULTS = path.join(REPO_ROOT, 'test-results');
const pkg = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8'));
const VSIX = process.env.ICL_LENS_VSIX ?? path.join(REPO_ROOT, `${pkg.name}-${process.platform}-${process.arch}-${pkg.version}.vsix`);

/**
 * Wait for a condition (a Playwright wait with its own timeout); at the deadline
 * carry on instead of throwing, so that the step still takes its screenshot and
 * its assertion says what was on screen.
 */
async function waitAllowingTimeout(condition: Promise<unknown>): Promise<void> {
  await condition.catch((err: unknown) => {
    if (!(err instanceof errors.TimeoutError)) throw err;
  });
}

interface Coverage {
  readonly elements: number;
  readonly fraction: number;
}

/**
 * Runs in the page: the coloured backgrounds on the editor's first line and the
 * fraction of its width they cover, once that is at least `min` (null before, so
 * that waitForFunction keeps waiting). Decorations with a background are overlay
 * elements, and adjacent tokens of one level share one: measure widths, not count.
 */
function lineCoverage(min: number): Coverage | null {
  const line = document.querySelector('.editor-instance .view-lines .view-line span');
  const width = line?.getBoundingClientRect().width ?? 0;
  const coloured = [...document.querySelectorAll('.editor-instance .view-overlays .cdr')]
    .filter((e) => !/rgba\(0, 0, 0, 0\)|transparent/.test(getComputedStyle(e).backgroundColor));
  const fraction = width > 0 ? coloured.reduce((a, e) => a + e.getBoundingClientRect().width, 0) / width : 0;
  return fraction >= min ? { elements: coloured.length, fraction } : null;
}

/** Runs in the webview: the painted pixels of the canvas `selector`, once at least `min` (0 before). */
function paintedPixels({ selector, min }: { selector: string; min: number }): number {
  const c = document.querySelector<HTMLCanvasElement>(selector);
  const data = c?.getContext('2d')?.getImageData(0, 0, c.width, c.height).data ?? [];
  let n = 0;
  for (let i = 3; i < data.length; i += 4) if (data[i] > 0) n++;
  return n >= min ? n : 0;
}

async function shot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: path.join(RESULTS, `${name}.png`) });
}

/** The centre of `word`'s first occurrence in the editor's rendered lines (of its first `chars` characters, if given). */
async function wordCentre(page: Page, word: string, chars = word.length): Promise<{ x: number; y: number }> {
  const box = await page.evaluate(({ w, n: chars }) => {
    const walker = document.createTreeWalker(document.querySelector('.editor-instance .view-lines')!, NodeFilter.SHOW_TEXT);
    for (let n = walker.nextNode(); n; n = walker.nextNode()) {
      // Monaco renders spaces as no-break spaces: one character for one, so offsets hold.
      const text = (n.textContent ?? '').replace(/\u00a0/g, ' ');
      const at = text.indexOf(w);
      if (at < 0) continue;
      const range = document.createRange();
      range.setStart(n, at);
      range.setEnd(n, at + chars);
      const r = range.getBoundingClientRect();
      return { x: r.x + r.width / 2, y: r.y + r.height / 2 };
    }
    return null;
  }, { w: word, n: chars });
  assert.ok(box, `"${word}" is on screen`);
  return box;
}

/**
 * Open a workspace file through Quick Open and wait for its editor. `query` is a
 * name, or a relative path where recently opened files with a similar name would
 * rank first (Quick Open puts history before matches).
 */
async function openFile(page: Page, query: string): Promise<void> {
  const name = path.basename(query);
  await page.keyboard.press('Control+P');
  await page.locator('.quick-input-widget input').waitFor({ state: 'visible' });
  await page.keyboard.type(query);
  const row = page.locator('.quick-input-list .monaco-list-row', { hasText: name }).first();
  await row.waitFor({ state: 'visible', timeout: 30_000 });
  await row.click();
  await page.locator('.tab.active', { hasText: name }).waitFor({ state: 'visible', timeout: 30_000 });
  await page.locator('.editor-instance .view-lines .view-line').first().waitFor({ state: 'visible' });
}

/** Open the command palette; where a webview (a walkthrough's media) kept the key, click the status bar's empty middle and press again. */
async function openPalette(page: Page): Promise<void> {
  const input = page.locator('.quick-input-widget input');
  for (let attempt = 0; attempt < 3; attempt++) {
    await page.keyboard.press('F1');
    if (await input.waitFor({ state: 'visible', timeout: 5_000 }).then(() => true, () => false)) return;
    const bar = (await page.locator('.part.statusbar').boundingBox())!;
    await page.mouse.click(bar.x + bar.width / 2, bar.y + bar.height / 2);
  }
  await input.waitFor({ state: 'visible' });
}

/**
 * Run a command by its title from the palette (the first row, or the row that
 * matches `row`); once more where a focus change (a closing webview) closed the
 * palette while typing.
 */
async function runCommand(page: Page, title: string, row?: RegExp): Promise<void> {
  const target = page.locator('.quick-input-list .monaco-list-row', row ? { hasText: row } : {}).first();
  for (let attempt = 0; attempt < 3; attempt++) {
    await openPalette(page);
    await page.keyboard.type(title);
    if (!(await target.waitFor({ state: 'visible', timeout: 10_000 }).then(() => true, () => false))) {
      await page.keyboard.press('Escape');
      continue;
    }
    if (!row) return page.keyboard.press('Enter');
    if (await target.click({ timeout: 5_000 }).then(() => true, () => false)) return;
  }
  assert.fail(`could not run "${title}" from the palette`);
}

/** Open `name`, run the sweep from the palette (notifications cleared so they cover no chart), and return the panel's frame. */
async function sweepFromPalette(page: Page, name: string): Promise<FrameLocator> {
  await runCommand(page, 'Notifications: Clear All Notifications');
  await openFile(page, name);
  await page.locator('.editor-instance .view-lines .view-line').first().click();
  await runCommand(page, 'ICL Lens: Sweep Few-Shot Examples');
  return page.frameLocator('iframe.webview.ready').frameLocator('iframe#active-frame');
}

/** The themes the tour photographs: the file-name tag, the theme's label and the workbench's class for it. */
const THEMES = [
  { tag: 'dark', label: 'Default Dark Modern', workbench: 'vs-dark' },
  { tag: 'light', label: 'Default Light Modern', workbench: 'vs' },
  { tag: 'high-contrast', label: 'Default High Contrast', workbench: 'hc-black' },
] as const;

/** Switch the colour theme through its picker, as a person does, and wait for the workbench to wear it. */
async function setTheme(page: Page, theme: (typeof THEMES)[number]): Promise<void> {
  await runCommand(page, 'Preferences: Color Theme', /^Preferences: Color Theme/);
  await page.locator('.quick-input-widget input').waitFor({ state: 'visible' });
  await page.keyboard.type(theme.label);
  // The picker keeps "Browse Additional Color Themes…" first: pick the theme's own row (not its Light twin).
  await page.locator('.quick-input-list .monaco-list-row', { hasText: new RegExp(`${theme.label}(?! Light)`) }).first().click();
  await page.locator(`.monaco-workbench.${theme.workbench}`).waitFor({ state: 'attached', timeout: 15_000 });
}

/** Hover `word` in the editor and return the ICL Lens hover once it shows. */
async function hoverWord(page: Page, word: string) {
  const { x, y } = await wordCentre(page, word);
  await page.mouse.move(x - 40, y);
  await page.mouse.move(x, y, { steps: 5 });
  const hover = page.locator('.monaco-hover:not(.hidden)', { hasText: /rank \d/ }).first();
  await hover.waitFor({ state: 'visible', timeout: 20_000 });
  return hover;
}

/** The webview frame of the editor tab whose webview holds `selector` (the panel and the continuation view are both webviews). */
async function webviewWith(page: Page, selector: string): Promise<FrameLocator> {
  const frames = page.locator('iframe.webview.ready');
  for (let attempt = 0; attempt < 60; attempt++) {
    const n = await frames.count();
    for (let i = 0; i < n; i++) {
      const frame = frames.nth(i).contentFrame().frameLocator('iframe#active-frame');
      if ((await frame.locator(selector).count()) > 0) return frame;
    }
    await page.waitForTimeout(500);
  }
  assert.fail(`no webview shows ${selector}`);
}

describe('UI tour with the packaged VSIX', { timeout: 300_000 }, () => {
  let server: { url: () => string; stop: () => void; scratch: string };
  let browser: BrowserContext;
  let page: Page;

  before(async () => {
    assert.ok(fs.existsSync(VSIX), `${VSIX} exists (run npm run package)`);
    fs.mkdirSync(RESULTS, { recursive: true });
    const workspace = fs.mkdtempSync(path.join(os.tmpdir(), 'icl-lens-ui-workspace-'));
    fs.cpSync(path.join(REPO_ROOT, 'demo'), workspace, { recursive: true });
    // A chat in the built-in model's own language: coin flips as messages.
    fs.mkdirSync(path.join(workspace, 'chat'));
    fs.writeFileSync(path.join(workspace, 'chat', 'coin.chat.json'), `${JSON.stringify([
      { role: 'user', content: 'flips: H H T H H H T H' },
      { role: 'assistant', content: 'flips: H H T H H H T H H' },
      { role: 'user', content: 'flips: H H T H H H T H H H H T H H' },
    ], null, 2)}\n`);
    // A repository with one commit, so that Compare With Previous Version has a HEAD to compare with.
    const git = (...args: string[]) => execFileSync('git', ['-c', 'user.email=tour@icl-lens.invalid', '-c', 'user.name=tour', ...args], { cwd: workspace, stdio: 'ignore' });
    git('init', '-q');
    git('add', '-A');
    git('commit', '-qm', 'demo');
    server = await startCodeServer({ workspace, vsix: [VSIX], settings: { 'workbench.colorTheme': 'Default Dark Modern' } });
    browser = await launchBrowser(server.scratch);
    page = browser.pages()[0] ?? (await browser.newPage());
    await page.goto(server.url());
    await page.locator('.monaco-workbench').waitFor({ state: 'visible', timeout: 60_000 });
  });

  after(async () => {
    await browser?.close().catch(() => undefined);
    server?.stop();
  });

  it('paints the heatmap on a demo prompt', async () => {
    // The built-in model's own language (coin flips): its colours mean something there.
    await openFile(page, 'coin.icl.txt');
    await waitAllowingTimeout(page.waitForFunction(lineCoverage, 0.8, { timeout: 90_000 }));
    const { elements, fraction } = (await page.evaluate(lineCoverage, 0))!;
    await shot(page, '01-heatmap');
    assert.ok(fraction >= 0.8 && elements >= 2, `${elements} coloured backgrounds over ${(fraction * 100).toFixed(0)}% of the line`);
    await page.locator('.statusbar-item', { hasText: 'ppl' }).first().waitFor({ state: 'visible', timeout: 30_000 });
  });

  it('shows a hover with the token numbers and alternatives', async () => {
    const { x, y } = await wordCentre(page, 'flips');
    await page.mouse.move(x - 40, y);
    await page.mouse.move(x, y, { steps: 5 });
    const hover = page.locator('.monaco-hover:not(.hidden) .hover-contents', { hasText: 'ICL Lens' }).first();
    await hover.waitFor({ state: 'visible', timeout: 20_000 });
    const text = await hover.innerText();
    await shot(page, '02-hover');
    assert.match(text, /surprisal/);
    assert.match(text, /entropy/);
    assert.match(text, /rank/);
    assert.match(text, /level [0-7] of 7/);
    assert.match(text, /what next\? · continue/);
    assert.equal((text.match(/^ ?\d+ {2}/gm) ?? []).length, 10, 'ten alternatives');
    await page.mouse.move(5, 5);
  });

  it('runs What Comes Next? from the command palette', async () => {
    await page.locator('.editor-instance .view-lines').first().click();
    await page.keyboard.press('Control+End');
    await runCommand(page, 'ICL Lens: What Comes Next');
    const title = page.locator('.quick-input-title', { hasText: 'What comes next' });
    await title.waitFor({ state: 'visible', timeout: 30_000 });
    const rows = await page.locator('.quick-input-list .monaco-list-row').count();
    await shot(page, '03-what-comes-next');
    // The list is virtualised: the rows on screen, not all ten, are in the DOM.
    assert.ok(rows >= 5, `${rows} rows`);
    assert.match(await page.locator('.quick-input-list .monaco-list-row').first().innerText(), /p \d/);
    await page.keyboard.press('Escape');
  });

  it('opens the panel and paints its chart', async () => {
    await runCommand(page, 'ICL Lens: Show Panel');
    const frame = page.frameLocator('iframe.webview.ready').frameLocator('iframe#active-frame');
    const canvas = frame.locator('canvas#tokens');
    await canvas.waitFor({ state: 'visible', timeout: 30_000 });
    // The webview's own frame, where the canvas is measured (by selector, so a redrawn canvas counts too).
    const webview = (await (await canvas.elementHandle())!.ownerFrame())!;
    const chart = { selector: 'canvas#tokens', min: 1000 };
    await waitAllowingTimeout(webview.waitForFunction(paintedPixels, chart, { timeout: 30_000 }));
    await shot(page, '04-panel');
    await canvas.screenshot({ path: path.join(RESULTS, '05-panel-chart.png') });
    assert.ok((await webview.evaluate(paintedPixels, chart)) >= 1000, 'the chart has pixels');
    assert.match(await frame.locator('#summary').innerText(), /perplexity/);
    // The heatmap's legend strip: a swatch and a range per level.
    const legend = frame.locator('#heatmap-legend');
    await legend.screenshot({ path: path.join(RESULTS, '05b-panel-legend.png') });
    assert.equal(await legend.locator('.heatmap-legend-item').count(), 8);
  });

  it('says so, instead of calm colours, where the model cannot read the prompt', async () => {
    // English prose: the built-in model reads it worse than guessing among its 313 tokens.
    await openFile(page, 'sentiment.prompt');
    const item = page.locator('.statusbar-item', { hasText: 'cannot read this text' }).first();
    await item.waitFor({ state: 'visible', timeout: 60_000 });
    const frame = page.frameLocator('iframe.webview.ready').frameLocator('iframe#active-frame');
    const notice = frame.locator('#document-notice');
    await notice.waitFor({ state: 'visible', timeout: 30_000 });
    await shot(page, '08-unreadable');
    assert.match(await notice.innerText(), /cannot read this text: its mean surprisal .* no better than guessing uniformly among its 313 tokens/);
    const coloured = await page.evaluate(() => [...document.querySelectorAll('.editor-instance .view-overlays .cdr')]
      .filter((e) => !/rgba\(0, 0, 0, 0\)|transparent/.test(getComputedStyle(e).backgroundColor)).length);
    assert.equal(coloured, 0, 'no colours over a text the model cannot read');
  });

  it('sweeps a few-shot demo and paints the posterior panel', async () => {
    const frame = await sweepFromPalette(page, 'labels-sweep.icl.txt');
    const section = frame.locator('section#few-shot');
    await section.waitFor({ state: 'visible', timeout: 60_000 });
    const posterior = frame.locator('canvas#few-shot-posterior');
    await posterior.waitFor({ state: 'visible', timeout: 60_000 });
    await frame.locator('#few-shot-progress').waitFor({ state: 'hidden', timeout: 60_000 });
    await frame.locator('#few-shot-heading').evaluate((e) => e.scrollIntoView());
    // Probe charts stay hidden until their probe runs: check the charts on screen.
    const visible = frame.locator('#few-shot-charts figure:not([hidden]) canvas');
    const canvases = await visible.count();
    const painted = await visible.evaluateAll((cs) => (cs as HTMLCanvasElement[]).map((c) => {
      const data = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
      let n = 0;
      for (let i = 3; i < data.length; i += 4) if (data[i] > 0) n++;
      return n;
    }));
    // The CodeLens above each example carries its numbers once the sweep is in.
    await page.locator('.codelens-decoration', { hasText: 'bits to encode' }).first().waitFor({ state: 'visible', timeout: 30_000 });
    await shot(page, '06-posterior-panel');
    await posterior.screenshot({ path: path.join(RESULTS, '07-posterior-chart.png') });
    assert.ok(canvases >= 5, `${canvases} few-shot charts`);
    for (const [i, n] of painted.entries()) assert.ok(n >= 1000, `chart ${i} has ${n} painted pixels`);
    // The headline speaks of the prompt; the cache's reuse ratio sits in the details fold.
    assert.match(await frame.locator('#few-shot-summary').innerText(), /labels-sweep\.icl\.txt: 9 examples/);
    assert.match((await frame.locator('#few-shot-details #few-shot-cost').textContent()) ?? '', /ratio/);
    // Each chart says in words what it found.
    assert.match(await frame.locator('figure[data-chart="posterior"] .few-shot-verdict').innerText(), /At k = 9 the model puts .*within the 0\.1-bit pass line/);
    assert.match(await frame.locator('figure[data-chart="loo"] .few-shot-verdict').innerText(), /measurable effect|lowers P\(target\)|helps/);
  });

  it('sweeps the cricket demo: the query format\'s mass follows the analytic posterior', async () => {
    const frame = await sweepFromPalette(page, 'cricket-sweep.icl.txt');
    await frame.locator('canvas#few-shot-posterior').waitFor({ state: 'visible', timeout: 60_000 });
    await frame.locator('#few-shot-progress').waitFor({ state: 'hidden', timeout: 60_000 });
    const verdict = frame.locator('figure[data-chart="posterior"] .few-shot-verdict');
    await frame.locator('figure[data-chart="posterior"]').scrollIntoViewIfNeeded();
    await page.locator('.codelens-decoration', { hasText: 'bits to encode' }).first().waitFor({ state: 'visible', timeout: 30_000 });
    await shot(page, '15-cricket-sweep');
    await frame.locator('figure[data-chart="posterior"]').screenshot({ path: path.join(RESULTS, '16-cricket-posterior.png') });
    assert.match(await frame.locator('#few-shot-summary').innerText(), /cricket-sweep\.icl\.txt: 6 examples/);
    assert.match(await verdict.innerText(), /At k = 6 the model puts .*Largest KL to the analytic format posterior: .* \(within the 0\.1-bit pass line\)/s);
  });

  it('warns where the candidates are answers the model does not expect', async () => {
    const frame = await sweepFromPalette(page, 'unexpected-answers.icl.txt');
    const verdict = frame.locator('figure[data-chart="posterior"] .few-shot-verdict.tone-warn');
    await verdict.waitFor({ state: 'visible', timeout: 60_000 });
    await frame.locator('#few-shot-progress').waitFor({ state: 'hidden', timeout: 60_000 });
    await frame.locator('figure[data-chart="posterior"]').scrollIntoViewIfNeeded();
    await shot(page, '09-low-coverage');
    await frame.locator('figure[data-chart="posterior"]').screenshot({ path: path.join(RESULTS, '10-low-coverage-chart.png') });
    assert.match(await verdict.innerText(), /answers the model does not expect, it is not confidence/);
  });

  it('compares an edited prompt with its git HEAD: Δ per token, and the hover says before and after', async () => {
    await runCommand(page, 'Notifications: Clear All Notifications');
    await openFile(page, 'fewshot/labels-sweep.icl.txt');
    // An edit, as a person makes one: one more label at the end of the examples' line.
    await page.locator('.editor-instance .view-lines').first().click();
    await page.keyboard.press('Control+End');
    await page.keyboard.press('ArrowUp');
    await page.keyboard.press('End');
    await page.keyboard.type(' B');
    await runCommand(page, 'ICL Lens: Compare With Previous Version');
    await page.locator('.quick-input-list .monaco-list-row', { hasText: 'HEAD' }).first().click();
    const toast = page.locator('.notifications-toasts .notification-toast', { hasText: 'compared with HEAD' }).first();
    await toast.waitFor({ state: 'visible', timeout: 60_000 });
    // In the body (the front matter above also says "labels", and is not analysed).
    const hover = await hoverWord(page, 'A A B');
    await shot(page, '11-compare-revisions');
    assert.match(await hover.innerText(), /HEAD/);
    assert.match(await toast.innerText(), /matched/);
    await page.mouse.move(5, 5);
    await runCommand(page, 'ICL Lens: Clear Comparison');
    await runCommand(page, 'File: Revert File');
  });

  it('compares the prompt under a second model: KL or Δ surprisal per token, both models in the hover', async () => {
    await runCommand(page, 'Notifications: Clear All Notifications');
    await openFile(page, 'fewshot/labels-sweep.icl.txt');
    await runCommand(page, 'ICL Lens: Compare With Model');
    await page.locator('.quick-input-list .monaco-list-row', { hasText: 'Generate a tiny random-weight model' }).first().click();
    const toast = page.locator('.notifications-toasts .notification-toast', { hasText: ' vs ' }).first();
    await toast.waitFor({ state: 'visible', timeout: 90_000 });
    const { x, y } = await wordCentre(page, 'A A B');
    await page.mouse.move(x - 40, y);
    await page.mouse.move(x, y, { steps: 5 });
    const hover = page.locator('.monaco-hover:not(.hidden) .hover-contents', { hasText: 'compare' }).first();
    await hover.waitFor({ state: 'visible', timeout: 20_000 });
    await shot(page, '12-compare-models');
    assert.match(await hover.innerText(), /A: .*B: /s);
    assert.match(await toast.innerText(), /Loaded (together|one after the other)/);
    await page.mouse.move(5, 5);
    await runCommand(page, 'ICL Lens: Clear Model Comparison');
  });

  it('renders a chat file with the chat template the user picks, paints its messages and names the role header in the hover', async () => {
    // The editor at full width (the panel closed), so the hover keeps each of its lines on one line.
    await runCommand(page, 'View: Close All Editors');
    await runCommand(page, 'Notifications: Clear All Notifications');
    await openFile(page, 'coin.chat.json');
    // The built-in model has no chat template of its own: ICL Lens asks how to render chat files.
    const toast = page.locator('.notifications-toasts .notification-toast', { hasText: 'has no chat template' }).first();
    await toast.waitFor({ state: 'visible', timeout: 60_000 });
    await toast.locator('.monaco-button', { hasText: 'Choose Template' }).first().click();
    await page.locator('.quick-input-list .monaco-list-row', { hasText: /^chatML/ }).first().click();
    const status = page.locator('.statusbar-item', { hasText: 'chat · chatML' }).first();
    await status.waitFor({ state: 'visible', timeout: 60_000 });
    await runCommand(page, 'Notifications: Clear All Notifications');
    // The first letter of the last message (the only one with "H H H H T"): the first token after its role header.
    const { x, y } = await wordCentre(page, 'flips: H H T H H H T H H H H T', 1);
    await page.mouse.move(x - 40, y);
    await page.mouse.move(x, y, { steps: 5 });
    const hover = page.locator('.monaco-hover:not(.hidden) .hover-contents', { hasText: 'template before' }).first();
    await hover.waitFor({ state: 'visible', timeout: 20_000 });
    // The hover fades in: photograph it once it is opaque.
    await page.waitForFunction(() => [...document.querySelectorAll('.monaco-hover:not(.hidden)')].some((e) => getComputedStyle(e).opacity === '1'), undefined, { timeout: 5_000 }).catch(() => undefined);
    await page.waitForTimeout(300);
    await shot(page, '13-chat-prompt');
    assert.match(await hover.innerText(), /template before: .* bits/);
    const coloured = await page.evaluate(() => [...document.querySelectorAll('.editor-instance .view-overlays .cdr')]
      .filter((e) => !/rgba\(0, 0, 0, 0\)|transparent/.test(getComputedStyle(e).backgroundColor)).length);
    assert.ok(coloured >= 3, `${coloured} coloured backgrounds on the messages`);
    await page.mouse.move(5, 5);

    // The exact text the model reads, role headers and all, painted.
    await runCommand(page, 'ICL Lens: Show Rendered Prompt');
    await page.locator('.tab.active', { hasText: 'coin.chat.json — chatML' }).waitFor({ state: 'visible', timeout: 30_000 });
    await page.locator('.editor-instance .view-lines', { hasText: '<|im_start|>user' }).first().waitFor({ state: 'visible', timeout: 30_000 });
    await page.waitForFunction(() => document.querySelectorAll('.editor-instance .view-overlays .cdr').length > 10, undefined, { timeout: 30_000 });
    await shot(page, '14-rendered-prompt');
    await runCommand(page, 'View: Close All Editors');
  });

  it('shows the legend, the hover, the branch view and the walkthrough in a dark, a light and a high-contrast theme', async () => {
    for (const theme of THEMES) await inThemeShots(theme);
    await setTheme(page, THEMES[0]);
  });

  /** One theme's screenshots; a failure leaves a screenshot of what was on screen. */
  async function inThemeShots(theme: (typeof THEMES)[number]): Promise<void> {
    try {
      await runCommand(page, 'View: Close All Editors');
      await runCommand(page, 'Notifications: Clear All Notifications');
      await setTheme(page, theme);
      await openFile(page, 'windtunnel/coin.icl.txt');
      await waitAllowingTimeout(page.waitForFunction(lineCoverage, 0.8, { timeout: 60_000 }));

      // The legend: the status bar's tooltip, with a swatch per level.
      const item = page.locator('.statusbar-item', { hasText: 'ppl' }).first();
      await item.hover();
      const tooltip = page.locator('.workbench-hover, .monaco-hover:not(.hidden)', { hasText: 'level' }).first();
      await tooltip.waitFor({ state: 'visible', timeout: 20_000 });
      await shot(page, `theme-${theme.tag}-legend`);
      await page.mouse.move(700, 400);
      await page.keyboard.press('Escape');
      await tooltip.waitFor({ state: 'hidden', timeout: 10_000 });

      // The hover over a coin flip: its level and the alternatives, the written token marked.
      const hover = await hoverWord(page, 'T');
      await hover.screenshot({ path: path.join(RESULTS, `theme-${theme.tag}-hover.png`) });
      // All of it on screen: the header's actions, the numbers and the ten alternatives, nothing to scroll to.
      const { shown, content } = await hover.evaluate((e) => ({ shown: e.getBoundingClientRect().height, content: e.querySelector('.hover-contents')!.getBoundingClientRect().height }));
      assert.ok(content <= shown + 1, `the hover shows ${shown} px of its ${content} px`);
      assert.match(await hover.innerText(), /your token/);
      await page.mouse.move(5, 5);

      // The branch view: the greedy continuation, then a branch from an alternative at step 2.
      await page.locator('.editor-instance .view-lines').first().click();
      await page.keyboard.press('Control+End');
      await runCommand(page, 'ICL Lens: Continue From Here');
      const view = await webviewWith(page, '#tokens');
      await view.locator('#tokens .token').first().waitFor({ state: 'visible', timeout: 60_000 });
      await view.locator('#cancel').waitFor({ state: 'hidden', timeout: 60_000 });
      await view.locator('.token[data-step="2"]').click();
      await view.locator('#alternatives .alternative:not(.taken)').first().click();
      await view.locator('.token.branch').first().waitFor({ state: 'visible', timeout: 60_000 });
      await view.locator('#cancel').waitFor({ state: 'hidden', timeout: 60_000 });
      await shot(page, `theme-${theme.tag}-branch`);
      assert.ok((await view.locator('.token.branch').count()) >= 1, 'the branch is marked');

      // The first-run walkthrough.
      await runCommand(page, 'View: Close All Editors');
      await runCommand(page, 'Welcome: Open Walkthrough');
      await page.locator('.quick-input-list .monaco-list-row', { hasText: 'Get started with ICL Lens' }).first().click();
      await page.locator('.gettingStartedContainer .getting-started-step', { hasText: 'Choose a model' }).first().waitFor({ state: 'visible', timeout: 20_000 });
      await shot(page, `theme-${theme.tag}-walkthrough`);
    } catch (err) {
      await shot(page, `theme-${theme.tag}-failure`);
      throw err;
    }
  }
});
