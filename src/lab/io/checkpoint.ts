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
import { buildModel, parameterShapes } from '../nn/models.ts';
import { encodeSafetensors, decodeSafetensors, checkSafetensorsHeader, type NamedArray } from './safetensors.ts';
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
export async function encodeCheckpoint(
  model: Classifier,
  meta: CheckpointMeta,
  velocity?: Map<string, Tensor>,
): Promise<EncodedCheckpoint> {
  const all = new Map(model.parameters());
  for (const [k, t] of model.buffers?.() ?? []) all.set(k, t);
  const weights = encodeSafetensors(await arrays(all), {
    format: 'ifrlab',
    spec: meta.spec,
    data: meta.data,
    epoch: String(meta.epoch),
  });
  const optim = velocity ? encodeSafetensors(await arrays(velocity), { format: 'ifrlab-optim' }) : undefined;
  return { weights, meta: JSON.stringify(meta, null, 2), optim };
}

/** Options of decodeCheckpoint(): accept extra tensors, where warnings go. */
export interface DecodeOptions {
  /** Accept tensors the model does not have (ignored) instead of refusing the file. */
  allowExtra?: boolean;
  /** Where warnings (NaN/Inf weights) go; default console.warn. */
  warn?: (message: string) => void;
}

const isPosInt = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v > 0;

/** Parse and check a sidecar: an ifrlab checkpoint with a spec, an input shape [C, H, W] and a class count. */
export function parseCheckpointMeta(metaJson: string, what = 'checkpoint'): CheckpointMeta {
  let meta: CheckpointMeta;
  try {
    meta = JSON.parse(metaJson);
  } catch (e) {
    throw new Error(`${what}: the JSON sidecar does not parse (${(e as Error).message})`);
  }
  if (!meta || typeof meta !== 'object' || Array.isArray(meta))
    throw new Error(
      `${what}: the JSON sidecar is ${meta === null ? 'null' : Array.isArray(meta) ? 'an array' : typeof meta}, not an ifrlab checkpoint`,
    );
  if (meta.format !== 'ifrlab-checkpoint')
    throw new Error(`${what}: the sidecar is not an ifrlab checkpoint (format=${String(meta.format)})`);
  if (typeof meta.spec !== 'string') throw new Error(`${what}: the sidecar has no model spec`);
  if (!Array.isArray(meta.inputShape) || meta.inputShape.length !== 3 || !meta.inputShape.every(isPosInt))
    throw new Error(
      `${what}: the sidecar's inputShape ${JSON.stringify(meta.inputShape)} is not [C, H, W] of positive integers`,
    );
  if (!isPosInt(meta.numClasses))
    throw new Error(`${what}: the sidecar's numClasses ${JSON.stringify(meta.numClasses)} is not a positive integer`);
  return meta;
}

/**
 * Rebuild a model from checkpoint bytes (uses the current backend). Everything is checked before
 * the model is built: the sidecar, the safetensors header (see checkSafetensorsHeader), and the
 * tensors against the shapes the spec needs (computed without allocating): a missing or misshapen
 * tensor is an error, an extra one too unless `allowExtra`. NaN/Inf weights give a warning.
 */
