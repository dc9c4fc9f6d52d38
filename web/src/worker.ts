// The engine worker: all tensor work of the web lab runs here (a module
// worker), so the page stays responsive. It picks WebGPU when the browser
// gives an adapter and the backend starts, else WASM, else the reference
// backend, and says which.
import {
  Tensor, add, backward, captureGradients, crossEntropy, graphOf, keep, mul, noGrad, setBackend, sqrt, square, sub, sum,
  tensor, tidy, topoOrder, engine, memory,
} from '../../src/index.ts';
import type { BackendName } from '../../src/index.ts';
import type { Classifier } from '../../src/nn/types.ts';
import {
  STANDIN_ATTACKS, STANDIN_SPECS, angularEnergy, buildStandinModel, centredPower, grey, radialEnergy, standinAttack, standinSaliency,
  standinSynthetic, type AttackName,
} from './standins.ts';
import { parseDroppedFiles, type ImageSet } from './datasets.ts';
import { decodeSafetensors, encodeSafetensors, type NamedArray } from './safetensors.ts';
import type {
  AttackResult, DataInfo, DynamicsResult, GraphNodeView, Img, InitResult, Map2, ProgressEvent, Request, TrainDone,
} from './protocol.ts';

const post = (m: unknown, transfer: Transferable[] = []): void => (self as unknown as Worker).postMessage(m, transfer);

// ---------------------------------------------------------------- state
let backendName = 'reference';
let data: ImageSet | null = null;
let nTrain = 0; // first nTrain images train, the rest are the held-out split
let model: Classifier | null = null;
let checkpoints: { step: number; params: Map<string, NamedArray> }[] = [];
let paused = false, stopRequested = false, training = false;
let resumeWake: (() => void) | null = null;

/** A one-at-a-time lock: training takes it per step, other heavy requests for their whole run. */
let lockTail: Promise<void> = Promise.resolve();
async function withLock<T>(fn: () => Promise<T>): Promise<T> {
  const prev = lockTail;
  let release!: () => void;
  lockTail = new Promise((r) => (release = r));
  await prev;
  try { return await fn(); } finally { release(); }
}
const yieldToEvents = (): Promise<void> => new Promise((r) => setTimeout(r, 0));

// ---------------------------------------------------------------- backend
async function init(prefer: string): Promise<InitResult> {
  let hasGpuAdapter = false;
  let adapterError = 'navigator.gpu is missing';
  const gpu = (navigator as Navigator & { gpu?: GPU }).gpu;
  if (gpu) {
    try {
      hasGpuAdapter = !!(await gpu.requestAdapter());
      if (!hasGpuAdapter) adapterError = 'navigator.gpu.requestAdapter() gave no adapter';
    } catch (e) { adapterError = `requestAdapter failed: ${(e as Error).message}`; }
  }
  const all: BackendName[] = ['webgpu', 'wasm', 'reference'];
  const order = prefer === 'auto' ? all : [prefer as BackendName, ...all.filter((b) => b !== prefer)];
  const tried: { name: string; error?: string }[] = [];
  for (const name of order) {
    if (name === 'webgpu' && !hasGpuAdapter) { tried.push({ name, error: adapterError }); continue; }
    try {
      await setBackend(name);
      backendName = name;
      tried.push({ name });
      break;
    } catch (e) { tried.push({ name, error: (e as Error).message }); }
  }
  return { backend: backendName, tried, hasGpuAdapter, specs: STANDIN_SPECS, attacks: [...STANDIN_ATTACKS] };
}

// ---------------------------------------------------------------- data and model
function dataInfo(): DataInfo {
  const d = data!;
  const classes = new Array(10).fill(0);
  for (const y of d.y) classes[y]++;
  return { name: d.name, n: d.y.length, shape: [...d.shape], classes };
}
function imgSize(): number { return data!.shape.reduce((a, b) => a * b, 1); }
function batchOf(idx: ArrayLike<number>): { x: Tensor; y: number[] } {
  const D = imgSize(), n = idx.length;
  const xs = new Float32Array(n * D), y: number[] = [];
  for (let i = 0; i < n; i++) { xs.set(data!.x.subarray(idx[i] * D, (idx[i] + 1) * D), i * D); y.push(data!.y[idx[i]]); }
  return { x: tensor(xs, [n, ...data!.shape]), y };
}
const range = (a: number, b: number): number[] => Array.from({ length: Math.max(0, b - a) }, (_, i) => a + i);
function requireModel(): Classifier {
  if (!model) throw new Error('no model yet: train one or load a checkpoint first');
  if (!data) throw new Error('no data loaded');
  return model;
}

