// Malformed checkpoints and archives: each crafted file gets its own clear message naming the file
// (never a raw TypeError), before the model is built or anything beyond the file is allocated.
import { describe, it, expect, beforeAll } from 'vitest';
import { setBackend } from '../dist/src/engine/backends/registry.js';
import { encodeSafetensors, decodeSafetensors } from '../dist/src/lab/io/safetensors.js';
import { decodeCheckpoint, encodeCheckpoint } from '../dist/src/lab/io/checkpoint.js';
import { buildModel, parameterShapes } from '../dist/src/lab/nn/models.js';
import { gunzip, inflateWith } from '../dist/src/lab/data/formats.js';
import { gzipSync } from 'node:zlib';

const FILE = 'runs/x/checkpoints/epoch-001.safetensors';
const SPEC = 'fc-w4-d1-linear';
const SHAPE = [1, 2, 2];

/** A safetensors file from a raw header object and a data section of `dataBytes` bytes. */
function raw(header: unknown, dataBytes: number): Uint8Array {
  let json = JSON.stringify(header);
  json += ' '.repeat((8 - (json.length % 8)) % 8);
  const h = new TextEncoder().encode(json);
  const out = new Uint8Array(8 + h.length + dataBytes);
  new DataView(out.buffer).setBigUint64(0, BigInt(h.length), true);
  out.set(h, 8);
  return out;
}
const meta = (o: Record<string, unknown> = {}): string =>
  JSON.stringify({
    format: 'ifrlab-checkpoint',
    version: 1,
    spec: SPEC,
    inputShape: SHAPE,
    numClasses: 2,
    data: 'synthetic',
    seed: 0,
    epoch: 1,
    ...o,
  });

let good: { weights: Uint8Array; meta: string };
let entries: Record<string, { dtype: string; shape: number[]; data_offsets: [number, number] }>;
let dataLen: number;

beforeAll(async () => {
  await setBackend('reference');
  const m = buildModel(SPEC, { inputShape: SHAPE, numClasses: 2, seed: 3 });
  good = await encodeCheckpoint(m, JSON.parse(meta()));
  m.dispose();
  const n = Number(new DataView(good.weights.buffer).getBigUint64(0, true));
  entries = JSON.parse(new TextDecoder().decode(good.weights.subarray(8, 8 + n)));
  delete (entries as Record<string, unknown>).__metadata__;
  dataLen = good.weights.length - 8 - n;
});

/** The good header with one entry replaced (or removed when `v` is undefined). */
const withEntry = (name: string, v: unknown, extra = 0): Uint8Array => {
  const h: Record<string, unknown> = { ...entries };
  if (v === undefined) delete h[name];
  else h[name] = v;
  return raw(h, dataLen + extra);
};

