// The continuation view: tokens coloured by probability, the alternatives at the
// chosen step, and the actions. Renders whole snapshots; sends user actions.
import { isBranchHostToWebview, type BranchViewSnapshot, type BranchWebviewToHost } from '../src/shared/branchViewProtocol';

interface UiState {
  readonly schema: 1;
  readonly snapshot?: BranchViewSnapshot;
  readonly selected: number;
}

const vscode = acquireVsCodeApi<UiState>();
const send = (m: BranchWebviewToHost) => vscode.postMessage(m);
const byId = <T extends HTMLElement = HTMLElement>(id: string) => document.getElementById(id) as T;

const where = byId('where');
const insert = byId<HTMLButtonElement>('insert');
const back = byId<HTMLButtonElement>('back');
const regenerate = byId<HTMLButtonElement>('regenerate');
const cancel = byId<HTMLButtonElement>('cancel');
const progress = byId('progress');
const progressBar = byId<HTMLProgressElement>('progress-bar');
const progressText = byId('progress-text');
const status = byId('status');
const problem = byId('problem');
const problemText = byId('problem-text');
const selectModel = byId<HTMLButtonElement>('select-model');
const tokens = byId('tokens');
const footer = byId('footer');
const altSection = byId('alternatives-section');
const altHeading = byId('alternatives-heading');
const alternatives = byId('alternatives');

let snapshot: BranchViewSnapshot | undefined = vscode.getState()?.snapshot;
let selected = vscode.getState()?.selected ?? 0;
/** Which branch the last snapshot showed: a new one selects its picked token. */
let shownBranch = snapshot ? `${snapshot.depth}:${snapshot.branchStep}` : '';

insert.addEventListener('click', () => send({ type: 'branch/insert' }));
back.addEventListener('click', () => send({ type: 'branch/back' }));
regenerate.addEventListener('click', () => send({ type: 'branch/regenerate' }));
cancel.addEventListener('click', () => send({ type: 'branch/cancel' }));
selectModel.addEventListener('click', () => send({ type: 'branch/selectModel' }));

function statusLine(s: BranchViewSnapshot): string {
  const model = s.model ? ` — ${s.model}` : '';
  switch (s.status) {
    case 'running': return 'Generating…';
    case 'failed': return 'The continuation could not be generated.';
    case 'cancelled': return s.notice ?? 'Cancelled. Regenerate to run again.';
    case 'ready': {
      const branch = s.branchStep !== undefined ? `Branch at token ${s.branchStep + 1} (${s.depth} deep).` : 'Greedy continuation.';
      return `${branch}${model}${s.notice ? ` ${s.notice}` : ''}`;
    }
  }
}

function render(s: BranchViewSnapshot): void {
  snapshot = s;
  where.textContent = `From ${s.where}`;
  const running = s.status === 'running';
  insert.disabled = !s.canInsert;
  back.disabled = s.depth === 0 || running;
  regenerate.disabled = running;
  cancel.hidden = !running;
  progress.hidden = !running;
  if (s.progress && s.progress.total > 0) {
    progressBar.max = s.progress.total;
    progressBar.value = s.progress.done;
    progressText.textContent = `${s.progress.phase} ${s.progress.done} / ${s.progress.total}`;
  } else {
    progressBar.removeAttribute('value');
    progressText.textContent = '';
  }
  status.textContent = statusLine(s);
  status.classList.toggle('notice', s.notice !== undefined);
  problem.hidden = s.problem === undefined;
  problemText.textContent = s.problem?.message ?? '';
  selectModel.hidden = !s.problem?.selectModel;
  footer.textContent = s.footer;
  tokens.classList.toggle('running', running);
  const branch = `${s.depth}:${s.branchStep}`;
  if (branch !== shownBranch && s.status !== 'running') {
    shownBranch = branch;
    selected = s.branchStep ?? 0;
  }
  selected = Math.max(0, Math.min(selected, s.steps.length - 1));
  renderTokens(s);
  renderAlternatives(s);
  vscode.setState({ schema: 1, snapshot: s, selected });
  send({ type: 'branch/rendered', revision: s.revision, text: [...tokens.querySelectorAll<HTMLElement>('.token')].map((t) => t.dataset.text ?? '').join('') });
}

