// The engine worker: all tensor work of the web lab runs here (a module
// worker), so the page stays responsive. It uses the same library code as the
// CLI: src/lab/nn (model zoo), src/lab/data, src/lab/train (SGD), src/lab/attacks,
// src/lab/analysis, src/lab/io (checkpoints). Backend: WebGPU when the browser gives
// an adapter and the backend starts, else WASM, else the reference backend.
import {
  Tensor,
  backward,
  captureGradients,
  crossEntropy,
  graphOf,
  setBackend,
  setFastestBackend,
  sqrt,
  square,
  sum,
  tensor,
  tidy,
  topoOrder,
  engine,
  memory,
} from '../../src/index.ts';
import type { BackendName } from '../../src/index.ts';
import type { Classifier } from '../../src/lab/nn/types.ts';
import { defaultLearningRate, buildModel, countParameters, formatSpec, parseSpec } from '../../src/lab/nn/models.ts';
import type { SGD } from '../../src/lab/train/optim.ts';
import { gather } from '../../src/lab/data/batches.ts';
import { classCounts, limitSplit, type Dataset } from '../../src/lab/data/dataset.ts';
import { evaluate, discardSink, train as trainLoop, type TrainConfig } from '../../src/lab/train/trainer.ts';
import {
  ATTACKS as PRESETS,
  attackNorm,
  minimalNormSearch,
  randomDirections,
  runNamedAttack,
  type AttackInputs,
  type AttackResult as LibAttackResult,
} from '../../src/lab/attacks/index.ts';
import {
  angularEnergy,
  averageSpectrum,
  fourierSensitivityMap,
  pathObservables,
  radialEnergy,
  saliency,
  spectra,
} from '../../src/lab/analysis/index.ts';
import { decodeCheckpoint, encodeCheckpoint, type CheckpointMeta } from '../../src/lab/io/checkpoint.ts';
import { decodeSafetensors, encodeSafetensors, type NamedArray } from '../../src/lab/io/safetensors.ts';
import { fromFiles, synthetic } from './datasets.ts';
import type {
  AttackResult,
  DataInfo,
  DynamicsResult,
  FourierMapResult,
  GraphNodeView,
  Img,
  InitResult,
  Map2,
  ProgressEvent,
  Request,
  TrainDone,
} from './protocol.ts';

const post = (m: unknown, transfer: Transferable[] = []): void => (self as unknown as Worker).postMessage(m, transfer);

export const SPECS = [
  'fc-w64-d1-relu',
  'fc-w64-d1-linear',
  'fc-w2700-d1-linear',
  'fc-w256-d3-relu',
  'fwc-c3-d1-linear',
  'lc-k3-c8-d1-relu',
  'bwc-k3-c8-d1-relu',
  'bwc-k3-c32-d1-relu',
  'bwc-k3-c32-d3-relu',
  'resnet8',
  'vgg11',
];
/** The registry's presets offered in the menu (same names, same meaning as the CLI's). */
export const ATTACKS = PRESETS.filter((p) => p.web).map((p) => p.name);

// ---------------------------------------------------------------- state
let backendName = 'reference';
let data: Dataset | null = null;
let model: Classifier | null = null;
let optimizer: SGD | null = null;
let trainCfg: { lr: number; momentum: number; batch: number; seed: number } | null = null;
let globalStep = 0;
let checkpoints: { step: number; params: Map<string, NamedArray> }[] = [];
let paused = false,
  stopRequested = false,
  training = false;
let resumeWake: (() => void) | null = null;

/** One heavy job at a time: training takes the lock per step, other requests for their whole run. */
let lockTail: Promise<void> = Promise.resolve();
async function withLock<T>(fn: () => Promise<T>): Promise<T> {
  const prev = lockTail;
  let release!: () => void;
  lockTail = new Promise((r) => (release = r));
  await prev;
  try {
    return await fn();
  } finally {
    release();
  }
}
const yieldToEvents = (): Promise<void> => new Promise((r) => setTimeout(r, 0));
const range = (a: number, b: number): number[] => Array.from({ length: Math.max(0, b - a) }, (_, i) => a + i);

