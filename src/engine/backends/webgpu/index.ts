// The WebGPU backend: every Backend kernel as a WGSL compute shader (sources in
// shaders/, embedded at build time into shaders.generated.ts by shaders/embed.mjs).
//
// Execution model: kernel methods validate, take output buffers from a pool and
// record a dispatch into one pending compute pass; nothing waits. The pass is
// submitted when read()/sync()/fromArray() need it, or after MAX_PENDING
// dispatches. Per-dispatch parameters live in 256-byte slots of one uniform
// "arena" buffer that is uploaded just before each submission (queue order keeps
// reuse safe). Pipelines are compiled once per (kernel, specialisation) and cached.
// Buffers come from a pool keyed by size class and go back to it on dispose, so
// a training loop allocates no GPU memory after its first step.
import type {
  Backend,
  BinaryOp,
  Buffer,
  CircConvParams,
  ConvParams,
  DType,
  MatmulParams,
  MemoryInfo,
  PadMode,
  ReduceOp,
  UnaryOp,
} from '../backend.ts';
import { concatLayout, sizeOf, stridesOf } from '../../core/shape.ts';
import { fft1d, isPow2, twiddles } from '../../fft/host.ts';
import { findGPU } from './platform.ts';
import { SHADERS } from './shaders.generated.ts';

// GPUBufferUsage / GPUMapMode values (the globals may be missing before Dawn is loaded)
const MAP_READ = 0x1,
  COPY_SRC = 0x4,
  COPY_DST = 0x8,
  UNIFORM = 0x40,
  STORAGE = 0x80,
  QUERY_RESOLVE = 0x200;
const SLOT = 256;
const ARENA_SLOTS = 1024;
const MAX_PENDING = 512;
const MAX_RANK = 8;
const MAX_BIND_GROUPS = 4096;
/** Non-power-of-two FFT lengths below this use the direct DFT kernel, longer ones Bluestein. */
const DFT_MAX = 128;
/** Rows up to this length are reduced by one invocation each, longer ones by a workgroup. */
const SHORT_ROW = 32;
/** Power-of-two FFTs up to this length run in workgroup memory in one dispatch; longer ones pass by pass. */
const LOCAL_FFT_MAX = 128;
/** Split-K matmul: aim for this many workgroups, with K chunks of at least SPLITK_MIN_CHUNK. */
const SPLITK_TARGET = 128;
const SPLITK_MIN_CHUNK = 256;
const HINT = "continue on the CPU with setBackend('wasm') (or 'reference')";

const UNARY: Record<UnaryOp, string> = {
  neg: '-x',
  exp: 'exp(x)',
  log: 'log(x)',
  sqrt: 'sqrt(x)',
  abs: 'abs(x)',
  sign: 'sign(x)',
  relu: 'select(0.0, x, x > 0.0)',
  step: 'select(0.0, 1.0, x > 0.0)',
  square: 'x * x',
  reciprocal: '1.0 / x',
  sin: 'sinAcc(x)',
  cos: 'cosAcc(x)',
};
const BINARY: Record<BinaryOp, string> = {
  add: 'a + b',
  sub: 'a - b',
  mul: 'a * b',
  div: 'a / b',
  max: 'select(b, a, a >= b || a != a)',
  min: 'select(b, a, a <= b || a != a)',
  pow: 'powf(a, b)',
  gt: 'select(0.0, 1.0, a > b)',
  ge: 'select(0.0, 1.0, a >= b)',
  lt: 'select(0.0, 1.0, a < b)',
  le: 'select(0.0, 1.0, a <= b)',
  eq: 'select(0.0, 1.0, a == b)',
  ne: 'select(0.0, 1.0, a != b)',
  gate: 'select(0.0, a, b > 0.0)',
};
const REDUCE: Record<ReduceOp, { INIT: string; COMBINE: string }> = {
  sum: { INIT: '0.0', COMBINE: 'a + b' },
  max: { INIT: 'bitcast<f32>(NEG_INF)', COMBINE: 'select(a, b, b > a || b != b)' },
  min: { INIT: 'bitcast<f32>(POS_INF)', COMBINE: 'select(a, b, b < a || b != b)' },
};
const DEFAULT_SUBS: Record<string, string> = { OP: 'a', EXPR: 'x', INIT: '0.0', COMBINE: 'a' };

class GPUBuf implements Buffer {
  disposed = false;
  constructor(
    readonly gpu: GPUBuffer,
    readonly size: number,
    readonly cls: number,
  ) {}
}

/** Little builder for a parameter slot: rank arrays (8 x u32) first, then u32/f32 scalars. */
class Params {
  readonly u32 = new Uint32Array(SLOT / 4);
  readonly f32 = new Float32Array(this.u32.buffer);
  private at = 0;
  arr(v: readonly number[]): this {
    for (let i = 0; i < 8; i++) this.u32[this.at + i] = v[i] ?? 0;
    this.at += 8;
    return this;
  }
  u(...v: number[]): this {
    for (const x of v) this.u32[this.at++] = x >>> 0;
    return this;
  }
  f(...v: number[]): this {
    for (const x of v) this.f32[this.at++] = x;
    return this;
  }
}

/**
 * Merge adjacent axes that every operand walks contiguously (and drop size-1
 * axes), so broadcasting kernels see the smallest rank. strides[k][d] is operand
 * k's stride on axis d.
 */
export function collapseAxes(
  shape: readonly number[],
  strides: readonly (readonly number[])[],
): { shape: number[]; strides: number[][] } {
  const sh: number[] = [];
  const st: number[][] = strides.map(() => []);
  for (let d = 0; d < shape.length; d++) {
    if (shape[d] === 1) continue;
    const last = sh.length - 1;
    if (last >= 0 && strides.every((s, k) => st[k][last] === s[d] * shape[d])) {
      sh[last] *= shape[d];
      strides.forEach((s, k) => {
        st[k][last] = s[d];
      });
    } else {
      sh.push(shape[d]);
      strides.forEach((s, k) => st[k].push(s[d]));
    }
  }
  return { shape: sh, strides: st };
}

