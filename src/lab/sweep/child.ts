// A local worker process: runs cells sent by its parent (the local runner or an
// `ifrlab worker`) over IPC, one at a time. CPU-bound cells run here, so the
// parent's event loop stays free (BullMQ renews job locks from it). The process
// exits when its parent goes away (the IPC channel closes), so a killed worker
// leaves no orphan writing to the store.
import { executeCell } from './execute.ts';
import { Store } from './store.ts';
import type { Cell } from './cell.ts';

export type ToChild = { type: 'init'; store: string; backend: string; dataDir?: string } | { type: 'run'; cell: Cell };
export type FromChild =
  | { type: 'ready'; backend: string }
  | { type: 'progress'; id: string; label: string; done: number; total: number }
  | { type: 'log'; msg: string }
  | { type: 'outcome'; id: string; outcome: import('./execute.ts').CellOutcome }
  | { type: 'error'; message: string };

const send = (m: FromChild): void => {
  process.send?.(m);
};

let store: Store | null = null;
let init: Extract<ToChild, { type: 'init' }> | null = null;
let backendName = '';
let queue: Promise<void> = Promise.resolve();

process.on('disconnect', () => process.exit(1));
process.on('message', (m: ToChild) => {
  queue = queue
    .then(() => handle(m))
    .catch((e: unknown) => send({ type: 'error', message: e instanceof Error ? e.message : String(e) }));
});

async function handle(m: ToChild): Promise<void> {
  if (m.type === 'init') {
    init = m;
    store = new Store(m.store);
    const reg = await import('../../engine/backends/registry.ts');
    const b = m.backend === 'auto' ? await reg.setFastestBackend() : await reg.setBackend(m.backend as never);
    backendName = b.name;
    (await import('../experiments/common.ts')).keepDatasets(2);
    send({ type: 'ready', backend: b.name });
    return;
  }
  if (!store || !init) throw new Error('cell sent before init');
  const cell = m.cell;
  const outcome = await executeCell(store, cell, {
    dataDir: init.dataDir,
    backend: backendName,
    progress: (label, done, total) => send({ type: 'progress', id: cell.id, label, done, total }),
    log: (msg) => send({ type: 'log', msg }),
  });
  send({ type: 'outcome', id: cell.id, outcome });
}