// ---------------------------------------------------------------- backend
async function init(prefer: string): Promise<InitResult> {
  let hasGpuAdapter = false;
  let adapterError = 'navigator.gpu is missing';
  const gpu = (navigator as Navigator & { gpu?: GPU }).gpu;
  if (gpu) {
    try {
      hasGpuAdapter = !!(await gpu.requestAdapter());
      if (!hasGpuAdapter) adapterError = 'navigator.gpu.requestAdapter() gave no adapter';
    } catch (e) {
      adapterError = `requestAdapter failed: ${(e as Error).message}`;
    }
  }
  const tried: InitResult['tried'] = [];
  if (!hasGpuAdapter) tried.push({ name: 'webgpu', error: adapterError });
  const usable = (['webgpu', 'wasm', 'reference'] as BackendName[]).filter((b) => b !== 'webgpu' || hasGpuAdapter);
  // a backend picked in the menu is used as it is (a software adapter too); otherwise, or when it
  // fails, the shared choice: fastest first, a software WebGPU adapter passed over for WASM
  let chosen: string | null = null;
  if (prefer !== 'auto' && usable.includes(prefer as BackendName)) {
    try {
      const b = await setBackend(prefer as BackendName);
      tried.push({ name: prefer, software: !!b.isSoftware });
      chosen = prefer;
    } catch (e) {
      tried.push({ name: prefer, error: (e as Error).message });
    }
  }
  backendName =
    chosen ??
    (
      await setFastestBackend(
        usable.filter((b) => b !== prefer),
        tried,
      )
    ).name;
  return { backend: backendName, tried, hasGpuAdapter, specs: SPECS, attacks: ATTACKS };
}

// ---------------------------------------------------------------- data and model
function dataInfo(): DataInfo {
  const d = data!;
  return {
    name: d.name,
    n: d.train.n + d.test.n,
    train: d.train.n,
    test: d.test.n,
    shape: [...d.shape],
    classes: classCounts(d.train.y, d.numClasses),
  };
}
function batchOf(split: 'train' | 'test', idx: ArrayLike<number>): { x: Tensor; y: number[] } {
  const b = gather(data![split], data!.shape, idx);
  return { x: tensor(b.x, [b.n, ...data!.shape]), y: Array.from(b.y) };
}
/** The first n examples of the test split (or of train when there is no test split). */
function evalBatch(n: number): { x: Tensor; y: number[] } {
  const split = data!.test.n ? 'test' : 'train';
  return batchOf(split, range(0, Math.min(n, data![split].n)));
}
function requireModel(): Classifier {
  if (!data) throw new Error('no data loaded: press "Load data" (or Train) first');
  if (!model) throw new Error('no model yet: train one or load a checkpoint first');
  return model;
}
async function snapshot(m: Classifier): Promise<Map<string, NamedArray>> {
  const out = new Map<string, NamedArray>();
  const all = new Map(m.parameters());
  for (const [k, t] of m.buffers?.() ?? []) all.set(k, t);
  for (const [name, t] of all) out.set(name, { shape: [...t.shape], data: await t.data() });
  return out;
}
function disposeModel(m: Classifier | null): void {
  if (!m) return;
  if (m.dispose) m.dispose();
  else m.parameters().forEach((t) => t.dispose());
}
/** A model rebuilt from a saved checkpoint (same spec), for analyses at that checkpoint. */
function modelAt(params: Map<string, NamedArray>): Classifier {
  const m = requireModel();
  return buildModel(m.spec, { inputShape: m.inputShape, numClasses: m.numClasses, init: params });
}

// ---------------------------------------------------------------- training
// The project trainer (src/lab/train/trainer.ts, the CLI's and the experiments'),
// run in memory with its hooks: per-step events, pause / resume / stop between steps.