interface Kernel {
  pipeline: GPUComputePipeline;
  layout: GPUBindGroupLayout;
  sig: string;
}

export class WebGPUBackend implements Backend {
  readonly name = 'webgpu';
  readonly dtype: DType = 'float32';
  readonly syncRead = false;
  /** True on a CPU emulation (SwiftShader, llvmpipe): correct but slow, so setFastestBackend skips it. */
  readonly isSoftware: boolean;

  private readonly kernels = new Map<string, Kernel>();
  private readonly pool = new Map<number, GPUBuffer[]>();
  private readonly stagingPool = new Map<number, GPUBuffer[]>();
  private readonly constants = new Map<string, GPUBuffer>();
  private readonly layouts = new Map<string, GPUBindGroupLayout>();
  private readonly bindGroups = new Map<string, GPUBindGroup>();
  private readonly ids = new WeakMap<GPUBuffer, number>();
  private nextId = 1;
  private live = 0;
  private liveBytes = 0;
  private allocated = 0;
  private readonly arena: GPUBuffer;
  private readonly arenaCpu = new Uint32Array((SLOT * ARENA_SLOTS) / 4);
  private arenaUsed = 0;
  private encoder: GPUCommandEncoder | null = null;
  private pass: GPUComputePassEncoder | null = null;
  private pending = 0;
  private lostMessage: string | null = null;
  private errorMessage: string | null = null;
  private readonly maxBinding: number;
  /** Workgroups per grid dimension (the adapter's limit; tests lower it to exercise the splitting). */
  maxGroups: number;
  private profiler: {
    querySet: GPUQuerySet;
    resolve: GPUBuffer;
    labels: string[];
    totals: Map<string, { calls: number; ms: number }>;
    pending: Promise<void>[];
  } | null = null;
  /** Dispatches and submissions so far (for tests and profiling). */
  readonly stats = { dispatches: 0, submits: 0 };

  constructor(
    readonly device: GPUDevice,
    readonly adapterInfo: string,
    software = false,
  ) {
    this.isSoftware = software;
    this.maxBinding = Math.min(device.limits.maxStorageBufferBindingSize, device.limits.maxBufferSize);
    this.maxGroups = device.limits.maxComputeWorkgroupsPerDimension;
    this.arena = device.createBuffer({ size: SLOT * ARENA_SLOTS, usage: UNIFORM | COPY_DST });
    void device.lost.then((info) => {
      this.lostMessage = `the GPU device was lost (${info.reason}${info.message ? `: ${info.message}` : ''})`;
    });
    const onError = (ev: GPUUncapturedErrorEvent): void => {
      const err = ev.error;
      const oom = err.constructor?.name === 'GPUOutOfMemoryError' || /out of memory/i.test(err.message);
      const msg = oom
        ? `the GPU ran out of memory (${err.message}); free tensors (tidy/dispose) or use smaller batches`
        : `GPU error: ${err.message}`;
      if (!this.errorMessage) this.errorMessage = msg;
    };
    device.onuncapturederror = onError;
  }

  // ---------------------------------------------------------------- plumbing

  private check(): void {
    if (this.lostMessage) throw new Error(`webgpu backend: ${this.lostMessage}; the tensors on it are gone: ${HINT}`);
    if (this.errorMessage) throw new Error(`webgpu backend: ${this.errorMessage}; ${HINT}`);
  }

  private kernel(name: string, subs: Record<string, string> = {}): Kernel {
    const key = `${name}${JSON.stringify(subs)}`;
    let k = this.kernels.get(key);
    if (k) return k;
    const src = SHADERS[name];
    if (!src) throw new Error(`webgpu backend: no WGSL kernel '${name}' (rebuild with npm run build:shaders)`);
    const code = src.replace(/\{\{(\w+)\}\}/g, (_, v: string) => subs[v] ?? DEFAULT_SUBS[v] ?? `{{${v}}}`);
    // Explicit layout from the declarations: binding 0 is the parameter slot
    // (a dynamic offset into the arena), then read-only or read-write storage.
    // Bind groups then depend only on the buffers, so they can be cached.
    const kinds: string[] = [];
    for (const m of code.matchAll(/@binding\((\d+)\)\s*var<(uniform|storage,\s*read_write|storage,\s*read)>/g)) {
      kinds[Number(m[1])] = m[2] === 'uniform' ? 'u' : m[2].endsWith('read_write') ? 'w' : 'r';
    }
    if (kinds[0] !== 'u' || kinds.some((x) => x === undefined))
      throw new Error(
        `webgpu backend: kernel ${key} must declare a uniform at binding 0 and consecutive storage bindings`,
      );
    const sig = kinds.join('');
    const layout = this.layout(sig);
    const d = this.device;
    d.pushErrorScope('validation');
    const module = d.createShaderModule({ code, label: key });
    const pipeline = d.createComputePipeline({
      layout: d.createPipelineLayout({ bindGroupLayouts: [layout] }),
      compute: { module, entryPoint: 'main' },
      label: key,
    });
    k = { pipeline, layout, sig };
    void d.popErrorScope().then((e) => {
      if (e && !this.errorMessage) this.errorMessage = `kernel ${key} failed to compile: ${e.message}`;
    });
    this.kernels.set(key, k);
    return k;
  }

  private layout(sig: string): GPUBindGroupLayout {
    let l = this.layouts.get(sig);
    if (!l) {
      const entries: GPUBindGroupLayoutEntry[] = [...sig].map((c, binding) => ({
        binding,
        visibility: 4, // GPUShaderStage.COMPUTE
        buffer:
          c === 'u'
            ? { type: 'uniform', hasDynamicOffset: true, minBindingSize: SLOT }
            : { type: c === 'w' ? 'storage' : 'read-only-storage' },
      }));
      l = this.device.createBindGroupLayout({ entries, label: sig });
      this.layouts.set(sig, l);
    }
    return l;
  }

