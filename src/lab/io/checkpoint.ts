// Checkpoints: the model's parameters and buffers in safetensors (loadable by
// PyTorch's `safetensors.torch.load_file`), a JSON sidecar with everything
// needed to rebuild and resume (spec, data set, seed, epoch, accuracy,
// optimiser state), and the optimiser's momentum buffers in a second
// safetensors file. For `path = DIR/epoch-003.safetensors`:
//   DIR/epoch-003.safetensors        parameters + buffers (names as model.parameters()/buffers())
//   DIR/epoch-003.json               CheckpointMeta
//   DIR/epoch-003.optim.safetensors  momentum buffers, named like the parameters (only when given)
// Encoding/decoding is platform-free (encodeCheckpoint / decodeCheckpoint); the
// path-based save/load use src/platform (Node and Deno), imported lazily so the
// web bundle can use the byte-level functions.
import type { Classifier } from '../nn/types.ts';
import { buildModel } from '../nn/models.ts';
import { encodeSafetensors, decodeSafetensors, type NamedArray } from './safetensors.ts';
import type { Tensor } from '../../engine/tensor.ts';

/** The optimiser state a checkpoint records for an exact resume. */
export interface OptimizerMeta {
  name: 'sgd';
  lr: number;
  momentum: number;
  weightDecay: number;
  nesterov: boolean;
  /** Optimiser steps taken so far. */
  steps: number;
}

/** A checkpoint's JSON sidecar: spec, data set, shapes, seed, epoch, accuracy, training config. */
export interface CheckpointMeta {
  format: 'ifrlab-checkpoint';
  version: 1;
  /** Model spec string (canonical form). */
  spec: string;
  inputShape: number[];
  numClasses: number;
  /** Data set name (and options) the model was trained on. */
  data: string;
  seed: number;
  /** Completed epochs (epoch 3 = after three full passes); fractional progress in `batchInEpoch`. */
  epoch: number;
  /** Batches done in the current (unfinished) epoch; 0 at an epoch boundary. */
  batchInEpoch?: number;
  globalStep?: number;
  testAccuracy?: number | null;
  trainLoss?: number | null;
  trainAccuracy?: number | null;
  optimizer?: OptimizerMeta;
  /** Anything else (training configuration, schedule, best epoch so far...). */
  [key: string]: unknown;
}

/** A checkpoint as bytes: weights (safetensors), sidecar (JSON) and optional optimiser state. */
export interface EncodedCheckpoint {
  weights: Uint8Array;
  meta: string;
  optim?: Uint8Array;
}

async function arrays(ts: Map<string, Tensor>): Promise<Map<string, NamedArray>> {
  const out = new Map<string, NamedArray>();
  for (const [k, t] of ts) out.set(k, { shape: [...t.shape], data: await t.data() });
  return out;
}

/** Serialise a model (and optionally its momentum buffers) to bytes. */
export async function encodeCheckpoint(model: Classifier, meta: CheckpointMeta, velocity?: Map<string, Tensor>): Promise<EncodedCheckpoint> {
  const all = new Map(model.parameters());
  for (const [k, t] of model.buffers?.() ?? []) all.set(k, t);
  const weights = encodeSafetensors(await arrays(all), { format: 'ifrlab', spec: meta.spec, data: meta.data, epoch: String(meta.epoch) });
  const optim = velocity ? encodeSafetensors(await arrays(velocity), { format: 'ifrlab-optim' }) : undefined;
  return { weights, meta: JSON.stringify(meta, null, 2), optim };
}

/** Rebuild a model from checkpoint bytes (uses the current backend). */
export function decodeCheckpoint(weights: Uint8Array, metaJson: string, what = 'checkpoint', optim?: Uint8Array): { model: Classifier; meta: CheckpointMeta; velocity?: Map<string, NamedArray> } {
  let meta: CheckpointMeta;
  try { meta = JSON.parse(metaJson); } catch (e) { throw new Error(`${what}: the JSON sidecar does not parse (${(e as Error).message})`); }
  if (meta.format !== 'ifrlab-checkpoint') throw new Error(`${what}: the sidecar is not an ifrlab checkpoint (format=${String(meta.format)})`);
  const { tensors } = decodeSafetensors(weights, what);
  const model = buildModel(meta.spec, { inputShape: meta.inputShape, numClasses: meta.numClasses, seed: meta.seed, init: tensors });
  const names = [...model.parameters().keys(), ...(model.buffers?.().keys() ?? [])];
  const missing = names.filter((n) => !tensors.has(n));
  if (missing.length) {
    model.dispose?.();
    throw new Error(`${what}: missing tensors for ${meta.spec}: ${missing.slice(0, 5).join(', ')}${missing.length > 5 ? ', ...' : ''}`);
  }
  const velocity = optim ? decodeSafetensors(optim, `${what} (optimiser state)`).tensors : undefined;
  return { model, meta, velocity };
}

/** The sidecar and optimiser-state paths that go with a weights path. */
export function checkpointPaths(path: string): { weights: string; meta: string; optim: string } {
  const base = path.endsWith('.safetensors') ? path.slice(0, -'.safetensors'.length) : path.endsWith('.json') ? path.slice(0, -'.json'.length) : path;
  return { weights: `${base}.safetensors`, meta: `${base}.json`, optim: `${base}.optim.safetensors` };
}

/** Write DIR/name.safetensors + DIR/name.json (+ DIR/name.optim.safetensors when velocity is given). */
export async function saveCheckpoint(path: string, model: Classifier, meta: CheckpointMeta, velocity?: Map<string, Tensor>): Promise<void> {
  const fs = await import('../platform/fs.ts');
  const p = checkpointPaths(path);
  const enc = await encodeCheckpoint(model, meta, velocity);
  // weights and optimiser state first, the sidecar last: a sidecar always describes complete files
  await fs.writeBytes(p.weights, enc.weights);
  if (enc.optim) await fs.writeBytes(p.optim, enc.optim);
  await fs.writeBytes(p.meta, enc.meta);
}

/** Load a checkpoint (path of the .safetensors or the .json) and rebuild the model on the current backend. */
export async function loadCheckpoint(path: string, opts: { optimizer?: boolean } = {}): Promise<{ model: Classifier; meta: CheckpointMeta; velocity?: Map<string, NamedArray> }> {
  const fs = await import('../platform/fs.ts');
  const p = checkpointPaths(path);
  if (!fs.fileExists(p.meta)) throw new Error(`loadCheckpoint: no sidecar ${p.meta} next to ${p.weights}`);
  const weights = await fs.readBytes(p.weights);
  const meta = await fs.readText(p.meta);
  const optim = opts.optimizer && fs.fileExists(p.optim) ? await fs.readBytes(p.optim) : undefined;
  return decodeCheckpoint(weights, meta, p.weights, optim);
}
