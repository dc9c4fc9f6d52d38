// Tensor, the engine's global state (current backend, tidy scopes, live-tensor
// count) and the autograd record. Tensors are float32 (float64 on a float64
// reference backend), contiguous, row-major and immutable: every op returns a
// new tensor, and layout changes (transpose, slice) are materialised copies.

import type { Backend, Buffer } from './backends/backend.ts';
import { checkShape, fmt, sizeOf, type Shape } from './core/shape.ts';

/** One recorded operation: how to send a gradient from its output to its inputs. */
export interface GradNode {
  readonly id: number;
  readonly op: string;
  readonly inputs: readonly Tensor[];
  readonly attrs?: Record<string, unknown>;
  /** Gradient of the loss w.r.t. each input (null where the input needs none). */
  readonly backward: (g: Tensor) => (Tensor | null)[];
}

/** A hook on a tensor: sees the gradient flowing into it and may return a replacement. */
export type GradHook = (grad: Tensor, t: Tensor) => Tensor | void;

let nextTensorId = 1;

/** A backend buffer with the number of tensors that view it. */
export class BufferRef {
  count = 0;
  constructor(readonly buf: Buffer) {}
}
let nextNodeId = 1;

/** An immutable, contiguous, row-major float32 (or float64) array on one backend, with autodiff bookkeeping. Read it with `await t.data()`; free it with `t.dispose()` or tidy(). */
export class Tensor {
  readonly id = nextTensorId++;
  readonly shape: readonly number[];
  readonly size: number;
  requiresGrad = false;
  /** Accumulated gradient (leaves, and tensors that called retainGrad()). */
  grad: Tensor | null = null;
  /** The op that produced this tensor, when it was recorded for autodiff. */
  node: GradNode | null = null;
  /** Optional name shown in graph listings (parameters get theirs from modules). */
  name?: string;
  hooks: GradHook[] = [];
  retainsGrad = false;
  private ref: BufferRef | null;

  /** `buf` may be shared with other tensors (reshape): it is freed when its last tensor is disposed. */
  constructor(
    readonly backend: Backend,
    buf: Buffer | BufferRef,
    shape: Shape,
  ) {
    checkShape('tensor', shape);
    this.shape = Object.freeze([...shape]);
    this.size = sizeOf(shape);
    const ref = buf instanceof BufferRef ? buf : new BufferRef(buf);
    if (ref.buf.size !== this.size)
      throw new Error(`tensor: buffer holds ${ref.buf.size} elements but shape ${fmt(shape)} needs ${this.size}`);
    ref.count++;
    this.ref = ref;
    engine.track(this);
  }

  get rank(): number {
    return this.shape.length;
  }
  get disposed(): boolean {
    return this.ref === null;
  }

  /** The backend buffer; throws a clear error once disposed. */
  get buffer(): Buffer {
    if (this.ref === null)
      throw new Error(
        `tensor #${this.id} ${fmt(this.shape)}${this.name ? ` '${this.name}'` : ''} was read after dispose()`,
      );
    return this.ref.buf;
  }
  /** The shared buffer handle (for zero-copy views such as reshape). */
  get bufferRef(): BufferRef {
    void this.buffer; // the getter throws on a disposed tensor
    return this.ref!;
  }

  /** Values as float32 (async: works on every backend). */
  async data(): Promise<Float32Array> {
    const d = await this.backend.read(this.buffer);
    return d instanceof Float32Array ? d : Float32Array.from(d);
  }
  /** Values at the backend's precision (float64 on a float64 reference backend). */
  async dataF64(): Promise<Float64Array> {
    const d = await this.backend.read(this.buffer);
    return d instanceof Float64Array ? d : Float64Array.from(d);
  }
  /** Synchronous read; only CPU backends allow it. */
  dataSync(): Float32Array {
    if (!this.backend.syncRead)
      throw new Error(`dataSync: the ${this.backend.name} backend only reads asynchronously; use await t.data()`);
    const d = this.backend.readSync(this.buffer);
    return d instanceof Float32Array ? d : Float32Array.from(d);
  }
  dataSyncF64(): Float64Array {
    if (!this.backend.syncRead)
      throw new Error(`dataSync: the ${this.backend.name} backend only reads asynchronously; use await t.data()`);
    const d = this.backend.readSync(this.buffer);
    return d instanceof Float64Array ? d : Float64Array.from(d);
  }
  /** The single value of a one-element tensor. */
  async item(): Promise<number> {
    if (this.size !== 1) throw new Error(`item: tensor has shape ${fmt(this.shape)}, not one element`);
    return (await this.data())[0];
  }
  itemSync(): number {
    if (this.size !== 1) throw new Error(`item: tensor has shape ${fmt(this.shape)}, not one element`);
    return this.dataSync()[0];
  }