  private bufferId(g: GPUBuffer): number {
    let id = this.ids.get(g);
    if (id === undefined) this.ids.set(g, (id = this.nextId++));
    return id;
  }

  /** Bind groups are cached by layout and buffers (the parameter slot is a dynamic offset). */
  private bindGroup(k: Kernel, bufs: GPUBuf[]): GPUBindGroup {
    let key = k.sig;
    for (const b of bufs) key += `,${this.bufferId(b.gpu)}`;
    let bg = this.bindGroups.get(key);
    if (!bg) {
      if (this.bindGroups.size >= MAX_BIND_GROUPS) this.bindGroups.clear();
      const entries: GPUBindGroupEntry[] = [{ binding: 0, resource: { buffer: this.arena, offset: 0, size: SLOT } }];
      bufs.forEach((b, i) => entries.push({ binding: i + 1, resource: { buffer: b.gpu } }));
      bg = this.device.createBindGroup({ layout: k.layout, entries });
      this.bindGroups.set(key, bg);
    }
    return bg;
  }

  /** Workgroup grid for `groups` workgroups, split over x and y to respect the per-dimension limit. */
  private grid(op: string, groups: number): [number, number] {
    if (groups <= this.maxGroups) return [groups, 1];
    const y = Math.ceil(groups / this.maxGroups);
    if (y > this.maxGroups)
      throw new Error(`webgpu backend: ${op} needs ${groups} workgroups, more than this adapter can dispatch`);
    return [this.maxGroups, y];
  }

  /** Record one dispatch: params into an arena slot, buffers at bindings 1..n. */
  private dispatch(
    name: string,
    subs: Record<string, string> | undefined,
    params: Params,
    bufs: GPUBuf[],
    groups: [number, number, number?],
  ): void {
    const k = this.kernel(name, subs);
    if (this.arenaUsed + SLOT > this.arenaCpu.byteLength || this.pending >= MAX_PENDING) this.flush();
    if (!this.encoder) this.encoder = this.device.createCommandEncoder();
    if (this.profiler) {
      // one pass per dispatch, with a timestamp at its start and end
      this.endPass();
      const q = this.profiler.labels.length * 2;
      this.profiler.labels.push(name.split('/')[1]);
      this.pass = this.encoder.beginComputePass({
        timestampWrites: { querySet: this.profiler.querySet, beginningOfPassWriteIndex: q, endOfPassWriteIndex: q + 1 },
      });
    } else if (!this.pass) this.pass = this.encoder.beginComputePass();
    const offset = this.arenaUsed;
    this.arenaCpu.set(params.u32, offset / 4);
    this.arenaUsed += SLOT;
    this.pass.setPipeline(k.pipeline);
    this.pass.setBindGroup(0, this.bindGroup(k, bufs), [offset]);
    this.pass.dispatchWorkgroups(groups[0], groups[1], groups[2] ?? 1);
    this.pending++;
    this.stats.dispatches++;
  }

  /** One invocation per element, 64 per workgroup. */
  private linear(
    name: string,
    subs: Record<string, string> | undefined,
    params: Params,
    bufs: GPUBuf[],
    threads: number,
  ): void {
    if (threads === 0) return;
    const [x, y] = this.grid(name, Math.ceil(threads / 64));
    this.dispatch(name, subs, params, bufs, [x, y]);
  }

  /** One workgroup per row / output element. */
  private perGroup(
    name: string,
    subs: Record<string, string> | undefined,
    params: Params,
    bufs: GPUBuf[],
    groups: number,
  ): void {
    if (groups === 0) return;
    const [x, y] = this.grid(name, groups);
    this.dispatch(name, subs, params, bufs, [x, y]);
  }

  private endPass(): void {
    if (this.pass) {
      this.pass.end();
      this.pass = null;
    }
  }

  /** Submit the recorded work (uploading the parameter arena first). */
  private flush(): void {
    this.endPass();
    if (!this.encoder) return;
    const prof = this.profiler;
    let staging: GPUBuffer | null = null;
    let labels: string[] = [];
    if (prof && prof.labels.length) {
      labels = prof.labels;
      prof.labels = [];
      const bytes = labels.length * 16;
      this.encoder.resolveQuerySet(prof.querySet, 0, labels.length * 2, prof.resolve, 0);
      staging = this.device.createBuffer({ size: bytes, usage: MAP_READ | COPY_DST });
      this.encoder.copyBufferToBuffer(prof.resolve, 0, staging, 0, bytes);
    }
    if (this.arenaUsed) this.device.queue.writeBuffer(this.arena, 0, this.arenaCpu.buffer, 0, this.arenaUsed);
    this.device.queue.submit([this.encoder.finish()]);
    if (prof && staging) {
      const st = staging;
      prof.pending.push(
        st.mapAsync(MAP_READ).then(() => {
          const t = new BigUint64Array(st.getMappedRange().slice(0));
          labels.forEach((label, i) => {
            const ns = Number(t[2 * i + 1] - t[2 * i]);
            const e = prof.totals.get(label) ?? { calls: 0, ms: 0 };
            e.calls++;
            e.ms += ns > 0 && ns < 1e12 ? ns / 1e6 : 0;
            prof.totals.set(label, e);
          });
          st.unmap();
          st.destroy();
        }),
      );
    }
    this.stats.submits++;
    this.encoder = null;
    this.arenaUsed = 0;
    this.pending = 0;
  }

  private sizeClass(bytes: number): number {
    let c = 256;
    while (c < bytes) c *= 2;
    if (c > this.maxBinding) c = Math.ceil(bytes / 256) * 256;
    return c;
  }