async function snapshot(m: Classifier): Promise<Map<string, NamedArray>> {
  const out = new Map<string, NamedArray>();
  for (const [name, t] of m.parameters()) out.set(name, { shape: [...t.shape], data: await t.data() });
  return out;
}
/** Replace the model's parameters (the Map from parameters() is the model's own). */
function restore(m: Classifier, params: Map<string, NamedArray>): void {
  const live = m.parameters();
  for (const [name, old] of live) {
    const p = params.get(name);
    if (!p) throw new Error(`checkpoint has no tensor '${name}' for model ${m.spec}`);
    if (p.shape.join() !== old.shape.join()) throw new Error(`checkpoint tensor '${name}' has shape [${p.shape}] but ${m.spec} needs [${old.shape}]`);
    live.set(name, keep(tensor(p.data, p.shape).setName(name).requireGrad()));
    old.dispose();
  }
}

// ---------------------------------------------------------------- training
async function train(r: Extract<Request, { op: 'train' }>): Promise<TrainDone> {
  if (!data) throw new Error('load a data set first');
  if (training) throw new Error('training is already running');
  model?.parameters().forEach((t) => t.dispose());
  model = buildStandinModel(r.spec, data.shape, r.seed);
  checkpoints = [];
  training = true; paused = false; stopRequested = false;
  const names = [...model.parameters().keys()];
  let vel: Tensor[] = names.map((n) => keep(tensor(new Float32Array(model!.parameters().get(n)!.size), model!.parameters().get(n)!.shape)));
  const testIdx = range(nTrain, Math.min(data.y.length, nTrain + 256));
  let order: number[] = [];
  let step = 0, reason: TrainDone['reason'] = 'finished', error: string | undefined;
  try {
    checkpoints.push({ step: 0, params: await snapshot(model) });
    for (step = 1; step <= r.steps; step++) {
      await yieldToEvents();
      while (paused && !stopRequested) await new Promise<void>((res) => (resumeWake = res));
      if (stopRequested) { reason = 'stopped'; step--; break; }
      if (order.length < r.batch) order = order.concat(shuffled(nTrain, r.seed + step));
      const idx = order.splice(0, r.batch);
      const m = model;
      const ev = await withLock(async () => {
        const params = names.map((n) => m.parameters().get(n)!);
        const out = tidy(() => {
          const { x, y } = batchOf(idx);
          const logits = m.forward(x);
          const loss = crossEntropy(logits, y);
          const grads = backward(loss, { targets: params });
          const upd = noGrad(() => params.map((p, i) => {
            const g = grads.get(p)!;
            const v = add(mul(vel[i], r.momentum), g);
            g.dispose();
            return { v, p: sub(p, mul(v, r.lr)) };
          }));
          return { loss, logits, upd, y };
        });
        params.forEach((p, i) => { p.dispose(); vel[i].dispose(); });
        vel = out.upd.map((u) => u.v);
        names.forEach((n, i) => m.parameters().set(n, out.upd[i].p.setName(n).requireGrad()));
        const lossV = await out.loss.item();
        const acc = accuracy(await out.logits.data(), out.y);
        out.loss.dispose(); out.logits.dispose();
        const e: ProgressEvent = { event: 'progress', step, loss: lossV, acc, checkpoints: checkpoints.length };
        if (step % Math.max(1, Math.min(r.checkpointEvery, 10)) === 0 || step === r.steps) Object.assign(e, await evaluate(m, testIdx));
        if (step % r.checkpointEvery === 0 || step === r.steps) { checkpoints.push({ step, params: await snapshot(m) }); e.checkpoints = checkpoints.length; }
        return e;
      });
      if (!Number.isFinite(ev.loss)) throw new Error(`loss became ${ev.loss} at step ${step}: lower the learning rate`);
      post(ev);
    }
    if (step > r.steps) step = r.steps;
  } catch (e) {
    reason = 'error'; error = (e as Error).message;
  } finally {
    vel.forEach((v) => v.dispose());
    training = false;
  }
  if (reason === 'stopped' && (checkpoints.at(-1)?.step ?? -1) !== step && model) checkpoints.push({ step, params: await snapshot(model) });
  const done: TrainDone = { event: 'trainDone', reason, error, steps: step, checkpoints: checkpoints.map((c) => ({ step: c.step })) };
  post(done);
  return done;
}

