// A tiny fork-join pool over one shared WebAssembly.Memory. Each worker
// instantiates the same module on the same memory and sleeps on its control
// block (Atomics.wait); the caller writes a kernel name and float64 arguments,
// bumps the sequence number, runs its own share, then waits for the workers.
// Works with Node worker_threads (platform-node.ts, imported only under Node)
// and with Web Workers (browsers that are cross-origin isolated, and Deno).

/**
 * Control block per worker: i32 [seq, fn, nargs, error, done, state], f64 args at +64.
 * state = seq while a job waits for the worker, -seq once the worker claimed it, 0 when the
 * caller took the share back: a worker that wakes late (a busy machine) never holds up the caller.
 */
export const CTRL_BYTES = 256;
export const MAX_ARGS = 24;

/** Body of every worker, as source text (no imports, no closures). */
export const WORKER_MAIN = `
function ifrlabWorkerMain(module, memory, ctrl, names) {
  const inst = new WebAssembly.Instance(module, { env: { memory } });
  const ex = inst.exports;
  const i32 = new Int32Array(memory.buffer, ctrl, 16);
  const f64 = new Float64Array(memory.buffer, ctrl + 64, ${MAX_ARGS});
  let seen = Atomics.load(i32, 0);
  return function loop() {
    for (;;) {
      Atomics.wait(i32, 0, seen);
      const s = Atomics.load(i32, 0);
      if (s === seen) continue;
      seen = s;
      const fi = i32[1];
      if (fi < 0) return;
      // claim the job; fails when the caller already ran this share itself (we woke too late)
      if (Atomics.compareExchange(i32, 5, s, -s) !== s) continue;
      try {
        const args = [];
        for (let k = 0; k < i32[2]; k++) args.push(f64[k]);
        ex[names[fi]].apply(null, args);
        i32[3] = 0;
      } catch (e) {
        i32[3] = 1;
      }
      Atomics.store(i32, 4, s);
      Atomics.notify(i32, 4);
    }
  };
}
`;

export interface WorkerHandle {
  terminate(): void;
}
/** Starts one worker running WORKER_MAIN; resolves once it is waiting for work. */
export type WorkerSpawner = (
  module: WebAssembly.Module,
  memory: WebAssembly.Memory,
  ctrl: number,
  names: string[],
) => Promise<WorkerHandle>;

export class Pool {
  private seq = 0;
  private readonly i32s: Int32Array[];
  private readonly f64s: Float64Array[];
  private readonly fnIndex = new Map<string, number>();
  private canWait = true;
  /** Shares run by a worker, and shares the caller took back because the worker had not woken. */
  readonly stats = { workerShares: 0, takenBack: 0 };

  constructor(
    private readonly memory: WebAssembly.Memory,
    private readonly exports: Record<string, (...a: number[]) => unknown>,
    ctrls: number[],
    names: string[],
    private readonly handles: WorkerHandle[],
  ) {
    this.i32s = ctrls.map((c) => new Int32Array(memory.buffer, c, 16));
    this.f64s = ctrls.map((c) => new Float64Array(memory.buffer, c + 64, MAX_ARGS));
    names.forEach((n, i) => this.fnIndex.set(n, i));
    try {
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 1, 0);
    } catch {
      this.canWait = false;
    }
  }

  get threads(): number {
    return this.handles.length + 1;
  }

  /** Run exports[name](...parts[t]) on thread t (t = 0 is the caller) and wait for all. */
  run(name: string, parts: number[][]): void {
    const fi = this.fnIndex.get(name);
    if (fi === undefined) throw new Error(`wasm pool: unknown kernel ${name}`);
    const used = Math.min(parts.length - 1, this.handles.length);
    const seq = ++this.seq;
    for (let w = 0; w < used; w++) {
      const i32 = this.i32s[w],
        f64 = this.f64s[w],
        args = parts[w + 1];
      if (args.length > MAX_ARGS) throw new Error(`wasm pool: ${name} has too many arguments`);
      for (let k = 0; k < args.length; k++) f64[k] = args[k];
      i32[1] = fi;
      i32[2] = args.length;
      i32[3] = 0;
      Atomics.store(i32, 5, seq);
      Atomics.store(i32, 0, seq);
      Atomics.notify(i32, 0);
    }
    let err: unknown = null;
    try {
      this.exports[name](...parts[0]);
    } catch (e) {
      err = e;
    }
    for (let w = 0; w < used; w++) {
      const i32 = this.i32s[w];
      if (Atomics.compareExchange(i32, 5, seq, 0) === seq) {
        // the worker has not started: run its share here (work-sharing kernels find nothing left)
        this.stats.takenBack++;
        try {
          this.exports[name](...parts[w + 1]);
        } catch (e) {
          err ??= e;
        }
        continue;
      }
      this.stats.workerShares++;
      for (;;) {
        const d = Atomics.load(i32, 4);
        if (d === seq) break;
        if (this.canWait) Atomics.wait(i32, 4, d, 1000);
      }
      if (i32[3] !== 0 && !err) err = new Error(`wasm backend: kernel ${name} failed in worker ${w + 1}`);
    }
    if (err) throw err;
  }

  terminate(): void {
    const seq = ++this.seq;
    this.i32s.forEach((i32) => {
      i32[1] = -1;
      Atomics.store(i32, 0, seq);
      Atomics.notify(i32, 0);
    });
    this.handles.forEach((h) => h.terminate());
  }
}

/** Web Workers (browsers when crossOriginIsolated; Deno). */
export const spawnWebWorker: WorkerSpawner = (module, memory, ctrl, names) =>
  new Promise((resolve, reject) => {
    const src = `${WORKER_MAIN}
self.onmessage = (e) => {
  const d = e.data;
  const loop = ifrlabWorkerMain(d.module, d.memory, d.ctrl, d.names);
  self.postMessage('ready');
  loop();
};`;
    const url = URL.createObjectURL(new Blob([src], { type: 'text/javascript' }));
    const w = new Worker(url, { type: 'module' });
    const timer = setTimeout(() => {
      w.terminate();
      reject(new Error('wasm backend: worker did not start within 20 s'));
    }, 20000);
    w.onmessage = () => {
      clearTimeout(timer);
      URL.revokeObjectURL(url);
      resolve({ terminate: () => w.terminate() });
    };
    w.onerror = (e) => {
      clearTimeout(timer);
      reject(new Error(`wasm backend: worker failed to start: ${(e as ErrorEvent).message}`));
    };
    w.postMessage({ module, memory, ctrl, names });
  });