/** Held-out loss and accuracy on (up to) the first 256 test images, with the project trainer's evaluate(). */
async function evaluateHeldOut(m: Classifier): Promise<{ testLoss?: number; testAcc?: number }> {
  if (!data!.test.n) return {};
  const r = await evaluate(m, limitSplit(data!.test, 256, data!.shape), data!.shape, 256);
  return { testLoss: r.loss, testAcc: r.accuracy };
}

async function train(r: Extract<Request, { op: 'train' }>): Promise<TrainDone> {
  if (!data) throw new Error('load a data set first');
  if (training) throw new Error('training is already running');
  const ds = data;
  optimizer?.dispose();
  disposeModel(model);
  model = null;
  trainCfg = { lr: r.lr, momentum: r.momentum, batch: r.batch, seed: r.seed };
  checkpoints = [];
  globalStep = 0;
  training = true;
  paused = false;
  stopRequested = false;
  let reason: TrainDone['reason'] = 'finished',
    error: string | undefined;
  // the project trainer, in memory: r.steps batches at a constant learning rate; the hooks pause
  // between batches, hold the lock during one, post progress and keep in-memory checkpoints
  const perEpoch = Math.ceil(ds.train.n / r.batch);
  const cfg: TrainConfig = {
    model: r.spec,
    data: ds.name,
    seed: r.seed,
    epochs: Math.max(1, Math.ceil(r.steps / perEpoch)),
    batchSize: r.batch,
    lr: r.lr,
    momentum: r.momentum,
    weightDecay: 0,
    nesterov: false,
    schedule: 'constant',
    checkpointEveryBatches: 0,
    normalize: false,
    limitTest: 256,
    evalBatchSize: 256,
  };
  let release: (() => void) | null = null;
  const takeLock = (): Promise<void> =>
    new Promise<void>((got) => {
      void withLock(
        () =>
          new Promise<void>((done) => {
            release = done;
            got();
          }),
      );
    });
  try {
    await trainLoop(ds, cfg, discardSink(), {
      backend: backendName,
      stopRequested: () => stopRequested || globalStep >= r.steps,
      hooks: {
        async onStart(m, opt) {
          model = m;
          optimizer = opt;
          checkpoints.push({ step: 0, params: await snapshot(m) });
        },
        async beforeBatch() {
          await yieldToEvents(); // let pause / stop messages in
          while (paused && !stopRequested) await new Promise<void>((res) => (resumeWake = res));
          await takeLock();
        },
        async afterBatch(st) {
          try {
            globalStep = st.step;
            const e: ProgressEvent = {
              event: 'progress',
              step: st.step,
              loss: st.loss,
              acc: st.accuracy,
              checkpoints: checkpoints.length,
            };
            if (st.step % Math.max(1, Math.min(r.checkpointEvery, 10)) === 0 || st.step === r.steps)
              Object.assign(e, await evaluateHeldOut(st.model));
            if (st.step % r.checkpointEvery === 0 || st.step === r.steps) {
              checkpoints.push({ step: st.step, params: await snapshot(st.model) });
              e.checkpoints = checkpoints.length;
            }
            post(e);
          } finally {
            const rel = release as (() => void) | null;
            release = null;
            rel?.();
          }
        },
      },
    });
    if (stopRequested) reason = 'stopped';
  } catch (e) {
    reason = 'error';
    error = (e as Error).message;
    (release as (() => void) | null)?.();
  } finally {
    training = false;
    (model as Classifier | null)?.setTraining(false);
  }
  const m = requireModel();
  if (reason === 'stopped' && checkpoints.at(-1)!.step !== globalStep)
    checkpoints.push({ step: globalStep, params: await snapshot(m) });
  const done: TrainDone = {
    event: 'trainDone',
    reason,
    error,
    steps: globalStep,
    parameters: countParameters(m),
    checkpoints: checkpoints.map((c) => ({ step: c.step })),
  };
  post(done);
  return done;
}

