// The embedded default: run a sweep's cells in N local worker processes, each
// cell once its dependencies are done. Finished cells (result.json in the
// store) are skipped, so a stopped sweep restarts where it was. A cell whose
// worker process dies is given to a fresh process (at most maxCrashes times;
// training resumes from its checkpoint); a cell that fails fails once, with its
// message, and the cells that need it are skipped.
import type { Cell } from './cell.ts';
import { topoOrder } from './cell.ts';
import { ChildPool, type PoolOutcome } from './pool.ts';
import { Store } from './store.ts';

export interface LocalOptions {
  workers: number;
  backend?: string;
  dataDir?: string;
  maxCrashes?: number;
  /** Name under DIR/sweeps/ (for `sweep status`). */
  name?: string;
  log?: (msg: string) => void;
  progress?: (cell: Cell, label: string, done: number, total: number) => void;
  /** Called with the pool once the workers are started (tests use it to kill one). */
  onPool?: (pool: ChildPool) => void;
}

export interface SweepSummary {
  done: string[];
  cached: string[];
  failed: { id: string; label: string; message: string }[];
  skipped: string[];
  seconds: number;
}

export async function runLocal(storeDir: string, cells: Cell[], o: LocalOptions): Promise<SweepSummary> {
  const store = new Store(storeDir);
  const order = topoOrder(cells);
  store.saveSweep(o.name ?? 'sweep', order);
  const t0 = Date.now();
  const sum: SweepSummary = { done: [], cached: [], failed: [], skipped: [], seconds: 0 };
  const state = new Map<string, 'todo' | 'running' | 'ok' | 'bad'>();
  for (const c of order) {
    if (store.isDone(c.id)) {
      state.set(c.id, 'ok');
      sum.cached.push(c.id);
    } else {
      state.set(c.id, 'todo');
      store.clearFailure(c.id);
    }
  }
  const todo = order.filter((c) => state.get(c.id) === 'todo');
  if (!todo.length) {
    sum.seconds = (Date.now() - t0) / 1000;
    return sum;
  }
  const pool = new ChildPool(Math.min(o.workers, todo.length), {
    store: storeDir,
    backend: o.backend ?? 'auto',
    dataDir: o.dataDir,
    log: o.log,
    progress: o.progress,
  });
  o.onPool?.(pool);
  const crashes = new Map<string, number>();
  const notBefore = new Map<string, number>(); // a cell another process holds is looked at again a second later
  const running = new Set<Promise<void>>();
  const skipDependents = (): void => {
    let changed = true;
    while (changed) {
      changed = false;
      for (const c of todo)
        if (state.get(c.id) === 'todo' && c.deps.some((d) => state.get(d) === 'bad')) {
          state.set(c.id, 'bad');
          sum.skipped.push(c.id);
          changed = true;
        }
    }
  };
  const settle = (c: Cell, out: PoolOutcome): void => {
    if (out.status === 'done' || out.status === 'cached') {
      state.set(c.id, 'ok');
      (out.status === 'done' ? sum.done : sum.cached).push(c.id);
      o.log?.(
        `done: ${c.label}${out.status === 'done' && out.resumedFrom ? ` (resumed from ${out.resumedFrom})` : ''}`,
      );
      return;
    }
    if (out.status === 'crashed' || out.status === 'busy' || out.status === 'waiting') {
      const n = (crashes.get(c.id) ?? 0) + (out.status === 'crashed' ? 1 : 0);
      crashes.set(c.id, n);
      if (n <= (o.maxCrashes ?? 2)) {
        o.log?.(
          `${out.status === 'crashed' ? out.message : `${c.label} is ${out.status}`}: ${c.label} goes back to the queue`,
        );
        state.set(c.id, 'todo');
        if (out.status !== 'crashed') {
          notBefore.set(c.id, Date.now() + 1000);
          setTimeout(() => kick(), 1000);
        }
        return;
      }
      store.fail(
        c.id,
        `worker process died ${n} times running it (last: ${out.status === 'crashed' ? out.message : out.status})`,
      );
    }
    const message = out.status === 'failed' ? out.message : out.status === 'crashed' ? out.message : out.status;
    state.set(c.id, 'bad');
    sum.failed.push({ id: c.id, label: c.label, message });
    o.log?.(`FAILED: ${c.label}: ${message}`);
    skipDependents();
  };
  let kick: () => void = () => {};
  await new Promise<void>((resolveAll) => {
    kick = () => {
      for (const c of todo) {
        if (
          state.get(c.id) !== 'todo' ||
          !c.deps.every((d) => state.get(d) === 'ok') ||
          (notBefore.get(c.id) ?? 0) > Date.now()
        )
          continue;
        if (running.size >= pool.size) break;
        state.set(c.id, 'running');
        const p: Promise<void> = pool
          .run(c)
          .then((out) => settle(c, out))
          .finally(() => {
            running.delete(p);
            kick();
          });
        running.add(p);
      }
      if (!running.size && !todo.some((c) => state.get(c.id) === 'todo')) resolveAll();
      // (cells waiting on notBefore keep the loop alive through their timer)
    };
    kick();
  });
  await pool.close();
  sum.seconds = (Date.now() - t0) / 1000;
  return sum;
}
