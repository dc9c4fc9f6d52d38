// Messages between the page (main.ts) and the engine worker (worker.ts).
// Requests carry an id and get exactly one reply {id, ok, result | error};
// training streams 'progress' events without an id.
import type { BackendAttempt } from '../../src/engine/backends/registry.ts';

export type BackendChoice = 'auto' | 'webgpu' | 'wasm' | 'reference';

export interface Img {
  c: number;
  h: number;
  w: number;
  data: Float32Array;
}
export interface Map2 {
  h: number;
  w: number;
  data: Float64Array;
  label: string;
}

export type Request =
  | { op: 'init'; prefer: BackendChoice }
  | { op: 'loadData'; source: 'synthetic'; n: number; seed: number }
  | { op: 'loadData'; source: 'files'; n: number; files: { name: string; bytes: Uint8Array }[] }
  | {
      op: 'train';
      spec: string;
      lr: number;
      momentum: number;
      batch: number;
      steps: number;
      checkpointEvery: number;
      seed: number;
    }
  | { op: 'pause' }
  | { op: 'resume' }
  | { op: 'stop' }
  | { op: 'saveCheckpoint' }
  | { op: 'loadCheckpoint'; files: { name: string; bytes: Uint8Array }[] }
  | { op: 'attack'; attack: string; eps: number; steps: number; rel: number; batch: number }
  | { op: 'dynamics'; index: number; attack: string; eps: number; steps: number; rel: number }
  | { op: 'minNormCurve'; attack: string; steps: number; rel: number }
  | { op: 'fourierMap'; eps: number; n: number }
  | { op: 'graph'; n: number }
  | { op: 'specInfo'; spec: string };

export interface InitResult {
  backend: string;
  tried: BackendAttempt[];
  hasGpuAdapter: boolean;
  specs: string[];
  attacks: string[];
}
export interface DataInfo {
  name: string;
  n: number;
  train: number;
  test: number;
  shape: number[];
  classes: number[];
}
export interface ProgressEvent {
  event: 'progress';
  step: number;
  loss: number;
  acc: number;
  testLoss?: number;
  testAcc?: number;
  checkpoints: number;
}
export interface TrainDone {
  event: 'trainDone';
  reason: 'finished' | 'stopped' | 'error';
  error?: string;
  steps: number;
  parameters: number;
  checkpoints: { step: number }[];
}
export interface AttackResult {
  attack: string;
  label: string;
  n: number;
  success: number;
  correct: number;
  meanLinf: number;
  meanL2: number;
  images: { x: Img; xadv: Img; delta: Img; beta: Img }[];
  spectra: { x: Map2; xadv: Map2; delta: Map2; beta: Map2 }[];
  average: { x: Map2; xadv: Map2; delta: Map2; beta: Map2 };
  radial: { k: number[]; delta: number[]; beta: number[]; x: number[] }[];
  radialAvg: { k: number[]; delta: number[]; beta: number[]; x: number[] };
  angular: { deg: number[]; delta: number[]; beta: number[]; x: number[] }[];
  angularAvg: { deg: number[]; delta: number[]; beta: number[]; x: number[] };
}
/** Fourier sensitivity map (Yin et al. 2019) on the centred frequency grid. */
export interface FourierMapResult {
  n: number;
  eps: number;
  cleanError: number;
  error: Map2;
  logit: Map2;
}
export interface DynamicsResult {
  step: number;
  betaSpec: Map2;
  deltaSpec: Map2;
  reluChange: number[];
  roughness: number[];
  reluUnits: number;
  /** The same observables along random directions with each adversarial perturbation's l2 norm (the baseline). */
  random: { reluChange: number[]; roughness: number[] };
}
export interface GraphNodeView {
  id: number;
  op: string;
  shape: number[];
  name?: string;
  inputs: number[];
  gradNorm: number | null;
  attrs?: Record<string, unknown>;
}