  /** Nested arrays, for printing and tests. */
  async array(): Promise<unknown> {
    const d = await this.data();
    const build = (dim: number, off: number): unknown => {
      if (dim === this.rank) return d[off];
      const step = sizeOf(this.shape.slice(dim + 1));
      return Array.from({ length: this.shape[dim] }, (_, i) => build(dim + 1, off + i * step));
    };
    return build(0, 0);
  }

  /** Free the device memory now. Idempotent. */
  dispose(): void {
    if (this.ref === null) return;
    if (--this.ref.count === 0) this.backend.dispose(this.ref.buf);
    this.ref = null;
    engine.untrack(this);
  }

  /** Mark as a trainable leaf (or stop tracking). Returns this. */
  requireGrad(flag = true): this {
    if (this.node && flag)
      throw new Error(
        `requireGrad: tensor #${this.id} is the output of '${this.node.op}', not a leaf; use retainGrad() to keep its gradient`,
      );
    this.requiresGrad = flag;
    return this;
  }
  /** Keep the gradient of this intermediate tensor in `.grad` after backward(). */
  retainGrad(): this {
    this.retainsGrad = true;
    return this;
  }
  /** Run `fn` with the gradient flowing into this tensor during backward; it may return a replacement. */
  registerHook(fn: GradHook): () => void {
    this.hooks.push(fn);
    return () => {
      this.hooks = this.hooks.filter((h) => h !== fn);
    };
  }
  setName(name: string): this {
    this.name = name;
    return this;
  }

  toString(): string {
    return `Tensor#${this.id}${this.name ? `'${this.name}'` : ''}(${fmt(this.shape)}, ${this.backend.name}${this.node ? `, op=${this.node.op}` : ''})`;
  }
}

type Scope = Set<Tensor>;

/** Engine state: the active backend, tidy scopes, grad mode and the live-tensor count. */
class Engine {
  private _backend: Backend | null = null;
  private scopes: Scope[] = [];
  private liveTensors = 0;
  gradEnabled = true;
  /** During backward() with targets: the tensors on a path from a target to the root (null: every tensor that requires grad). */
  gradMask: ReadonlySet<Tensor> | null = null;

  get backend(): Backend {
    if (!this._backend)
      throw new Error(
        'no backend: call setBackend() (or import from the package index, which sets the reference backend)',
      );
    return this._backend;
  }
  setBackend(b: Backend): void {
    this._backend = b;
  }
  hasBackend(): boolean {
    return this._backend !== null;
  }

  track(t: Tensor): void {
    this.liveTensors++;
    const s = this.scopes[this.scopes.length - 1];
    if (s) s.add(t);
  }
  untrack(t: Tensor): void {
    this.liveTensors--;
    for (const s of this.scopes) s.delete(t);
  }
  get numTensors(): number {
    return this.liveTensors;
  }

  /** Remove t from every open scope so that tidy() will not dispose it. */
  keep<T extends Tensor>(t: T): T {
    for (const s of this.scopes) s.delete(t);
    return t;
  }