function shuffled(n: number, seed: number): number[] {
  const a = range(0, n);
  let s = (seed * 2654435761) >>> 0;
  for (let i = n - 1; i > 0; i--) {
    s = (Math.imul(s ^ (s >>> 15), 2246822507) + 0x9e3779b9) >>> 0;
    const j = s % (i + 1);
    [a[i], a[j]] = [a[j], a[i]];
  }
  return a;
}
function accuracy(logits: Float32Array, y: number[]): number {
  const K = logits.length / y.length;
  let ok = 0;
  for (let i = 0; i < y.length; i++) {
    let best = 0;
    for (let k = 1; k < K; k++) if (logits[i * K + k] > logits[i * K + best]) best = k;
    if (best === y[i]) ok++;
  }
  return ok / y.length;
}
function argmaxRows(logits: Float32Array, n: number): number[] {
  const K = logits.length / n;
  return range(0, n).map((i) => { let b = 0; for (let k = 1; k < K; k++) if (logits[i * K + k] > logits[i * K + b]) b = k; return b; });
}
async function evaluate(m: Classifier, idx: number[]): Promise<{ testLoss?: number; testAcc?: number }> {
  if (!idx.length) return {};
  const { loss, logits, y } = tidy(() => noGrad(() => {
    const { x, y } = batchOf(idx);
    const logits = m.forward(x);
    return { loss: crossEntropy(logits, y), logits, y };
  }));
  const testLoss = await loss.item(), testAcc = accuracy(await logits.data(), y);
  loss.dispose(); logits.dispose();
  return { testLoss, testAcc };
}

// ---------------------------------------------------------------- attack and spectra
function img(all: Float32Array, i: number): Img {
  const [c, h, w] = data!.shape, D = c * h * w;
  return { c, h, w, data: all.slice(i * D, (i + 1) * D) };
}
function logSpec(power: Float64Array, h: number, w: number, label: string): Map2 {
  const out = new Float64Array(power.length);
  for (let i = 0; i < power.length; i++) out[i] = 0.5 * Math.log10(power[i] + 1e-20);
  return { h, w, data: out, label };
}