  private alloc(size: number, op = 'alloc'): GPUBuf {
    this.check();
    const bytes = Math.max(4, size * 4);
    if (bytes > this.maxBinding) {
      throw new Error(
        `webgpu backend: ${op} needs a ${size}-element buffer (${bytes} bytes), larger than this adapter's storage binding limit of ${this.maxBinding} bytes; split the batch or ${HINT}`,
      );
    }
    const cls = this.sizeClass(bytes);
    const free = this.pool.get(cls);
    let gpu = free?.pop();
    if (!gpu) {
      try {
        gpu = this.device.createBuffer({ size: cls, usage: STORAGE | COPY_SRC | COPY_DST });
      } catch (e) {
        throw new Error(`webgpu backend: could not allocate ${cls} bytes for ${op} (${(e as Error).message}); ${HINT}`);
      }
      this.allocated++;
    }
    this.live++;
    this.liveBytes += cls;
    return new GPUBuf(gpu, size, cls);
  }

  private buf(b: Buffer, op: string): GPUBuf {
    if (!(b instanceof GPUBuf)) throw new Error(`webgpu backend: ${op} got a buffer from another backend`);
    if (b.disposed) throw new Error(`webgpu backend: ${op} used a buffer after dispose`);
    return b;
  }

  /** A constant float32 table (twiddles), uploaded once and cached. */
  private table(key: string, make: () => Float32Array): GPUBuf {
    let g = this.constants.get(key);
    const data = g ? null : make();
    if (!g) {
      this.flush();
      g = this.device.createBuffer({ size: Math.max(256, data!.byteLength), usage: STORAGE | COPY_DST });
      this.device.queue.writeBuffer(g, 0, data!.buffer, data!.byteOffset, data!.byteLength);
      this.constants.set(key, g);
    }
    return new GPUBuf(g, g.size / 4, g.size);
  }

  // ---------------------------------------------------------------- memory

  fromArray(data: ArrayLike<number>): Buffer {
    const out = this.alloc(data.length, 'fromArray');
    if (data.length > 0) {
      // queued work may still read this (recycled) buffer: submit it before the write
      this.flush();
      const f = data instanceof Float32Array ? data : Float32Array.from(data);
      this.device.queue.writeBuffer(out.gpu, 0, f.buffer, f.byteOffset, f.byteLength);
    }
    return out;
  }

  fill(size: number, value: number): Buffer {
    const out = this.alloc(size, 'fill');
    this.linear('elementwise/fill', undefined, new Params().u(size).f(value), [out], size);
    return out;
  }

  async read(b: Buffer): Promise<Float32Array> {
    const g = this.buf(b, 'read');
    this.check();
    if (g.size === 0) return new Float32Array(0);
    const bytes = g.size * 4;
    const cls = this.sizeClass(bytes);
    const staging =
      this.stagingPool.get(cls)?.pop() ?? this.device.createBuffer({ size: cls, usage: MAP_READ | COPY_DST });
    this.endPass();
    if (!this.encoder) this.encoder = this.device.createCommandEncoder();
    this.encoder.copyBufferToBuffer(g.gpu, 0, staging, 0, bytes);
    this.flush();
    try {
      await staging.mapAsync(MAP_READ, 0, bytes);
    } catch (e) {
      this.check();
      throw new Error(`webgpu backend: reading a buffer failed (${(e as Error).message}); ${HINT}`);
    }
    const out = new Float32Array(staging.getMappedRange(0, bytes).slice(0));
    staging.unmap();
    let list = this.stagingPool.get(cls);
    if (!list) this.stagingPool.set(cls, (list = []));
    list.push(staging);
    this.check();
    return out;
  }

  readSync(): Float32Array {
    throw new Error(
      "webgpu backend: synchronous reads are not possible (GPU reads are asynchronous); use await tensor.data() / backend.read(buf), or a CPU backend (setBackend('wasm'))",
    );
  }

  dispose(b: Buffer): void {
    const g = b as GPUBuf;
    if (g.disposed) return;
    g.disposed = true;
    this.live--;
    this.liveBytes -= g.cls;
    let list = this.pool.get(g.cls);
    if (!list) this.pool.set(g.cls, (list = []));
    list.push(g.gpu);
  }

  memory(): MemoryInfo {
    return { buffers: this.live, bytes: this.liveBytes };
  }

  /** Pool statistics: GPU buffers ever created and buffers waiting in the pool. */
  poolInfo(): { created: number; pooled: number; pipelines: number } {
    let pooled = 0;
    for (const l of this.pool.values()) pooled += l.length;
    return { created: this.allocated, pooled, pipelines: this.kernels.size };
  }

  /** Return pooled (free) buffers and read-back staging buffers to the driver. */
  trimPool(): void {
    this.flush();
    for (const l of this.pool.values())
      for (const g of l) {
        g.destroy();
        this.allocated--;
      }
    this.pool.clear();
    for (const l of this.stagingPool.values()) for (const g of l) g.destroy();
    this.stagingPool.clear();
    this.bindGroups.clear();
  }

  async sync(): Promise<void> {
    this.check();
    this.flush();
    await this.device.queue.onSubmittedWorkDone();
    this.check();
  }

  /** True when the device has timestamp queries (then profile() measures GPU time per kernel). */
  get hasTimestamps(): boolean {
    return this.device.features.has('timestamp-query');
  }

  /**
   * GPU time per kernel family through timestamp queries: run `fn` (its work is
   * recorded one compute pass per dispatch) and return the summed GPU
   * milliseconds and call counts per kernel. Throws where the adapter has no
   * timestamp queries (see hasTimestamps).
   */
  async profile(fn: () => unknown | Promise<unknown>): Promise<Map<string, { calls: number; ms: number }>> {
    if (!this.hasTimestamps)
      throw new Error("webgpu backend: this adapter has no 'timestamp-query' feature, so GPU time cannot be measured");
    if (this.profiler) throw new Error('webgpu backend: profile() calls cannot nest');
    this.flush();
    const querySet = this.device.createQuerySet({ type: 'timestamp', count: 2 * MAX_PENDING });
    const resolve = this.device.createBuffer({ size: 16 * MAX_PENDING, usage: QUERY_RESOLVE | COPY_SRC });
    const prof = {
      querySet,
      resolve,
      labels: [] as string[],
      totals: new Map<string, { calls: number; ms: number }>(),
      pending: [] as Promise<void>[],
    };
    this.profiler = prof;
    try {
      await fn();
      this.flush();
    } finally {
      this.profiler = null;
    }
    await Promise.all(prof.pending);
    querySet.destroy();
    resolve.destroy();
    this.check();
    return prof.totals;
  }