  tidy<T>(fn: () => T): T {
    const scope: Scope = new Set();
    this.scopes.push(scope);
    let result: T;
    try {
      result = fn();
    } catch (e) {
      this.scopes.pop();
      for (const t of scope) t.dispose();
      throw e;
    }
    this.scopes.pop();
    if (result instanceof Promise)
      throw new Error('tidy: the function must be synchronous (it returned a Promise); use tidyAsync');
    const kept = new Set<Tensor>();
    collectTensors(result, kept);
    const parent = this.scopes[this.scopes.length - 1];
    for (const t of scope) {
      if (kept.has(t)) parent?.add(t);
      else t.dispose();
    }
    return result;
  }

  async tidyAsync<T>(fn: () => Promise<T>): Promise<T> {
    const scope: Scope = new Set();
    this.scopes.push(scope);
    const idx = this.scopes.length - 1;
    try {
      const result = await fn();
      const kept = new Set<Tensor>();
      collectTensors(result, kept);
      this.scopes.splice(idx, 1);
      const parent = this.scopes[idx - 1];
      for (const t of scope) {
        if (kept.has(t)) parent?.add(t);
        else t.dispose();
      }
      return result;
    } catch (e) {
      this.scopes.splice(idx, 1);
      for (const t of scope) t.dispose();
      throw e;
    }
  }

  newNodeId(): number {
    return nextNodeId++;
  }
}

function collectTensors(v: unknown, out: Set<Tensor>, depth = 0): void {
  if (v instanceof Tensor) {
    out.add(v);
    return;
  }
  if (depth > 4 || v === null || typeof v !== 'object') return;
  if (Array.isArray(v)) {
    for (const x of v) collectTensors(x, out, depth + 1);
    return;
  }
  if (v instanceof Map) {
    for (const x of v.values()) collectTensors(x, out, depth + 1);
    return;
  }
  if (Object.getPrototypeOf(v) === Object.prototype)
    for (const x of Object.values(v)) collectTensors(x, out, depth + 1);
}

/** The engine state: the current backend, tidy scopes, gradient mode, live tensors. */
export const engine = new Engine();

/** Dispose every tensor created inside fn except those it returns. */
export const tidy = <T>(fn: () => T): T => engine.tidy(fn);
/** tidy() for async functions: disposes what `fn` created except what it returns. */
export const tidyAsync = <T>(fn: () => Promise<T>): Promise<T> => engine.tidyAsync(fn);
/** Exempt a tensor from disposal by the enclosing tidy(). */
export const keep = <T extends Tensor>(t: T): T => engine.keep(t);

/** Run fn without recording operations for autodiff. */
export function noGrad<T>(fn: () => T): T {
  const prev = engine.gradEnabled;
  engine.gradEnabled = false;
  try {
    return fn();
  } finally {
    engine.gradEnabled = prev;
  }
}

/** Live tensors and backend buffers, for leak checks. */
export function memory(): { tensors: number; buffers: number; bytes: number } {
  const m = engine.backend.memory();
  return { tensors: engine.numTensors, buffers: m.buffers, bytes: m.bytes };
}

/** Wrap a fresh backend buffer as a tensor. */
export function wrap(buf: Buffer | BufferRef, shape: Shape, backend: Backend = engine.backend): Tensor {
  return new Tensor(backend, buf, shape);
}

/**
 * Whether a gradient w.r.t. t is wanted by the backward pass in progress. Gradient
 * closures test this, not t.requiresGrad, so that backward(loss, { targets }) runs no
 * kernel for inputs (weights, during an attack) that no target needs.
 */
export function needsGrad(t: Tensor): boolean {
  return t.requiresGrad && (engine.gradMask === null || engine.gradMask.has(t));
}

/**
 * Record an op for autodiff when grad mode is on and an input needs a gradient.
 * `backward` returns one gradient (or null) per input.
 */
export function record(
  out: Tensor,
  op: string,
  inputs: readonly Tensor[],
  backward: GradNode['backward'],
  attrs?: Record<string, unknown>,
): Tensor {
  if (!engine.gradEnabled || !inputs.some((t) => t.requiresGrad)) return out;
  out.requiresGrad = true;
  out.node = { id: engine.newNodeId(), op, inputs, attrs, backward };
  return out;
}