async function attack(r: Extract<Request, { op: 'attack' }>): Promise<AttackResult> {
  const m = requireModel();
  const n = Math.min(r.batch, data!.y.length - nTrain || data!.y.length);
  const start = nTrain < data!.y.length ? nTrain : 0;
  const { x, y } = batchOf(range(start, start + n));
  const xadv = standinAttack(m, x, y, r.attack as AttackName, r.eps, r.steps);
  const beta = standinSaliency(m, x);
  const [lx, la] = tidy(() => noGrad(() => [m.forward(x), m.forward(xadv)]));
  const [xs, as, bs, px, pa] = await Promise.all([x.data(), xadv.data(), beta.data(), lx.data(), la.data()]);
  [x, xadv, beta, lx, la].forEach((t) => t.dispose());
  const predX = argmaxRows(px, n), predA = argmaxRows(pa, n);
  let correct = 0, success = 0, sLinf = 0, sL2 = 0;
  const [C, H, W] = data!.shape, D = C * H * W;
  const ds = new Float32Array(n * D);
  for (let i = 0; i < n * D; i++) ds[i] = as[i] - xs[i];
  for (let i = 0; i < n; i++) {
    if (predX[i] === y[i]) { correct++; if (predA[i] !== y[i]) success++; }
    let li = 0, l2 = 0;
    for (let d = 0; d < D; d++) { const v = Math.abs(ds[i * D + d]); li = Math.max(li, v); l2 += v * v; }
    sLinf += li; sL2 += Math.sqrt(l2);
  }
  const res: AttackResult = {
    n, success, correct, meanLinf: sLinf / n, meanL2: sL2 / n, images: [], spectra: [], radial: [], angular: [],
    average: undefined as unknown as AttackResult['average'], radialAvg: undefined as unknown as AttackResult['radialAvg'], angularAvg: undefined as unknown as AttackResult['angularAvg'],
  };
  const sumP = { x: new Float64Array(H * W), xadv: new Float64Array(H * W), delta: new Float64Array(H * W), beta: new Float64Array(H * W) };
  for (let i = 0; i < n; i++) {
    const ims = { x: img(xs, i), xadv: img(as, i), delta: img(ds, i), beta: img(bs, i) };
    res.images.push(ims);
    const P = {
      x: centredPower(grey(ims.x.data, C, H, W), H, W), xadv: centredPower(grey(ims.xadv.data, C, H, W), H, W),
      delta: centredPower(grey(ims.delta.data, C, H, W), H, W), beta: centredPower(grey(ims.beta.data, C, H, W), H, W),
    };
    for (const k of ['x', 'xadv', 'delta', 'beta'] as const) for (let p = 0; p < H * W; p++) sumP[k][p] += P[k][p] / n;
    res.spectra.push({ x: logSpec(P.x, H, W, 'x'), xadv: logSpec(P.xadv, H, W, 'x_adv'), delta: logSpec(P.delta, H, W, 'δ'), beta: logSpec(P.beta, H, W, 'β') });
    res.radial.push(curves(P, H, W, radialEnergy, 'k') as AttackResult['radialAvg']);
    res.angular.push(curves(P, H, W, angularEnergy, 'deg') as AttackResult['angularAvg']);
  }
  res.average = { x: logSpec(sumP.x, H, W, 'x'), xadv: logSpec(sumP.xadv, H, W, 'x_adv'), delta: logSpec(sumP.delta, H, W, 'δ'), beta: logSpec(sumP.beta, H, W, 'β') };
  res.radialAvg = curves(sumP, H, W, radialEnergy, 'k') as AttackResult['radialAvg'];
  res.angularAvg = curves(sumP, H, W, angularEnergy, 'deg') as AttackResult['angularAvg'];
  return res;
}
function curves(P: Record<'x' | 'delta' | 'beta', Float64Array>, H: number, W: number, f: (p: Float64Array, h: number, w: number) => { e: number[] } & Record<string, number[]>, axis: string): Record<string, number[]> {
  const a = f(P.x, H, W), d = f(P.delta, H, W), b = f(P.beta, H, W);
  return { [axis]: a[axis], x: a.e, delta: d.e, beta: b.e };
}