// ---------------------------------------------------------------- attacks and spectra
/**
 * The chosen preset from the attack registry, run as the CLI runs it; the lab's controls
 * override eps, the steps and (when > 0) the relative step. Per-example budgets (the
 * minimal-norm curve) turn off pgd-l1's own search on eps.
 */
function attackFn(
  name: string,
  eps: number,
  steps: number,
  rel: number,
  startPool?: Tensor,
): (a: AttackInputs, e?: ArrayLike<number>) => Promise<LibAttackResult> {
  const relStepsize = rel > 0 ? rel : undefined;
  return (a, e) =>
    runNamedAttack(name, a, {
      eps: e ?? eps,
      steps,
      relStepsize,
      startPool,
      init: 'data',
      binarySearch: e ? false : undefined,
    });
}
const normOfAttack = (name: string): 'linf' | 'l2' | 'l1' => attackNorm(name);

function img(all: ArrayLike<number>, i: number): Img {
  const [c, h, w] = data!.shape,
    D = c * h * w;
  return { c, h, w, data: Float32Array.from({ length: D }, (_, k) => all[i * D + k]) };
}
const LOG_LABEL = 'ln |F(k)| (unitary DFT, grey)';
function plane(d: Float64Array, i: number, h: number, w: number, label: string): Map2 {
  return { h, w, data: d.slice(i * h * w, (i + 1) * h * w), label };
}
function energyCurves(
  power: Float64Array,
  i: number,
  h: number,
  w: number,
): { k: number[]; deg: number[]; rad: number[]; ang: number[] } {
  const p = power.subarray(i * h * w, (i + 1) * h * w);
  const r = radialEnergy(p, h, w, { clampCorners: true }),
    a = angularEnergy(p, h, w);
  return { k: [...r.centres], deg: [...a.centresDeg], rad: [...r.energy], ang: [...a.energy] };
}

async function attack(r: Extract<Request, { op: 'attack' }>): Promise<AttackResult> {
  const m = requireModel();
  m.setTraining(false);
  const { x, y } = evalBatch(r.batch);
  const pool = r.attack.startsWith('bb-') ? batchOf('train', range(0, Math.min(64, data!.train.n))).x : undefined;
  try {
    const res = await attackFn(r.attack, r.eps, r.steps, r.rel, pool)({ model: m, x, labels: y, seed: 0 });
    const beta = saliency(m, x, { logit: 'max' });
    const betaH = await beta.data();
    beta.dispose();
    const xs = await x.data();
    const n = x.shape[0];
    const [C, H, W] = data!.shape;
    const shape = [n, C, H, W];
    const sets = { x: xs, xadv: res.adversarial, delta: res.perturbation, beta: betaH };
    const logS = Object.fromEntries(
      Object.entries(sets).map(([k, v]) => [k, spectra({ data: v, shape }, { scale: 'log' }).data]),
    ) as Record<keyof typeof sets, Float64Array>;
    const powS = Object.fromEntries(
      Object.entries(sets).map(([k, v]) => [k, spectra({ data: v, shape }, { scale: 'power' }).data]),
    ) as Record<keyof typeof sets, Float64Array>;
    const avgLog = Object.fromEntries(
      Object.entries(sets).map(([k, v]) => [k, averageSpectrum({ data: v, shape }, { scale: 'log' }).data]),
    ) as Record<keyof typeof sets, Float64Array>;
    const avgPow = Object.fromEntries(
      Object.entries(sets).map(([k, v]) => [k, averageSpectrum({ data: v, shape }, { scale: 'power' }).data]),
    ) as Record<keyof typeof sets, Float64Array>;
    const curvesOf = (P: Record<keyof typeof sets, Float64Array>, i: number) => {
      const cx = energyCurves(P.x, i, H, W),
        cd = energyCurves(P.delta, i, H, W),
        cb = energyCurves(P.beta, i, H, W);
      return {
        radial: { k: cx.k, x: cx.rad, delta: cd.rad, beta: cb.rad },
        angular: { deg: cx.deg, x: cx.ang, delta: cd.ang, beta: cb.ang },
      };
    };
    const out: AttackResult = {
      attack: r.attack,
      n,
      success: res.success.reduce((a, b) => a + b, 0),
      correct: res.cleanCorrect.reduce((a, b) => a + b, 0),
      meanLinf: res.norms.linf.reduce((a, b) => a + b, 0) / n,
      meanL2: res.norms.l2.reduce((a, b) => a + b, 0) / n,
      images: range(0, n).map((i) => ({
        x: img(xs, i),
        xadv: img(res.adversarial, i),
        delta: img(res.perturbation, i),
        beta: img(betaH, i),
      })),
      spectra: range(0, n).map((i) => ({
        x: plane(logS.x, i, H, W, 'x'),
        xadv: plane(logS.xadv, i, H, W, 'x_adv'),
        delta: plane(logS.delta, i, H, W, 'δ'),
        beta: plane(logS.beta, i, H, W, 'β'),
      })),
      average: {
        x: plane(avgLog.x, 0, H, W, 'x'),
        xadv: plane(avgLog.xadv, 0, H, W, 'x_adv'),
        delta: plane(avgLog.delta, 0, H, W, 'δ'),
        beta: plane(avgLog.beta, 0, H, W, 'β'),
      },
      radial: [],
      angular: [],
      radialAvg: curvesOf(avgPow, 0).radial,
      angularAvg: curvesOf(avgPow, 0).angular,
      label: LOG_LABEL,
    };
    for (let i = 0; i < n; i++) {
      const c = curvesOf(powS, i);
      out.radial.push(c.radial);
      out.angular.push(c.angular);
    }
    return out;
  } finally {
    x.dispose();
    pool?.dispose();
  }
}