  // ---------------------------------------------------------------- elementwise

  unary(op: UnaryOp, x: Buffer): Buffer {
    const X = this.buf(x, op),
      out = this.alloc(X.size, op);
    this.linear('elementwise/unary', { EXPR: UNARY[op] }, new Params().u(X.size), [X, out], X.size);
    return out;
  }

  binary(
    op: BinaryOp,
    a: Buffer,
    aStrides: readonly number[],
    b: Buffer,
    bStrides: readonly number[],
    outShape: readonly number[],
  ): Buffer {
    const A = this.buf(a, op),
      B = this.buf(b, op);
    const size = sizeOf(outShape),
      out = this.alloc(size, op);
    const c = collapseAxes(outShape, [aStrides, bStrides]);
    if (c.shape.length > MAX_RANK)
      throw new Error(
        `webgpu backend: ${op} broadcasts over ${c.shape.length} axes after merging, at most ${MAX_RANK} are supported`,
      );
    this.linear(
      'elementwise/binary',
      { OP: BINARY[op] },
      new Params().arr(c.shape).arr(c.strides[0]).arr(c.strides[1]).u(c.shape.length, size),
      [A, B, out],
      size,
    );
    return out;
  }

  binaryScalar(op: BinaryOp, x: Buffer, s: number, scalarFirst: boolean): Buffer {
    const X = this.buf(x, op),
      out = this.alloc(X.size, op);
    this.linear(
      'elementwise/binaryScalar',
      { OP: BINARY[op] },
      new Params()
        .u(X.size)
        .f(s)
        .u(scalarFirst ? 1 : 0),
      [X, out],
      X.size,
    );
    return out;
  }

  where(
    cond: Buffer,
    cStrides: readonly number[],
    a: Buffer,
    aStrides: readonly number[],
    b: Buffer,
    bStrides: readonly number[],
    outShape: readonly number[],
  ): Buffer {
    const C = this.buf(cond, 'where'),
      A = this.buf(a, 'where'),
      B = this.buf(b, 'where');
    const size = sizeOf(outShape),
      out = this.alloc(size, 'where');
    const c = collapseAxes(outShape, [cStrides, aStrides, bStrides]);
    if (c.shape.length > MAX_RANK)
      throw new Error(
        `webgpu backend: where broadcasts over ${c.shape.length} axes after merging, at most ${MAX_RANK} are supported`,
      );
    this.linear(
      'elementwise/where',
      undefined,
      new Params().arr(c.shape).arr(c.strides[0]).arr(c.strides[1]).arr(c.strides[2]).u(c.shape.length, size),
      [C, A, B, out],
      size,
    );
    return out;
  }

  // ---------------------------------------------------------------- reductions and layout

  reduceLast(op: ReduceOp, x: Buffer, outer: number, n: number): Buffer {
    const X = this.buf(x, `reduce ${op}`),
      out = this.alloc(outer, `reduce ${op}`);
    if (n <= SHORT_ROW) this.linear('reduce/reduceRows', REDUCE[op], new Params().u(outer, n), [X, out], outer);
    else this.perGroup('reduce/reduceLast', REDUCE[op], new Params().u(outer, n), [X, out], outer);
    return out;
  }

  private gather(op: string, X: GPUBuf, outShape: readonly number[], strides: readonly number[], base: number): GPUBuf {
    const size = sizeOf(outShape),
      out = this.alloc(size, op);
    const c = collapseAxes(outShape, [strides]);
    if (c.shape.length > MAX_RANK)
      throw new Error(
        `webgpu backend: ${op} of a rank-${c.shape.length} tensor (after merging axes) is not supported (at most ${MAX_RANK})`,
      );
    this.linear(
      'layout/gather',
      undefined,
      new Params().arr(c.shape).arr(c.strides[0]).u(c.shape.length, size, base),
      [X, out],
      size,
    );
    return out;
  }

  transpose(x: Buffer, shape: readonly number[], perm: readonly number[]): Buffer {
    const st = stridesOf(shape);
    return this.gather(
      'transpose',
      this.buf(x, 'transpose'),
      perm.map((p) => shape[p]),
      perm.map((p) => st[p]),
      0,
    );
  }

  slice(x: Buffer, shape: readonly number[], begin: readonly number[], size: readonly number[]): Buffer {
    const st = stridesOf(shape);
    return this.gather(
      'slice',
      this.buf(x, 'slice'),
      size,
      st,
      begin.reduce((acc, b, d) => acc + b * st[d], 0),
    );
  }

  pad(x: Buffer, shape: readonly number[], before: readonly number[], after: readonly number[], mode: PadMode): Buffer {
    const X = this.buf(x, 'pad');
    if (shape.length > MAX_RANK)
      throw new Error(`webgpu backend: pad of a rank-${shape.length} tensor is not supported (at most ${MAX_RANK})`);
    const outShape = shape.map((s, d) => s + before[d] + after[d]);
    const size = sizeOf(outShape),
      out = this.alloc(size, 'pad');
    this.linear(
      'layout/pad',
      undefined,
      new Params()
        .arr(outShape)
        .arr(shape)
        .arr(before)
        .arr(stridesOf(shape))
        .u(shape.length, size, mode === 'circular' ? 1 : 0),
      [X, out],
      size,
    );
    return out;
  }