function renderTokens(s: BranchViewSnapshot): void {
  const focused = tokens.contains(document.activeElement);
  tokens.replaceChildren(...s.steps.map((step, i) => {
    const el = document.createElement('button');
    el.className = `token band-${step.band}${step.forced ? ' forced' : ''}${step.end ? ' end' : ''}${i === s.branchStep ? ' branch' : ''}`;
    el.setAttribute('role', 'option');
    el.setAttribute('aria-selected', String(i === selected));
    el.tabIndex = i === selected ? 0 : -1;
    el.dataset.step = String(i);
    el.dataset.text = step.text;
    el.textContent = step.label;
    const how = step.forced ? (i === s.branchStep ? 'picked' : 'kept from before the branch') : 'greedy';
    el.title = `p ${step.pText} · rank ${step.rank} · entropy ${step.entropyText} · ${how}`;
    el.setAttribute('aria-label', `${step.label}, p ${step.pText}, rank ${step.rank}, ${how}`);
    el.addEventListener('click', () => select(i, false));
    return el;
  }));
  if (focused) focusToken(selected);
}

function renderAlternatives(s: BranchViewSnapshot): void {
  const step = s.steps[selected];
  altSection.hidden = step === undefined;
  if (step === undefined) return;
  altHeading.textContent = `Alternatives at token ${selected + 1} (“${step.label}”, entropy ${step.entropyText})`;
  const picking = s.status === 'ready' && s.notice === undefined;
  alternatives.replaceChildren(...step.alternatives.map((a, j) => {
    const el = document.createElement('button');
    el.className = `alternative${a.taken ? ' taken' : ''}`;
    el.setAttribute('role', 'option');
    el.setAttribute('aria-selected', String(a.taken));
    el.tabIndex = j === 0 ? 0 : -1;
    el.dataset.id = String(a.id);
    el.disabled = !picking;
    const label = document.createElement('span');
    label.className = 'alt-label';
    label.textContent = a.label;
    const meter = document.createElement('span');
    meter.className = 'alt-bar';
    const fill = document.createElement('span');
    fill.className = 'alt-fill';
    fill.style.width = `${Math.max(1, Math.round(a.p * 100))}%`;
    meter.append(fill);
    const p = document.createElement('span');
    p.className = 'alt-p';
    p.textContent = a.pText;
    el.append(label, meter, p);
    el.title = a.taken ? 'The token the continuation took here' : 'Continue from this token instead';
    el.setAttribute('aria-label', `${a.label}, p ${a.pText}${a.taken ? ', taken' : ''}`);
    el.addEventListener('click', () => { if (!a.taken) send({ type: 'branch/pick', step: selected, id: a.id }); });
    return el;
  }));
}

function select(i: number, focus: boolean): void {
  if (!snapshot) return;
  selected = Math.max(0, Math.min(i, snapshot.steps.length - 1));
  renderTokens(snapshot);
  renderAlternatives(snapshot);
  vscode.setState({ schema: 1, snapshot, selected });
  if (focus) focusToken(selected);
}

function focusToken(i: number): void {
  tokens.querySelector<HTMLElement>(`.token[data-step="${i}"]`)?.focus();
}

tokens.addEventListener('keydown', (e) => {
  if (!snapshot) return;
  const moves: Record<string, number> = { ArrowLeft: selected - 1, ArrowRight: selected + 1, Home: 0, End: snapshot.steps.length - 1 };
  if (e.key in moves) {
    e.preventDefault();
    select(moves[e.key], true);
  } else if (e.key === 'Enter' || e.key === ' ' || e.key === 'ArrowDown') {
    e.preventDefault();
    alternatives.querySelector<HTMLElement>('.alternative')?.focus();
  }
});

alternatives.addEventListener('keydown', (e) => {
  const items = [...alternatives.querySelectorAll<HTMLElement>('.alternative')];
  const at = items.indexOf(document.activeElement as HTMLElement);
  if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
    e.preventDefault();
    const next = items[Math.max(0, Math.min(items.length - 1, at + (e.key === 'ArrowDown' ? 1 : -1)))];
    items.forEach((el) => { el.tabIndex = el === next ? 0 : -1; });
    next?.focus();
  } else if (e.key === 'Escape') {
    e.preventDefault();
    focusToken(selected);
  }
});

document.addEventListener('keydown', (e) => {
  if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) {
    e.preventDefault();
    if (!insert.disabled) send({ type: 'branch/insert' });
  } else if ((e.key === 'Backspace' || (e.key === 'ArrowLeft' && e.altKey)) && !back.disabled) {
    e.preventDefault();
    send({ type: 'branch/back' });
  }
});

window.addEventListener('message', (event: MessageEvent<unknown>) => {
  if (isBranchHostToWebview(event.data)) render(event.data.snapshot);
});

if (snapshot) render(snapshot);
send({ type: 'branch/ready' });