describe('checkpoint reader validates everything first', () => {
  it('round trip: the good file decodes to the same weights', () => {
    const { model } = decodeCheckpoint(good.weights, good.meta, FILE);
    const back = decodeSafetensors(good.weights).tensors;
    expect([...model.parameters().keys()].sort()).toEqual([...back.keys()].sort());
    model.dispose();
  });

  const cases: [string, () => [Uint8Array, string], RegExp][] = [
    ['7 bytes', () => [new Uint8Array(7), meta()], /only 7 bytes; not a safetensors file/],
    [
      'header length 2^64-1',
      () => {
        const b = new Uint8Array(64);
        new DataView(b.buffer).setBigUint64(0, 2n ** 64n - 1n, true);
        return [b, meta()];
      },
      /header length 18446744073709551615 exceeds the file size 64/,
    ],
    [
      'header not JSON',
      () => {
        const b = raw({}, 0);
        b.set(new TextEncoder().encode('{"a":'), 8);
        return [b, meta()];
      },
      /JSON header does not parse/,
    ],
    ['header null', () => [raw(null, 0), meta()], /header is not a JSON object \(got null\)/],
    ['entry null', () => [withEntry('readout.bias', null), meta()], /tensor 'readout.bias' is null, not an entry/],
    [
      'no shape',
      () => [withEntry('readout.bias', { dtype: 'F32', data_offsets: entries['readout.bias'].data_offsets }), meta()],
      /'readout.bias' has no shape/,
    ],
    [
      'no data_offsets',
      () => [withEntry('readout.bias', { dtype: 'F32', shape: [2] }), meta()],
      /'readout.bias' has no data_offsets/,
    ],
    [
      'unknown dtype',
      () => [withEntry('readout.bias', { ...entries['readout.bias'], dtype: 'Q4' }), meta()],
      /unsupported dtype Q4/,
    ],
    [
      'negative dimension',
      () => [withEntry('readout.bias', { ...entries['readout.bias'], shape: [-2] }), meta()],
      /shape \[-2\]; dimensions must be non-negative integers/,
    ],
    [
      'fractional offsets',
      () => {
        const [a, b] = entries['readout.bias'].data_offsets;
        return [withEntry('readout.bias', { ...entries['readout.bias'], data_offsets: [a + 0.5, b + 0.5] }), meta()];
      },
      /data_offsets \[[\d.]+,[\d.]+\]; they must be non-negative integers/,
    ],
    [
      'negative offsets',
      () => [withEntry('readout.bias', { ...entries['readout.bias'], data_offsets: [-8, 0] }), meta()],
      /they must be non-negative integers/,
    ],
    [
      'overlapping tensors',
      () => {
        const w = entries['readout.weight'];
        return [
          withEntry('readout.bias', {
            ...entries['readout.bias'],
            data_offsets: [w.data_offsets[0], w.data_offsets[0] + 8],
          }),
          meta(),
        ];
      },
      /tensor 'readout.weight' \(bytes 80-112\) overlaps the previous tensor \(which ends at 88\)/,
    ],
    [
      'offsets into nothing (gap)',
      () => {
        const [a, b] = entries['readout.bias'].data_offsets;
        return [withEntry('readout.bias', { ...entries['readout.bias'], data_offsets: [a + 8, b + 8] }, 8), meta()];
      },
      /bytes \d+-\d+ of the data belong to no tensor/,
    ],
    [
      'length does not match shape',
      () => [withEntry('readout.bias', { ...entries['readout.bias'], shape: [3] }), meta()],
      /spans 8 bytes but F32\[3\] needs 12/,
    ],
    [
      'truncated data',
      () => [good.weights.subarray(0, good.weights.length - 4), meta()],
      /ends at byte \d+ but the file has \d+ \(truncated\)/,
    ],
    [
      'trailing bytes',
      () => [raw({ ...entries }, dataLen + 16), meta()],
      /16 bytes after the last tensor belong to no tensor/,
    ],
    [
      'missing tensor',
      () => {
        const t = decodeSafetensors(good.weights).tensors;
        t.delete('readout.bias');
        return [encodeSafetensors(t), meta()];
      },
      /missing tensors for fc-w4-d1-linear: readout.bias$/,
    ],
    [
      'wrong shape vs model',
      () => [good.weights, meta({ spec: 'fc-w5-d1-linear' })],
      /tensor 'hidden0.weight' has shape \[4, 4\] but fc-w5-d1-linear needs \[5, 4\]/,
    ],
    [
      'extra tensor',
      () => [
        encodeSafetensors(
          new Map([...decodeSafetensors(good.weights).tensors, ['junk', { shape: [1], data: new Float32Array(1) }]]),
        ),
        meta(),
      ],
      /tensor 'junk' is not part of fc-w4-d1-linear \(pass --allow-extra/,
    ],
    ['sidecar null', () => [good.weights, 'null'], /JSON sidecar is null, not an ifrlab checkpoint/],
    ['sidecar not JSON', () => [good.weights, '{"format":'], /JSON sidecar does not parse/],
    [
      'sidecar wrong format',
      () => [good.weights, JSON.stringify({ format: 'other' })],
      /not an ifrlab checkpoint \(format=other\)/,
    ],
    ['sidecar bad spec', () => [good.weights, meta({ spec: 'fc-wide' })], /the sidecar's model does not build/],
    [
      'sidecar bad input shape',
      () => [good.weights, meta({ inputShape: [1, -2, 2] })],
      /inputShape \[1,-2,2\] is not \[C, H, W\]/,
    ],
    [
      'sidecar without numClasses',
      () => [good.weights, meta({ numClasses: null })],
      /numClasses null is not a positive integer/,
    ],
  ];
  it.each(cases)('%s: a clear error naming the file', (_name, make, msg) => {
    const [w, m] = make();
    let err: unknown;
    try {
      decodeCheckpoint(w, m, FILE).model.dispose();
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(Error);
    expect(err).not.toBeInstanceOf(TypeError);
    expect((err as Error).message).toContain(FILE);
    expect((err as Error).message).toMatch(msg);
  });

  it('--allow-extra ignores extra tensors; NaN/Inf weights give a warning naming the tensor', () => {
    const t = decodeSafetensors(good.weights).tensors;
    t.get('readout.bias')!.data[1] = NaN;
    t.get('hidden0.weight')!.data[0] = Infinity;
    const w = encodeSafetensors(new Map([...t, ['junk', { shape: [2], data: new Float32Array(2) }]]));
    const warnings: string[] = [];
    const { model } = decodeCheckpoint(w, meta(), FILE, undefined, { allowExtra: true, warn: (m) => warnings.push(m) });
    expect([...model.parameters().keys()]).not.toContain('junk');
    expect(warnings.sort()).toEqual([
      `warning: ${FILE}: tensor 'hidden0.weight' has 1 NaN/Inf value of 16`,
      `warning: ${FILE}: tensor 'readout.bias' has 1 NaN/Inf value of 2`,
    ]);
    model.dispose();
  });

  it('a 72-byte file whose sidecar names a 614M-parameter model fails before the model is built', () => {
    const spec = 'fc-w200000-d1-linear';
    const need = parameterShapes(spec, { inputShape: [3, 32, 32], numClasses: 10 });
    expect(need.get('hidden0.weight')).toEqual([200000, 3072]); // the shapes, computed without allocating
    const w = raw({ readout: { dtype: 'F32', shape: [1], data_offsets: [0, 4] } }, 4);
    const before = process.memoryUsage();
    expect(() => decodeCheckpoint(w, meta({ spec, inputShape: [3, 32, 32], numClasses: 10 }), FILE)).toThrow(
      new RegExp(`${FILE}: missing tensors for ${spec}: hidden0.weight, hidden0.bias, readout.weight, readout.bias`),
    );
    const after = process.memoryUsage();
    expect(after.arrayBuffers - before.arrayBuffers).toBeLessThan(50e6);
    expect(after.rss - before.rss).toBeLessThan(200e6);
  });
});

describe('bounded decompression', () => {
  it('round trip within the expected size; a bomb is refused after inflating at most the limit', async () => {
    const small = new Uint8Array(1000).map((_, i) => i % 251);
    expect(await gunzip(gzipSync(small), 'f.gz', 1000)).toEqual(small);
    const bomb = gzipSync(new Uint8Array(256 * 2 ** 20)); // 256 MiB of zeros in ~260 KB
    expect(bomb.length).toBeLessThan(2 ** 20);
    const t0 = performance.now();
    const before = process.memoryUsage().arrayBuffers;
    await expect(gunzip(bomb, 'data/cifar10/data_batch_1.bin.gz', 30730000)).rejects.toThrow(
      'data/cifar10/data_batch_1.bin.gz: gzip data inflates to more than 30730000 bytes (the expected size); refused as corrupt or a decompression bomb',
    );
    const ms = performance.now() - t0;
    expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(100e6);
    expect(ms).toBeLessThan(5000);
    await expect(inflateWith('gzip', bomb.subarray(0, 100), 'cut.gz')).rejects.toThrow(
      'cut.gz: gzip data is corrupt or truncated',
    );
  });
});