  concat(xs: readonly Buffer[], shapes: readonly (readonly number[])[], axis: number): Buffer {
    const { outer, inners, offsets, total } = concatLayout(shapes, axis);
    const out = this.alloc(outer * total, 'concat');
    xs.forEach((x, i) => {
      const w = inners[i];
      if (w > 0)
        this.linear(
          'layout/concatCopy',
          undefined,
          new Params().u(outer * w, w, total, offsets[i]),
          [this.buf(x, 'concat'), out],
          outer * w,
        );
    });
    return out;
  }

  // ---------------------------------------------------------------- linear algebra

  matmul(a: Buffer, b: Buffer, p: MatmulParams): Buffer {
    const A = this.buf(a, 'matmul'),
      B = this.buf(b, 'matmul');
    const { batch, m, k, n } = p;
    const out = this.alloc(batch * m * n, 'matmul');
    if (batch * m * n === 0) return out;
    const gx = Math.ceil(n / 32),
      gy = Math.ceil(m / 32);
    if (gx > this.maxGroups || gy > this.maxGroups)
      throw new Error(
        `webgpu backend: matmul [${m}x${k}] @ [${k}x${n}] has more than ${this.maxGroups * 32} rows or columns`,
      );
    // split-K when the output has few tiles and k is long, so that enough workgroups run
    const tiles = gx * gy * batch;
    const splits =
      tiles >= SPLITK_TARGET || k < 2 * SPLITK_MIN_CHUNK
        ? 1
        : Math.min(Math.ceil(SPLITK_TARGET / tiles), Math.floor(k / SPLITK_MIN_CHUNK));
    const kChunk = splits === 1 ? k : Math.ceil(k / splits / 16) * 16;
    const nSplits = splits === 1 ? 1 : Math.ceil(k / kChunk);
    const size = batch * m * n;
    const dst = nSplits > 1 ? this.alloc(nSplits * size, 'matmul') : out;
    const perCall = Math.max(1, Math.floor(this.maxGroups / nSplits));
    for (let b0 = 0; b0 < batch; b0 += perCall) {
      const nb = Math.min(perCall, batch - b0);
      const params = new Params().u(
        m,
        k,
        n,
        p.batchA === 1 ? 0 : m * k,
        p.batchB === 1 ? 0 : k * n,
        b0,
        nb,
        kChunk,
        size,
        p.transA ? 1 : 0,
        p.transB ? 1 : 0,
      );
      this.dispatch('matmul/matmul', undefined, params, [A, B, dst], [gx, gy, nb * nSplits]);
    }
    if (dst !== out) {
      this.linear('reduce/sumSplits', undefined, new Params().u(size, nSplits), [dst, out], size);
      this.dispose(dst);
    }
    return out;
  }

  private convParams(p: ConvParams, size: number): Params {
    return new Params().u(
      p.N,
      p.C,
      p.H,
      p.W,
      p.O,
      p.kh,
      p.kw,
      p.stride,
      p.padTop,
      p.padLeft,
      p.mode === 'circular' ? 1 : 0,
      p.Ho,
      p.Wo,
      size,
      0,
      0,
    );
  }

  /** One conv-family kernel `conv/<name>` over inputs (a, b), `size` outputs; grad-filter of conv2d reduces per group. */
  private convOp(name: string, a: Buffer, b: Buffer, p: ConvParams, size: number, perGroup = false): Buffer {
    const out = this.alloc(size, name),
      bufs = [this.buf(a, name), this.buf(b, name), out];
    if (perGroup) this.perGroup(`conv/${name}`, undefined, this.convParams(p, size), bufs, size);
    else this.linear(`conv/${name}`, undefined, this.convParams(p, size), bufs, size);
    return out;
  }

  conv2d(x: Buffer, w: Buffer, p: ConvParams): Buffer {
    return this.convOp('conv2d', x, w, p, p.N * p.O * p.Ho * p.Wo);
  }
  conv2dGradInput(g: Buffer, w: Buffer, p: ConvParams): Buffer {
    return this.convOp('conv2dGradInput', g, w, p, p.N * p.C * p.H * p.W);
  }
  conv2dGradFilter(x: Buffer, g: Buffer, p: ConvParams): Buffer {
    return this.convOp('conv2dGradFilter', x, g, p, p.O * p.C * p.kh * p.kw, true);
  }
  local2d(x: Buffer, w: Buffer, p: ConvParams): Buffer {
    return this.convOp('local2d', x, w, p, p.N * p.O * p.Ho * p.Wo);
  }
  local2dGradInput(g: Buffer, w: Buffer, p: ConvParams): Buffer {
    return this.convOp('local2dGradInput', g, w, p, p.N * p.C * p.H * p.W);
  }
  local2dGradFilter(x: Buffer, g: Buffer, p: ConvParams): Buffer {
    return this.convOp('local2dGradFilter', x, g, p, p.O * p.C * p.Ho * p.Wo * p.kh * p.kw);
  }

  // ---------------------------------------------------------------- FFT

  /** (cos, sin)(2 pi t / n), t < n, from the float64 host table. */
  private twiddleTable(n: number): GPUBuf {
    return this.table(`tw${n}`, () => {
      const { cos, sin } = twiddles(n);
      const t = new Float32Array(2 * n);
      for (let i = 0; i < n; i++) {
        t[2 * i] = cos[i];
        t[2 * i + 1] = sin[i];
      }
      return t;
    });
  }