// ---------------------------------------------------------------- dynamics
const DYN_IMAGES = 8;
async function dynamics(r: Extract<Request, { op: 'dynamics' }>): Promise<DynamicsResult> {
  const m = requireModel();
  const ck = checkpoints[r.index];
  if (!ck) throw new Error(`no checkpoint ${r.index} (have ${checkpoints.length})`);
  const current = await snapshot(m);
  try {
    restore(m, ck.params);
    const n = Math.min(DYN_IMAGES, nTrain);
    const { x, y } = batchOf(range(0, n));
    const xadv = standinAttack(m, x, y, r.attack as AttackName, r.eps, r.steps);
    const beta = standinSaliency(m, x);
    const [xs, as, bs] = await Promise.all([x.data(), xadv.data(), beta.data()]);
    const [C, H, W] = data!.shape, D = C * H * W;
    const pb = new Float64Array(H * W), pd = new Float64Array(H * W);
    const delta = new Float32Array(n * D);
    for (let i = 0; i < n * D; i++) delta[i] = as[i] - xs[i];
    for (let i = 0; i < n; i++) {
      const b = centredPower(grey(bs.subarray(i * D, (i + 1) * D), C, H, W), H, W);
      const d = centredPower(grey(delta.subarray(i * D, (i + 1) * D), C, H, W), H, W);
      for (let p = 0; p < H * W; p++) { pb[p] += b[p] / n; pd[p] += d[p] / n; }
    }
    // the path x -> x + delta at 100 points, one image at a time
    const P = 100, reluChange: number[] = [], roughness: number[] = [];
    let units = 0;
    for (let i = 0; i < n; i++) {
      const pts = new Float32Array(P * D);
      for (let t = 0; t < P; t++) for (let d = 0; d < D; d++) pts[t * D + d] = xs[i * D + d] + (t / (P - 1)) * delta[i * D + d];
      const pre: Tensor[] = [];
      const logits = tidy(() => noGrad(() => m.forward(tensor(pts, [P, C, H, W]), { preActivations: pre })));
      pre.forEach((t) => keep(t));
      const z = await logits.data();
      const K = z.length / P;
      let rough = 0;
      for (let t = 1; t < P - 1; t++) for (let k = 0; k < K; k++) rough += Math.abs(z[(t + 1) * K + k] - 2 * z[t * K + k] + z[(t - 1) * K + k]);
      roughness.push(rough);
      let changed = 0, total = 0;
      for (const a of pre) {
        const v = await a.data(), U = v.length / P;
        for (let u = 0; u < U; u++) { total++; if ((v[u] > 0) !== (v[(P - 1) * U + u] > 0)) changed++; }
      }
      units = total;
      reluChange.push(total ? changed / total : 0);
      logits.dispose(); pre.forEach((t) => t.dispose());
    }
    [x, xadv, beta].forEach((t) => t.dispose());
    return { step: ck.step, betaSpec: logSpec(pb, H, W, 'β (mean over images)'), deltaSpec: logSpec(pd, H, W, 'δ (mean over images)'), reluChange, roughness, reluUnits: units };
  } finally {
    restore(m, current);
  }
}

/** Per-image minimal Linf budget by bisection on eps in [0, 0.5] (7 halvings), median over correct images, per checkpoint. */
async function minNormCurve(r: Extract<Request, { op: 'minNormCurve' }>): Promise<{ steps: number[]; median: number[]; n: number[] }> {
  const m = requireModel();
  const current = await snapshot(m);
  const out = { steps: [] as number[], median: [] as number[], n: [] as number[] };
  try {
    const n = Math.min(DYN_IMAGES, nTrain);
    const [C, H, W] = data!.shape;
    for (const ck of checkpoints) {
      restore(m, ck.params);
      const { x, y } = batchOf(range(0, n));
      const pred = argmaxRows(await tidy(() => noGrad(() => m.forward(x))).data(), n);
      let lo = new Float64Array(n), hi = new Float64Array(n).fill(0.5);
      for (let it = 0; it < 7; it++) {
        const mid = Array.from(lo, (l, i) => (l + hi[i]) / 2);
        const epsT = tensor(mid, [n, 1, 1, 1]);
        const xadv = standinAttack(m, x, y, r.attack as AttackName, epsT as unknown as number, r.steps);
        const pa = argmaxRows(await tidy(() => noGrad(() => m.forward(xadv))).data(), n);
        xadv.dispose(); epsT.dispose();
        for (let i = 0; i < n; i++) if (pa[i] !== y[i]) hi[i] = mid[i]; else lo[i] = mid[i];
        await yieldToEvents();
      }
      x.dispose();
      const found = range(0, n).filter((i) => pred[i] === y[i] && hi[i] < 0.5).map((i) => hi[i]).sort((a, b) => a - b);
      out.steps.push(ck.step);
      out.median.push(found.length ? found[Math.floor((found.length - 1) / 2)] : NaN);
      out.n.push(found.length);
      void C; void H; void W;
    }
  } finally {
    restore(m, current);
  }
  return out;
}