export function decodeCheckpoint(
  weights: Uint8Array,
  metaJson: string,
  what = 'checkpoint',
  optim?: Uint8Array,
  opts: DecodeOptions = {},
): { model: Classifier; meta: CheckpointMeta; velocity?: Map<string, NamedArray> } {
  const meta = parseCheckpointMeta(metaJson, what);
  let need: Map<string, number[]>;
  try {
    need = parameterShapes(meta.spec, { inputShape: meta.inputShape, numClasses: meta.numClasses });
  } catch (e) {
    throw new Error(`${what}: the sidecar's model does not build: ${(e as Error).message}`);
  }
  const check = (bytes: Uint8Array, label: string, params: (n: string) => boolean): void => {
    const have = new Map(checkSafetensorsHeader(bytes, label).entries.map((e) => [e.name, e.shape]));
    const missing = [...need.keys()].filter((n) => params(n) && !have.has(n));
    if (missing.length)
      throw new Error(
        `${label}: missing tensors for ${meta.spec}: ${missing.slice(0, 5).join(', ')}${missing.length > 5 ? `, ... (${missing.length} in all)` : ''}`,
      );
    for (const [n, shape] of have) {
      const want = need.get(n);
      if (!want || !params(n)) {
        if (!opts.allowExtra)
          throw new Error(
            `${label}: tensor '${n}' is not part of ${meta.spec} (pass --allow-extra to ignore extra tensors)`,
          );
        continue;
      }
      if (shape.length !== want.length || shape.some((d, i) => d !== want[i]))
        throw new Error(
          `${label}: tensor '${n}' has shape [${shape.join(', ')}] but ${meta.spec} needs [${want.join(', ')}]`,
        );
    }
  };
  check(weights, what, () => true);
  // optimiser state: one momentum buffer per trainable parameter (no batch-norm running statistics)
  const isBuffer = (n: string): boolean => /\.running_(mean|var)$/.test(n);
  if (optim) check(optim, `${what} (optimiser state)`, (n) => !isBuffer(n));
  const { tensors } = decodeSafetensors(weights, what);
  const warn = opts.warn ?? ((m: string) => console.warn(m));
  for (const [n, t] of tensors) {
    let bad = 0;
    for (let i = 0; i < t.data.length; i++) if (!Number.isFinite(t.data[i])) bad++;
    if (bad) warn(`warning: ${what}: tensor '${n}' has ${bad} NaN/Inf value${bad > 1 ? 's' : ''} of ${t.data.length}`);
  }
  for (const n of [...tensors.keys()]) if (!need.has(n)) tensors.delete(n);
  const model = buildModel(meta.spec, {
    inputShape: meta.inputShape,
    numClasses: meta.numClasses,
    seed: meta.seed,
    init: tensors,
  });
  const velocity = optim ? decodeSafetensors(optim, `${what} (optimiser state)`).tensors : undefined;
  if (velocity) for (const n of [...velocity.keys()]) if (!need.has(n)) velocity.delete(n);
  return { model, meta, velocity };
}

/** The sidecar and optimiser-state paths that go with a weights path. */
export function checkpointPaths(path: string): { weights: string; meta: string; optim: string } {
  const base = path.endsWith('.safetensors')
    ? path.slice(0, -'.safetensors'.length)
    : path.endsWith('.json')
      ? path.slice(0, -'.json'.length)
      : path;
  return { weights: `${base}.safetensors`, meta: `${base}.json`, optim: `${base}.optim.safetensors` };
}

/** Write DIR/name.safetensors + DIR/name.json (+ DIR/name.optim.safetensors when velocity is given). */
export async function saveCheckpoint(
  path: string,
  model: Classifier,
  meta: CheckpointMeta,
  velocity?: Map<string, Tensor>,
): Promise<void> {
  const fs = await import('../platform/fs.ts');
  const p = checkpointPaths(path);
  const enc = await encodeCheckpoint(model, meta, velocity);
  // weights and optimiser state first, the sidecar last: a sidecar always describes complete files
  await fs.writeBytes(p.weights, enc.weights);
  if (enc.optim) await fs.writeBytes(p.optim, enc.optim);
  await fs.writeBytes(p.meta, enc.meta);
}

/** Load a checkpoint (path of the .safetensors or the .json) and rebuild the model on the current backend. */
export async function loadCheckpoint(
  path: string,
  opts: { optimizer?: boolean } & DecodeOptions = {},
): Promise<{ model: Classifier; meta: CheckpointMeta; velocity?: Map<string, NamedArray> }> {
  const fs = await import('../platform/fs.ts');
  const p = checkpointPaths(path);
  if (!fs.fileExists(p.meta)) throw new Error(`loadCheckpoint: no sidecar ${p.meta} next to ${p.weights}`);
  if (!fs.fileExists(p.weights)) throw new Error(`loadCheckpoint: no weights file ${p.weights}`);
  const meta = await fs.readText(p.meta);
  const weights = await fs.readBytes(p.weights);
  const optim = opts.optimizer && fs.fileExists(p.optim) ? await fs.readBytes(p.optim) : undefined;
  return decodeCheckpoint(weights, meta, p.weights, optim, opts);
}