  /** Transform `lines` = outer*stride lines of length n from src into dst (distinct buffers). */
  private fftLines(src: GPUBuf, dst: GPUBuf, outer: number, n: number, stride: number, inverse: boolean): void {
    const lines = outer * stride;
    if (lines * n === 0) return;
    const sign = inverse ? 1 : -1;
    const scale = inverse ? 1 / n : 1;
    if (n > 1 && isPow2(n) && n <= LOCAL_FFT_MAX) {
      const tw = this.twiddleTable(n);
      const subs = { WG: String(Math.min(n / 2, 128)), HALFBUF: String(n), BUF: String(2 * n) };
      this.perGroup(
        'fft/stockhamLocal',
        subs,
        new Params().u(lines, n, stride, Math.log2(n)).f(sign, scale),
        [src, tw, dst],
        lines,
      );
    } else if (n > 1 && isPow2(n)) {
      const tw = this.twiddleTable(n);
      const passes = Math.log2(n);
      const tmp = passes > 1 ? this.alloc(lines * n * 2, 'fft') : null;
      let cur = src;
      for (let i = 0, ns = 1; i < passes; i++, ns *= 2) {
        const to = (passes - 1 - i) % 2 === 0 ? dst : tmp!;
        const count = (lines * n) / 2;
        this.linear(
          'fft/stockham',
          undefined,
          new Params().u(count, n, stride, ns).f(sign, i === passes - 1 ? scale : 1),
          [cur, tw, to],
          count,
        );
        cur = to;
      }
      if (tmp) this.dispose(tmp);
    } else if (n < DFT_MAX) {
      const tw = this.twiddleTable(n);
      this.linear(
        'fft/dft',
        undefined,
        new Params().u(lines * n, n, stride, 0).f(sign, scale),
        [src, tw, dst],
        lines * n,
      );
    } else {
      this.bluestein(src, dst, outer, n, stride, inverse);
    }
  }

  /** Bluestein's chirp-z transform through power-of-two FFTs of length m >= 2n - 1. */
  private bluestein(src: GPUBuf, dst: GPUBuf, outer: number, n: number, stride: number, inverse: boolean): void {
    let m = 1;
    while (m < 2 * n - 1) m *= 2;
    const sign = inverse ? 1 : -1;
    const lines = outer * stride;
    const chirp = this.table(`chirp${n}`, () => {
      const t = new Float32Array(2 * n);
      for (let k = 0; k < n; k++) {
        const a = (Math.PI * ((k * k) % (2 * n))) / n;
        t[2 * k] = Math.cos(a);
        t[2 * k + 1] = Math.sin(a);
      }
      return t;
    });
    // spectrum of b_k = conj(w_k), w_k = exp(sign i pi k^2 / n), wrapped to length m, in float64
    const spec = this.table(`bluestein${n}:${sign}`, () => {
      const re = new Float64Array(m),
        im = new Float64Array(m);
      for (let k = 0; k < n; k++) {
        const a = (Math.PI * ((k * k) % (2 * n))) / n;
        re[k] = Math.cos(a);
        im[k] = -sign * Math.sin(a);
        if (k > 0) {
          re[m - k] = re[k];
          im[m - k] = im[k];
        }
      }
      fft1d(re, im, false);
      const t = new Float32Array(2 * m);
      for (let k = 0; k < m; k++) {
        t[2 * k] = re[k];
        t[2 * k + 1] = im[k];
      }
      return t;
    });
    const A = this.alloc(lines * m * 2, 'fft'),
      B = this.alloc(lines * m * 2, 'fft');
    this.linear('fft/chirp', undefined, new Params().u(lines * m, n, stride, m).f(sign, 1), [src, chirp, A], lines * m);
    this.fftLines(A, B, lines, m, 1, false);
    this.linear('fft/pointMul', undefined, new Params().u(lines * m, m), [B, spec, A], lines * m);
    this.fftLines(A, B, lines, m, 1, true);
    this.linear(
      'fft/chirpOut',
      undefined,
      new Params().u(lines * n, n, stride, m).f(sign, inverse ? 1 / n : 1),
      [B, chirp, dst],
      lines * n,
    );
    this.dispose(A);
    this.dispose(B);
  }

  fft(x: Buffer, batch: number, n: number, inverse: boolean): Buffer {
    const X = this.buf(x, 'fft'),
      out = this.alloc(X.size, 'fft');
    this.fftLines(X, out, batch, n, 1, inverse);
    return out;
  }

  private fft2Into(X: GPUBuf, out: GPUBuf, batch: number, h: number, w: number, inverse: boolean): void {
    const tmp = this.alloc(batch * h * w * 2, 'fft2');
    this.fftLines(X, tmp, batch * h, w, 1, inverse); // rows
    this.fftLines(tmp, out, batch, h, w, inverse); // columns
    this.dispose(tmp);
  }

  fft2(x: Buffer, batch: number, h: number, w: number, inverse: boolean): Buffer {
    const X = this.buf(x, 'fft2'),
      out = this.alloc(X.size, 'fft2');
    this.fft2Into(X, out, batch, h, w, inverse);
    return out;
  }

  // ---------------------------------------------------------------- circular convolutions (through the FFT)

  /** 2-D spectra of `planes` real H x W planes. */
  private spectra(x: GPUBuf, planes: number, H: number, W: number): GPUBuf {
    const n = planes * H * W;
    const z = this.alloc(2 * n, 'circConv2d'),
      s = this.alloc(2 * n, 'circConv2d');
    this.linear('fft/toComplex', undefined, new Params().u(n), [x, z], n);
    this.fft2Into(z, s, planes, H, W, false);
    this.dispose(z);
    return s;
  }

  /** real(F^-1( sum_s cp(P[a*pA + s*pS]) cq(Q[b*qB + s*qS]) )) for a < nA, b < nB: [nA, nB, H, W]. */
  private circProduct(
    P: GPUBuf,
    Q: GPUBuf,
    nA: number,
    nB: number,
    nS: number,
    pA: number,
    pS: number,
    qB: number,
    qS: number,
    conjP: boolean,
    conjQ: boolean,
    H: number,
    W: number,
  ): GPUBuf {
    const HW = H * W,
      count = nA * nB * HW;
    const z = this.alloc(2 * count, 'circConv2d');
    this.linear(
      'fft/specProduct',
      undefined,
      new Params().u(count, nB, nS, HW, pA, pS, qB, qS).f(conjP ? -1 : 1, conjQ ? -1 : 1),
      [P, Q, z],
      count,
    );
    const zi = this.alloc(2 * count, 'circConv2d');
    this.fft2Into(z, zi, nA * nB, H, W, true);
    const out = this.alloc(count, 'circConv2d');
    this.linear('fft/realPart', undefined, new Params().u(count), [zi, out], count);
    this.dispose(z);
    this.dispose(zi);
    return out;
  }

