// A pool of local worker processes (child.ts). run() hands a cell to an idle
// process and resolves with its outcome, or with 'crashed' when the process
// died during the cell (it is replaced by a fresh one).
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { existsSync } from 'node:fs';
import type { Cell } from './cell.ts';
import type { CellOutcome } from './execute.ts';
import type { FromChild, ToChild } from './child.ts';

export type PoolOutcome = CellOutcome | { status: 'crashed'; message: string };

export interface PoolOptions {
  store: string;
  backend: string;
  dataDir?: string;
  log?: (msg: string) => void;
  progress?: (cell: Cell, label: string, done: number, total: number) => void;
}

interface Slot {
  proc: ChildProcess;
  ready: Promise<void>;
  busy: Cell | null;
  settle?: (o: PoolOutcome) => void;
}

// the compiled child beside this module; from the TypeScript sources (tests), the one in dist/
const besideMe = fileURLToPath(new URL('./child.js', import.meta.url));
const CHILD = existsSync(besideMe)
  ? besideMe
  : besideMe.replace(/([\\/])src([\\/]lab[\\/]sweep[\\/]child\.js)$/, '$1dist$1src$2');

export class ChildPool {
  private slots: Slot[] = [];
  private waiters: (() => void)[] = [];
  private closed = false;

  constructor(
    readonly size: number,
    private opts: PoolOptions,
  ) {
    if (!(size >= 1)) throw new Error(`workers must be at least 1, got ${size}`);
    for (let i = 0; i < size; i++) this.slots.push(this.spawn());
  }

  /** Process ids of the workers (and which cell each runs). */
  workers(): { pid: number; cell: string | null }[] {
    return this.slots.map((s) => ({ pid: s.proc.pid ?? -1, cell: s.busy?.id ?? null }));
  }

  private spawn(): Slot {
    // one WASM thread per process unless told otherwise: parallelism comes from the processes, and the
    // threaded conv kernels are not bit-reproducible from run to run (results must not depend on the worker)
    const env = { ...process.env, IFRLAB_WASM_THREADS: process.env.IFRLAB_WASM_THREADS ?? '1' };
    const proc = fork(CHILD, [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], serialization: 'advanced', env });
    let readyOk!: () => void, readyFail!: (e: Error) => void;
    const slot: Slot = {
      proc,
      busy: null,
      ready: new Promise<void>((a, b) => {
        readyOk = a;
        readyFail = b;
      }),
    };
    slot.ready.catch(() => {});
    proc.on('message', (m: FromChild) => {
      if (m.type === 'ready') readyOk();
      else if (m.type === 'log') this.opts.log?.(m.msg);
      else if (m.type === 'progress' && slot.busy) this.opts.progress?.(slot.busy, m.label, m.done, m.total);
      else if (m.type === 'outcome') this.finish(slot, m.outcome);
      else if (m.type === 'error') {
        readyFail(new Error(m.message));
        this.finish(slot, { status: 'crashed', message: m.message });
      }
    });
    proc.on('exit', (code, signal) => {
      readyFail(new Error(`worker process exited (${signal ?? code}) before it was ready`));
      const i = this.slots.indexOf(slot);
      if (this.closed || i < 0) return;
      this.slots[i] = this.spawn();
      this.finish(slot, {
        status: 'crashed',
        message: `worker process ${proc.pid} died (${signal ?? `exit ${code}`})`,
      });
      this.wake();
    });
    proc.send({
      type: 'init',
      store: this.opts.store,
      backend: this.opts.backend,
      dataDir: this.opts.dataDir,
    } satisfies ToChild);
    return slot;
  }

  private finish(slot: Slot, o: PoolOutcome): void {
    const s = slot.settle;
    slot.busy = null;
    slot.settle = undefined;
    s?.(o);
    this.wake();
  }
  private wake(): void {
    const w = this.waiters.shift();
    w?.();
  }

  /** Run a cell on the next idle worker process. */
  async run(cell: Cell): Promise<PoolOutcome> {
    for (;;) {
      if (this.closed) return { status: 'crashed', message: 'pool closed' };
      const slot = this.slots.find((s) => !s.busy);
      if (slot) {
        slot.busy = cell;
        try {
          await slot.ready;
        } catch (e) {
          slot.busy = null;
          return { status: 'crashed', message: (e as Error).message };
        }
        return new Promise<PoolOutcome>((resolve) => {
          slot.settle = resolve;
          slot.proc.send({ type: 'run', cell } satisfies ToChild);
        });
      }
      await new Promise<void>((r) => this.waiters.push(r));
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.all(
      this.slots.map(
        (s) =>
          new Promise<void>((r) => {
            if (s.proc.exitCode !== null || s.proc.signalCode !== null) return r();
            s.proc.once('exit', () => r());
            s.proc.disconnect?.();
          }),
      ),
    );
    for (const w of this.waiters.splice(0)) w();
  }
}