// ---------------------------------------------------------------- gradient paths
async function graph(n: number): Promise<GraphNodeView[]> {
  const m = requireModel();
  const count = Math.max(1, Math.min(n, data!.y.length));
  const { norms, info } = tidy(() => {
    const { x, y } = batchOf(range(0, count));
    x.setName('input x').requireGrad();
    const logits = m.forward(x);
    const loss = crossEntropy(logits, y).setName('loss');
    const ts = topoOrder(loss);
    const cap = captureGradients(ts);
    const res = backward(loss, { targets: [x] });
    res.forEach((g) => g.dispose());
    cap.remove();
    const norms = ts.map((t) => { const g = cap.grads.get(t); return g ? sqrt(sum(square(g))) : null; });
    cap.grads.forEach((g) => g.dispose());
    return { norms, info: graphOf(loss) };
  });
  const out: GraphNodeView[] = [];
  for (let i = 0; i < info.length; i++) {
    const t = norms[i];
    out.push({ ...info[i], gradNorm: t ? await t.item() : null });
    t?.dispose();
  }
  return out;
}

// ---------------------------------------------------------------- checkpoints as files
async function saveCheckpoint(): Promise<Uint8Array> {
  const m = requireModel();
  const meta: Record<string, string> = {
    format: 'ifrlab-checkpoint', spec: m.spec, input_shape: JSON.stringify(m.inputShape), num_classes: String(m.numClasses),
    step: String(checkpoints.at(-1)?.step ?? 0), backend: backendName,
  };
  return encodeSafetensors(await snapshot(m), meta);
}
async function loadCheckpoint(bytes: Uint8Array): Promise<{ spec: string; tensors: number }> {
  const { tensors, metadata } = decodeSafetensors(bytes);
  const spec = metadata.spec;
  if (!spec) throw new Error('checkpoint metadata has no model spec (__metadata__.spec)');
  const shape = metadata.input_shape ? (JSON.parse(metadata.input_shape) as number[]) : data?.shape;
  if (!shape) throw new Error('checkpoint has no input_shape and no data set is loaded');
  if (data && shape.join() !== data.shape.join()) throw new Error(`checkpoint expects inputs [${shape}] but the loaded data set has [${data.shape}]`);
  model?.parameters().forEach((t) => t.dispose());
  model = buildStandinModel(spec, shape, 0);
  restore(model, tensors);
  checkpoints = [{ step: Number(metadata.step ?? 0), params: tensors }];
  return { spec, tensors: tensors.size };
}

// ---------------------------------------------------------------- dispatch
async function handle(r: Request): Promise<unknown> {
  switch (r.op) {
    case 'init': return init(r.prefer);
    case 'loadData': {
      if (training) throw new Error('stop training before loading another data set');
      if (r.source === 'synthetic') { const s = standinSynthetic(r.n, r.seed); data = { ...s, name: 'synthetic' }; }
      else data = await parseDroppedFiles(r.files, r.n);
      nTrain = Math.max(1, Math.floor(data.y.length * 0.8));
      return dataInfo();
    }
    case 'train': return train(r);
    case 'pause': paused = true; return { paused };
    case 'resume': paused = false; resumeWake?.(); return { paused };
    case 'stop': stopRequested = true; paused = false; resumeWake?.(); return { stopping: training };
    case 'saveCheckpoint': return withLock(saveCheckpoint);
    case 'loadCheckpoint': return withLock(() => loadCheckpoint(r.bytes));
    case 'attack': return withLock(() => attack(r));
    case 'dynamics': return withLock(() => dynamics(r));
    case 'minNormCurve': return withLock(() => minNormCurve(r));
    case 'graph': return withLock(() => graph(r.n));
  }
}

self.onmessage = async (e: MessageEvent<{ id: number; req: Request }>) => {
  const { id, req } = e.data;
  try {
    const result = await handle(req);
    post({ id, ok: true, result, memory: engine.hasBackend() ? memory() : undefined });
  } catch (err) {
    post({ id, ok: false, error: (err as Error).message ?? String(err) });
  }
};
post({ event: 'workerReady' });