  circConv2d(x: Buffer, w: Buffer, p: CircConvParams): Buffer {
    const X = this.spectra(this.buf(x, 'circConv2d'), p.N * p.C, p.H, p.W);
    const Wf = this.spectra(this.buf(w, 'circConv2d'), p.O * p.C, p.H, p.W);
    // out[n,o] = F^-1( sum_c X[n,c] conj(W[o,c]) )
    const out = this.circProduct(X, Wf, p.N, p.O, p.C, p.C, 1, p.C, 1, false, true, p.H, p.W);
    this.dispose(X);
    this.dispose(Wf);
    return out;
  }

  circConv2dGradInput(g: Buffer, w: Buffer, p: CircConvParams): Buffer {
    const G = this.spectra(this.buf(g, 'circConv2dGradInput'), p.N * p.O, p.H, p.W);
    const Wf = this.spectra(this.buf(w, 'circConv2dGradInput'), p.O * p.C, p.H, p.W);
    // dx[n,c] = F^-1( sum_o G[n,o] W[o,c] )
    const out = this.circProduct(G, Wf, p.N, p.C, p.O, p.O, 1, 1, p.C, false, false, p.H, p.W);
    this.dispose(G);
    this.dispose(Wf);
    return out;
  }

  circConv2dGradFilter(x: Buffer, g: Buffer, p: CircConvParams): Buffer {
    const X = this.spectra(this.buf(x, 'circConv2dGradFilter'), p.N * p.C, p.H, p.W);
    const G = this.spectra(this.buf(g, 'circConv2dGradFilter'), p.N * p.O, p.H, p.W);
    // dw[o,c] = F^-1( sum_n conj(G[n,o]) X[n,c] )
    const out = this.circProduct(G, X, p.O, p.C, p.N, 1, p.O, 1, p.C, true, false, p.H, p.W);
    this.dispose(X);
    this.dispose(G);
    return out;
  }

  // ---------------------------------------------------------------- fused

  logSoftmax(x: Buffer, outer: number, n: number): Buffer {
    const X = this.buf(x, 'logSoftmax'),
      out = this.alloc(X.size, 'logSoftmax');
    if (n <= SHORT_ROW) this.linear('reduce/logSoftmaxRows', undefined, new Params().u(outer, n), [X, out], outer);
    else this.perGroup('reduce/logSoftmax', undefined, new Params().u(outer, n), [X, out], outer);
    return out;
  }

  sgdStep(p: Buffer, g: Buffer, v: Buffer, lr: number, momentum: number, weightDecay: number, nesterov: boolean): void {
    const P = this.buf(p, 'sgdStep'),
      G = this.buf(g, 'sgdStep'),
      V = this.buf(v, 'sgdStep');
    if (P === G || P === V || G === V)
      throw new Error('webgpu backend: sgdStep needs three distinct buffers (parameter, gradient, velocity)');
    this.linear(
      'elementwise/sgd',
      undefined,
      new Params()
        .u(P.size)
        .f(lr, momentum, weightDecay)
        .u(nesterov ? 1 : 0),
      [P, G, V],
      P.size,
    );
  }
}

let instance: Promise<WebGPUBackend> | null = null;

/** One device per process: the first call finds an adapter and creates it; later calls share it. */
export function createWebGPUBackend(): Promise<Backend> {
  if (!instance) {
    instance = start().catch((e) => {
      instance = null;
      throw e;
    });
  }
  return instance;
}

async function start(): Promise<WebGPUBackend> {
  const found = await findGPU();
  if (found instanceof Error) throw new Error(`webgpu backend: no WebGPU here: ${found.message}; ${HINT}`);
  const adapter = await found.gpu.requestAdapter();
  if (!adapter) {
    throw new Error(
      `webgpu backend: no GPU adapter found (${found.runtime}); on a GPU-less Linux machine run scripts/webgpu-setup.sh (SwiftShader); ${HINT}`,
    );
  }
  const lim = adapter.limits;
  const requiredLimits: Record<string, number> = {
    maxStorageBufferBindingSize: lim.maxStorageBufferBindingSize,
    maxBufferSize: lim.maxBufferSize,
    maxComputeWorkgroupsPerDimension: lim.maxComputeWorkgroupsPerDimension,
    maxComputeInvocationsPerWorkgroup: lim.maxComputeInvocationsPerWorkgroup,
    maxStorageBuffersPerShaderStage: lim.maxStorageBuffersPerShaderStage,
  };
  let device: GPUDevice;
  try {
    const requiredFeatures: GPUFeatureName[] = adapter.features.has('timestamp-query') ? ['timestamp-query'] : [];
    device = await adapter.requestDevice({ requiredLimits, requiredFeatures });
  } catch (e) {
    throw new Error(
      `webgpu backend: the adapter refused a device (${(e as Error).message}); only one device per process is possible; ${HINT}`,
    );
  }
  const info = adapter.info as GPUAdapterInfo | undefined;
  const desc = info ? [info.vendor, info.architecture, info.device, info.description].filter(Boolean).join(' / ') : '';
  const fallback = !!(
    (info as { isFallbackAdapter?: boolean } | undefined)?.isFallbackAdapter ??
    (adapter as { isFallbackAdapter?: boolean }).isFallbackAdapter
  );
  const software = fallback || /swiftshader|llvmpipe|lavapipe|softpipe|software/i.test(desc);
  return new WebGPUBackend(
    device,
    `${found.runtime}: ${desc || 'unknown adapter'}${software ? ' (software)' : ''}`,
    software,
  );
}
