/**
 * The few-shot sweep's measurement: teacher-forced scores of groups of
 * continuations after contexts, every distinct prefix evaluated once. A text
 * context is tokenized whole; a chat context is rendered by the chat template
 * (chatRender.ts) with the generation prompt, and context + X is the same
 * conversation with X appended to the reply.
 */
import type { Token } from 'node-llama-cpp' with { 'resolution-mode': 'import' };
import { commonBoundary, type ScoreBatch, type ScoreBatchResult, type ScoredContinuation, type ScoredGroup } from '../../core/fewShot/continuationScorer';
import { planPrefixSharing } from '../../core/fewShot/prefixPlan';
import type { PromptContext } from '../../core/fewShot/promptText';
import type { ProgressListener } from '../runtimeProtocol';
import { RuntimeError } from '../runtimeError';
import { throwIfCancelled } from './cancellation';
import { renderChat } from './chatRender';
import { batchesOf } from './evaluationGeometry';
import type { LoadedModel } from './loadedModel';
import type { GatheredRow } from './rowScorer';

/**
 * Teacher-forced scores of groups of continuations after contexts (the
 * few-shot sweep). Each group is scored from its common token boundary
 * (core/fewShot/continuationScorer.ts). The batch is planned so every
 * distinct prefix is evaluated once (core/fewShot/prefixPlan.ts), continuing
 * from what the cache holds.
 */
