/**
 * Entry of the runtime worker process: the only process that loads node-llama-cpp.
 * A native abort or hang here costs this process only; the client reports it and
 * starts a new worker on the next request.
 */
import type { WorkerEvent, WorkerRequest, WireError } from '../runtimeProtocol';
import { LlamaEngine } from './llamaEngine';
import { RequestScheduler } from './requestScheduler';
import { RuntimeError } from '../runtimeError';

function send(event: WorkerEvent): void {
  process.send?.(event);
}

function toWire(err: unknown, signal: AbortSignal): WireError {
  if (err instanceof RuntimeError) return { code: err.code, message: err.message };
  if (signal.aborted) return { code: 'cancelled', message: 'Cancelled.' };
  return { code: 'internal', message: (err as Error)?.message ?? String(err) };
}

async function main(): Promise<void> {
  const nlc = await import('node-llama-cpp');
  const engine = new LlamaEngine(nlc, __dirname, (level, message) => send({ type: 'log', level, message }));
  const controllers = new Map<number, AbortController>();
  const scheduler = new RequestScheduler((id, state) => send({ id, type: state }));

  const handle = async (req: Exclude<WorkerRequest, { type: 'cancel' }>, signal: AbortSignal): Promise<unknown> => {
    const progress = (done: number, total: number, phase: string) => send({ id: req.id, type: 'progress', done, total, phase });
    switch (req.type) {
      case 'load': return engine.load(req.spec, signal, progress);
      case 'analyze': return engine.analyzeDelta(req.spec, req.base, signal, progress, () => scheduler.step(req.id), (from, tokens, streamedFrom) => send({ id: req.id, type: 'tokens', from, tokens, streamedFrom }));
      case 'analyzeChat': return engine.analyzeChat(req.spec, signal, progress, () => scheduler.step(req.id));
      case 'symbolMass': return engine.symbolMass(req.spec, signal, progress);
      case 'scoreContinuations': return engine.scoreContinuations(req.spec, signal, progress);
      case 'greedyContinuation': return engine.greedyContinuation(req.spec, signal, progress);
      case 'writeLogProbRows': return engine.writeLogProbRows(req.spec, signal, progress);
      case 'divergenceFromRows': return engine.divergenceFromRows(req.spec, signal, progress);
    }
  };

  process.on('message', (msg: WorkerRequest) => {
    if (msg.type === 'cancel') {
      controllers.get(msg.target)?.abort();
      return;
    }
    const controller = new AbortController();
    controllers.set(msg.id, controller);
    scheduler.submit({
      id: msg.id,
      overtakes: msg.type !== 'load',
      run: async () => {
        try {
          if (controller.signal.aborted) throw new RuntimeError('cancelled', 'Cancelled.');
          send({ id: msg.id, type: 'result', value: await handle(msg, controller.signal) });
        } catch (err) {
          send({ id: msg.id, type: 'error', error: toWire(err, controller.signal) });
        } finally {
          controllers.delete(msg.id);
        }
      },
    });
  });
  process.on('disconnect', () => {
    // Stop the work in flight before freeing the model under it.
    for (const c of controllers.values()) c.abort();
    void scheduler.idle().then(() => engine.dispose()).finally(() => process.exit(0));
  });
  send({ type: 'ready' });
}

main().catch((err) => {
  send({ type: 'log', level: 'error', message: `runtime worker failed to start: ${(err as Error).stack ?? err}` });
  process.exit(70);
});
