// Run one cell against the store: skip it when done, refuse it while its
// dependencies are not, take its lock, log the attempt (with the point it
// resumes from), run its kind and publish the result atomically.
import { hostname } from 'node:os';
import type { Cell } from './cell.ts';
import { KINDS } from './kinds.ts';
import { CellLock, type LockHolder } from './lock.ts';
import type { Store } from './store.ts';

export type CellOutcome =
  | { status: 'done'; seconds: number; resumedFrom: string | null }
  | { status: 'cached' }
  | { status: 'waiting'; on: string[] }
  | { status: 'busy'; holder: LockHolder }
  | { status: 'failed'; message: string };

export interface ExecuteOptions {
  dataDir?: string;
  backend?: string;
  progress?: (label: string, done: number, total: number) => void;
  log?: (msg: string) => void;
  staleMs?: number;
}

export async function executeCell(store: Store, cell: Cell, opts: ExecuteOptions = {}): Promise<CellOutcome> {
  if (store.isDone(cell.id)) return { status: 'cached' };
  const failedDeps = cell.deps.filter((d) => store.failure(d) && !store.isDone(d));
  if (failedDeps.length)
    return {
      status: 'failed',
      message: `dependency ${failedDeps[0]} failed: ${store.failure(failedDeps[0])!.message}`,
    };
  const missing = cell.deps.filter((d) => !store.isDone(d));
  if (missing.length) return { status: 'waiting', on: missing };
  const kind = KINDS[cell.kind];
  if (!kind) return { status: 'failed', message: `unknown cell kind '${cell.kind}'` };
  store.put(cell);
  const lock = CellLock.acquire(store.dir(cell.id), opts.staleMs);
  if ('busy' in lock) return { status: 'busy', holder: lock.busy };
  const beat = setInterval(() => lock.beat(), 15_000);
  beat.unref?.();
  let lastWrite = 0;
  const progress = (label: string, done: number, total: number): void => {
    opts.progress?.(label, done, total);
    const now = Date.now();
    if (now - lastWrite < 1000 && done < total) return;
    lastWrite = now;
    store.setProgress(cell.id, { label, done, total });
    lock.beat(); // a long synchronous stretch can starve the timer; progress calls keep the heartbeat fresh
  };
  try {
    if (store.isDone(cell.id)) return { status: 'cached' }; // finished by another worker while we took the lock
    const resumedFrom = kind.resumePoint?.(store.workDir(cell.id)) ?? null;
    store.logAttempt(cell.id, { event: 'start', resumeFrom: resumedFrom });
    const t0 = Date.now();
    const result = await kind.run({
      cell,
      store,
      work: store.workDir(cell.id),
      dataDir: opts.dataDir,
      progress,
      log: opts.log ?? (() => {}),
    });
    const seconds = (Date.now() - t0) / 1000;
    store.complete(cell.id, result, {
      kind: cell.kind,
      label: cell.label,
      seconds,
      host: hostname(),
      pid: process.pid,
      backend: opts.backend ?? null,
      resumedFrom,
      finishedAt: new Date().toISOString(),
    });
    store.logAttempt(cell.id, { event: 'finish' });
    return { status: 'done', seconds, resumedFrom };
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    store.fail(cell.id, message);
    store.logAttempt(cell.id, { event: 'fail', message });
    return { status: 'failed', message };
  } finally {
    clearInterval(beat);
    lock.release();
  }
}