// ---------------------------------------------------------------- Fourier sensitivity map
async function fourierMap(r: Extract<Request, { op: 'fourierMap' }>): Promise<FourierMapResult> {
  const m = requireModel();
  m.setTraining(false);
  const { x, y } = evalBatch(r.n);
  try {
    const map = await fourierSensitivityMap(m, await x.data(), y, { eps: r.eps, batch: 64 });
    const { H, W } = map;
    return {
      n: map.n,
      eps: r.eps,
      cleanError: map.cleanError,
      error: { h: H, w: W, data: map.errorRate, label: 'error rate' },
      logit: { h: H, w: W, data: map.logitChange, label: '‖Δ logits‖₂' },
    };
  } finally {
    x.dispose();
  }
}

// ---------------------------------------------------------------- dynamics
const DYN_IMAGES = 16;
async function dynamics(r: Extract<Request, { op: 'dynamics' }>): Promise<DynamicsResult> {
  requireModel();
  const ck = checkpoints[r.index];
  if (!ck) throw new Error(`no checkpoint ${r.index} (have ${checkpoints.length})`);
  const m = modelAt(ck.params);
  const { x, y } = batchOf('train', range(0, Math.min(DYN_IMAGES, data!.train.n)));
  try {
    const res = await attackFn(r.attack, r.eps, r.steps, r.rel)({ model: m, x, labels: y, seed: 0 });
    const beta = saliency(m, x, { logit: 'max' });
    const betaH = await beta.data();
    beta.dispose();
    const [C, H, W] = data!.shape,
      shape = [x.shape[0], C, H, W];
    // the random-direction control as in the dynamics experiment: a Gaussian direction per
    // image with the l2 norm of its adversarial perturbation, along the same 100-point path
    const delta = tensor(res.perturbation, shape);
    const rand = tensor(randomDirections(res.perturbation, shape[0], C * H * W, 'l2', 1), shape);
    const obs = await pathObservables(m, x, delta, { points: 100 });
    const ctl = await pathObservables(m, x, rand, { points: 100 });
    delta.dispose();
    rand.dispose();
    return {
      step: ck.step,
      betaSpec: { h: H, w: W, data: averageSpectrum({ data: betaH, shape }, { scale: 'log' }).data, label: 'β' },
      deltaSpec: {
        h: H,
        w: W,
        data: averageSpectrum({ data: res.perturbation, shape }, { scale: 'log' }).data,
        label: 'δ',
      },
      reluChange: obs.reluChange,
      roughness: obs.roughness,
      reluUnits: obs.units,
      random: { reluChange: ctl.reluChange, roughness: ctl.roughness },
    };
  } finally {
    x.dispose();
    disposeModel(m);
  }
}