export async function scoreContinuations(loaded: LoadedModel, spec: ScoreBatch, signal: AbortSignal, progress: ProgressListener): Promise<ScoreBatchResult> {
  const { model, bos, maxContext, cache } = loaded;
  const regexIds = spec.tokenClass?.regex != null ? loaded.tokenClass(spec.tokenClass.regex) : undefined;
  const choice = spec.template ?? 'auto';
  let template: string | undefined;
  /** The tokens the model receives for `context` followed by `continuation` (BOS included where the model wants one). */
  const tokenize = async (context: PromptContext, continuation = ''): Promise<number[]> => {
    if (typeof context === 'string') return [...bos, ...model.tokenize(context + continuation, false)];
    const reply = (context.reply ?? '') + continuation;
    const rendered = await renderChat(loaded, reply.length > 0 ? { turns: context.turns, reply } : { turns: context.turns }, choice);
    template ??= rendered.rendered.template;
    return [...rendered.tokens];
  };
  // Refuse a sweep whose longest prompt cannot fit before evaluating any of it.
  for (const context of spec.mustFit ?? []) {
    throwIfCancelled(signal);
    const n = (await tokenize(context)).length;
    if (n + 1 > maxContext) throw new RuntimeError('input', `A few-shot prompt has ${n} tokens with its answer, more than the context allows (${maxContext}). Shorten the prompt or allow a larger context.`);
  }
  const items: Array<{ tokens: number[]; scoreFrom: number; stats: boolean; statsIds?: number[] }> = [];
  const groups = [];
  for (const g of spec.groups) {
    throwIfCancelled(signal);
    const context = await tokenize(g.context);
    const fulls: number[][] = [];
    for (const c of g.continuations) fulls.push(await tokenize(g.context, c));
    const also: number[][] = [];
    for (const c of g.boundaryAlso ?? []) if (c.length > 0) also.push(await tokenize(g.context, c));
    const boundary = commonBoundary(context, [...fulls, ...also]);
    g.continuations.forEach((c, i) => {
      if (c.length === 0 || boundary >= fulls[i].length) throw new RuntimeError('input', `The continuation ${JSON.stringify(c)} is empty.`);
    });
    if (boundary === 0) throw new RuntimeError('input', 'Nothing precedes the continuation, so the model gives no distribution for it.');
    for (const t of [...fulls, ...also]) {
      if (t.length + 1 > maxContext) throw new RuntimeError('input', `A few-shot prompt has ${t.length} tokens with its answer, more than the context allows (${maxContext}). Shorten the prompt or allow a larger context.`);
    }
    const first = items.length;
    for (const tokens of fulls) items.push({ tokens, scoreFrom: boundary, stats: false });
    // The distribution at the boundary row: read through the shortest sequence that reaches it.
    const reach = [...fulls, ...also].find((t) => t.length > boundary);
    let statsItem: number | undefined;
    let classIds: number[] | undefined;
    if (g.stats && reach !== undefined) {
      classIds = regexIds ? [...regexIds] : [...new Set(also.filter((t) => t.length > boundary).map((t) => t[boundary]))];
      statsItem = items.length;
      items.push({ tokens: reach.slice(0, boundary + 1), scoreFrom: boundary, stats: true, statsIds: classIds });
    }
    groups.push({ boundary, contextTokens: context.length, first, count: fulls.length, statsItem, classIds, withClass: spec.tokenClass !== undefined });
  }
  const longest = Math.max(1, ...items.map((i) => i.tokens.length));
  const { sequence, scorer } = await loaded.ensureContext(longest + 1);
  const held = cache.tokens.length === sequence.nextTokenIndex ? cache.tokens : [];
  const plan = planPrefixSharing(held, items);
  // The sequence no longer matches any analysis' rows.
  cache.resetTo(held);
  if (held.length === 0) await sequence.eraseContextTokenRanges([{ start: 0, end: sequence.nextTokenIndex }]);
  const gathered: Array<Map<number, GatheredRow & { ids: Int32Array }>> = [];
  let done = 0;
  for (const step of plan.steps) {
    throwIfCancelled(signal);
    const tokens = items[step.seq].tokens as Token[];
    await sequence.eraseContextTokenRanges([{ start: step.keep, end: sequence.nextTokenIndex }]);
    cache.resetTo(tokens.slice(0, step.keep));
    const rows = new Map<number, GatheredRow & { ids: Int32Array }>();
    for (const [start, end] of batchesOf(loaded.geometry, step.keep, step.end)) {
      throwIfCancelled(signal);
      const wanted = new Map<number, Int32Array>();
      for (const [pos, row] of step.rows) {
        if (pos < start || pos >= end) continue;
        wanted.set(pos - start, Int32Array.from(new Set([...row.candidates, ...row.statsIds])));
      }
      const got = await scorer.gather(sequence, tokens.slice(start, end), wanted);
      for (const [i, row] of got) rows.set(i + start, { ...row, ids: wanted.get(i)! });
      cache.appendTokens(tokens.slice(start, end));
      done += end - start;
      progress(done, plan.tokensEvaluated, 'scoring continuations');
    }
    gathered.push(rows);
  }
  const rowOf = (j: number, r: number) => gathered[plan.sources[j][r - (items[j].scoreFrom - 1)]].get(r)!;
  const lnpAt = (row: GatheredRow & { ids: Int32Array }, id: number) => row.lnp[row.ids.indexOf(id)];
  /** Σ p over a class at a row: one pass over its gathered ids (a broad regex class can hold thousands). */
  const classMass = (row: GatheredRow & { ids: Int32Array }, ids: readonly number[]) => {
    const inClass = new Set(ids);
    let mass = 0;
    row.ids.forEach((id, i) => { if (inClass.has(id)) mass += Math.exp(row.lnp[i]); });
    return mass;
  };
  const results: ScoredGroup[] = groups.map((g) => {
    const continuations: ScoredContinuation[] = [];
    for (let j = g.first; j < g.first + g.count; j++) {
      const { tokens } = items[j];
      const lnp: number[] = [];
      for (let r = g.boundary - 1; r <= tokens.length - 2; r++) lnp.push(lnpAt(rowOf(j, r), tokens[r + 1]));
      continuations.push({ tokens, lnp, pieces: tokens.slice(g.boundary).map((id) => loaded.tokenText(id)) });
    }
    const statsRow = g.statsItem !== undefined ? rowOf(g.statsItem, g.boundary - 1) : undefined;
    return {
      boundary: g.boundary,
      contextTokens: g.contextTokens,
      continuations,
      entropyBits: statsRow?.entropyBits ?? null,
      classMass: statsRow && g.withClass && g.classIds ? classMass(statsRow, g.classIds) : null,
      classSize: statsRow && g.withClass && g.classIds ? g.classIds.length : 0,
      retokenized: g.contextTokens - g.boundary,
    };
  });
  return { model: loaded.modelInfo(), groups: results, tokensEvaluated: plan.tokensEvaluated, classSize: regexIds?.length ?? 0, ...(template !== undefined ? { template } : {}) };
}