/** Minimal adversarial norm per checkpoint: minimalNormSearch around the chosen fixed-budget attack; median over correctly classified images. */
async function minNormCurve(
  r: Extract<Request, { op: 'minNormCurve' }>,
): Promise<{ steps: number[]; median: number[]; n: number[]; norm: string }> {
  requireModel();
  const name = r.attack.startsWith('bb-') ? 'pgd-linf' : r.attack;
  const norm = normOfAttack(name);
  const out = { steps: [] as number[], median: [] as number[], n: [] as number[], norm };
  const initEps = norm === 'linf' ? 1 / 255 : norm === 'l2' ? 0.1 : 2;
  for (const ck of checkpoints) {
    const m = modelAt(ck.params);
    const { x, y } = batchOf('train', range(0, Math.min(DYN_IMAGES, data!.train.n)));
    try {
      const f = attackFn(name, initEps, r.steps, r.rel);
      const res = await minimalNormSearch({ model: m, x, labels: y, seed: 0 }, (a, e) => f(a, e), {
        norm,
        initEps,
        maxExpand: 10,
        bisectSteps: 5,
      });
      const found = range(0, x.shape[0])
        .filter((i) => res.cleanCorrect[i] && Number.isFinite(res.eps![i]))
        .map((i) => res.eps![i])
        .sort((a, b) => a - b);
      out.steps.push(ck.step);
      out.median.push(found.length ? found[Math.floor((found.length - 1) / 2)] : NaN);
      out.n.push(found.length);
    } finally {
      x.dispose();
      disposeModel(m);
    }
    await yieldToEvents();
  }
  return out;
}

// ---------------------------------------------------------------- gradient paths
async function graph(n: number): Promise<GraphNodeView[]> {
  const m = requireModel();
  m.setTraining(false);
  const { x: x0, y } = evalBatch(Math.max(1, Math.min(n, 64)));
  const { norms, info } = tidy(() => {
    const x = x0.setName('input x').requireGrad();
    const logits = m.forward(x);
    const loss = crossEntropy(logits, y).setName('loss');
    const ts = topoOrder(loss);
    const cap = captureGradients(ts);
    try {
      backward(loss, { targets: [x] }).forEach((g) => g.dispose());
    } finally {
      cap.remove();
    }
    const norms = ts.map((t) => {
      const g = cap.grads.get(t);
      return g ? sqrt(sum(square(g))) : null;
    });
    cap.grads.forEach((g) => g.dispose());
    return { norms, info: graphOf(loss) };
  });
  x0.dispose();
  const paramName = new Map([...m.parameters()].map(([k, t]) => [t.id, k]));
  const out: GraphNodeView[] = [];
  for (let i = 0; i < info.length; i++) {
    const t = norms[i];
    out.push({ ...info[i], name: info[i].name ?? paramName.get(info[i].id), gradNorm: t ? await t.item() : null });
    t?.dispose();
  }
  return out;
}

// ---------------------------------------------------------------- checkpoint files
/**
 * One self-contained .safetensors file: the weights as written by
 * src/lab/io/checkpoint.ts encodeCheckpoint (names = model.parameters()/buffers()),
 * with the JSON sidecar (CheckpointMeta) also stored in the header metadata
 * under 'ifrlab_meta' so the browser can reload it without the sidecar.
 */
async function saveCheckpoint(): Promise<{ bytes: Uint8Array; name: string }> {
  const m = requireModel();
  const meta: CheckpointMeta = {
    format: 'ifrlab-checkpoint',
    version: 1,
    spec: m.spec,
    inputShape: [...m.inputShape],
    numClasses: m.numClasses,
    data: data!.name,
    seed: trainCfg?.seed ?? 0,
    epoch: 0,
    globalStep,
    optimizer: optimizer?.state(),
    backend: backendName,
    savedBy: 'ifrlab web lab',
  };
  const enc = await encodeCheckpoint(m, meta);
  const { tensors, metadata } = decodeSafetensors(enc.weights);
  return {
    bytes: encodeSafetensors(tensors, { ...metadata, ifrlab_meta: enc.meta }),
    name: `${m.spec}-step${globalStep}.safetensors`,
  };
}
/** Load a .safetensors checkpoint (with 'ifrlab_meta', or with a .json sidecar given alongside). */
async function loadCheckpoint(
  files: { name: string; bytes: Uint8Array }[],
): Promise<{ spec: string; tensors: number; step: number }> {
  if (training) throw new Error('stop training before loading a checkpoint');
  const w = files.find((f) => !f.name.endsWith('.json') && !f.name.endsWith('.optim.safetensors'));
  if (!w) throw new Error('pick a .safetensors checkpoint (optionally with its .json sidecar)');
  const side = files.find((f) => f.name.endsWith('.json'));
  const { tensors, metadata } = decodeSafetensors(w.bytes, w.name);
  const metaJson = side ? new TextDecoder().decode(side.bytes) : metadata.ifrlab_meta;
  if (!metaJson)
    throw new Error(
      `${w.name}: no 'ifrlab_meta' in the header and no .json sidecar given (pick both files of a CLI checkpoint)`,
    );
  const { model: loaded, meta } = decodeCheckpoint(w.bytes, metaJson, w.name);
  if (data && meta.inputShape.join() !== data.shape.join()) {
    disposeModel(loaded);
    throw new Error(
      `${w.name}: the model takes inputs [${meta.inputShape}] but the loaded data set has [${data.shape}]`,
    );
  }
  optimizer?.dispose();
  optimizer = null;
  disposeModel(model);
  model = loaded;
  globalStep = Number(meta.globalStep ?? 0);
  checkpoints = [{ step: globalStep, params: tensors }];
  return { spec: meta.spec, tensors: tensors.size, step: globalStep };
}

// ---------------------------------------------------------------- dispatch
async function handle(r: Request): Promise<unknown> {
  switch (r.op) {
    case 'init':
      return init(r.prefer);
    case 'loadData': {
      if (training) throw new Error('stop training before loading another data set');
      data = r.source === 'synthetic' ? synthetic(r.n, r.seed) : await fromFiles(r.files, r.n);
      return dataInfo();
    }
    case 'train':
      return train(r);
    case 'pause':
      paused = true;
      return { paused };
    case 'resume':
      paused = false;
      resumeWake?.();
      return { paused };
    case 'stop':
      stopRequested = true;
      paused = false;
      resumeWake?.();
      return { stopping: training };
    case 'saveCheckpoint':
      return withLock(saveCheckpoint);
    case 'loadCheckpoint':
      return withLock(() => loadCheckpoint(r.files));
    case 'attack':
      return withLock(() => attack(r));
    case 'dynamics':
      return withLock(() => dynamics(r));
    case 'minNormCurve':
      return withLock(() => minNormCurve(r));
    case 'fourierMap':
      return withLock(() => fourierMap(r));
    case 'graph':
      return withLock(() => graph(r.n));
    case 'specInfo': {
      const canonical = formatSpec(parseSpec(r.spec));
      return { canonical, lr: defaultLearningRate(canonical) };
    }
  }
}

self.onmessage = async (e: MessageEvent<{ id: number; req: Request }>) => {
  const { id, req } = e.data;
  try {
    const result = await handle(req);
    post({ id, ok: true, result, memory: engine.hasBackend() ? memory() : undefined });
  } catch (err) {
    post({ id, ok: false, error: (err as Error)?.message ?? String(err) });
  }
};
post({ event: 'workerReady' });
