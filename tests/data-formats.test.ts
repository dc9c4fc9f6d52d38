// Readers on small files written here in each official format, plus the real files when present.
import { describe, it, expect } from 'vitest';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import {
  parseCifar,
  parseIdxImages,
  parseIdxLabels,
  encodeCifar,
  encodeIdx,
  gunzip,
  sha256Hex,
} from '../src/lab/data/formats.ts';
import { loadDataset, readDatasetFile, DATASETS, type FileReader } from '../src/lab/data/registry.ts';
import { classCounts } from '../src/lab/data/dataset.ts';
import { decodePng, unfilter } from '../src/lab/data/png.ts';
import { untar } from '../src/lab/data/archive.ts';
import { dirReader } from '../src/lab/platform/data.ts';
import { uniformArray } from '../src/engine/core/random.ts';

const SHARED = resolve(__dirname, '..', '..', 'shared', 'data');
const haveCifar = existsSync(join(SHARED, 'cifar-10-batches-bin', 'data_batch_1.bin'));
const haveMnist = existsSync(join(SHARED, 'mnist', 't10k-labels-idx1-ubyte.gz'));

async function gzip(b: Uint8Array): Promise<Uint8Array> {
  const s = new Blob([b as BlobPart]).stream().pipeThrough(new CompressionStream('gzip'));
  return new Uint8Array(await new Response(s).arrayBuffer());
}
async function deflate(b: Uint8Array): Promise<Uint8Array> {
  const s = new Blob([b as BlobPart]).stream().pipeThrough(new CompressionStream('deflate'));
  return new Uint8Array(await new Response(s).arrayBuffer());
}
const bytesOf = (n: number, seed: number): Uint8Array =>
  Uint8Array.from(uniformArray(n, seed), (u) => Math.floor(u * 256));

describe('CIFAR binary', () => {
  it('CIFAR-10: records of label + R, G, B planes', () => {
    const imgs = bytesOf(3 * 3072, 1),
      labels = [3, 0, 9];
    const file = encodeCifar(imgs, labels);
    expect(file.length).toBe(3 * 3073);
    expect(file[3073]).toBe(0);
    expect(file[1]).toBe(imgs[0]);
    const p = parseCifar(file, 'cifar10');
    expect([...p.labels]).toEqual(labels);
    expect(p.images).toEqual(imgs);
    expect(p.shape).toEqual([3, 32, 32]);
  });
  it('CIFAR-100: coarse and fine labels', () => {
    const imgs = bytesOf(2 * 3072, 2);
    const file = encodeCifar(imgs, [99, 42], 'cifar100', [19, 7]);
    expect(file.length).toBe(2 * 3074);
    const p = parseCifar(file, 'cifar100');
    expect([...p.labels]).toEqual([99, 42]);
    expect([...p.coarseLabels!]).toEqual([19, 7]);
    expect(p.images).toEqual(imgs);
  });
  it('CIFAR-100 data set through loadDataset (fine labels, 100 classes)', async () => {
    const tr = encodeCifar(bytesOf(3 * 3072, 8), [5, 99, 0], 'cifar100', [1, 2, 3]),
      te = encodeCifar(bytesOf(3072, 9), [42], 'cifar100', [4]);
    const read: FileReader = async (p) =>
      p === 'cifar-100-binary/train.bin' ? tr : p === 'cifar-100-binary/test.bin' ? te : null;
    const ds = await loadDataset('cifar100', read, 'none');
    expect(ds.numClasses).toBe(100);
    expect([...ds.train.y]).toEqual([5, 99, 0]);
    expect([...ds.test.y]).toEqual([42]);
    await expect(loadDataset('cifar100', read, 'size')).rejects.toThrow(
      /cifar-100-binary\/(train|test).bin: size \d+ bytes, expected (153700000|30740000)/,
    );
  });
  it('truncated or corrupt files give clear errors naming the file', () => {
    const file = encodeCifar(bytesOf(2 * 3072, 3), [1, 2]);
    expect(() => parseCifar(file.subarray(0, 5000), 'cifar10', 'data_batch_9.bin')).toThrow(
      /data_batch_9.bin: 5000 bytes is not a whole number of cifar10 records of 3073 bytes/,
    );
    const bad = file.slice();
    bad[3073] = 12;
    expect(() => parseCifar(bad, 'cifar10', 'x.bin')).toThrow(/x.bin: record 1 has label 12/);
  });
});

describe('IDX (MNIST / Fashion-MNIST)', () => {
  it('images and labels, plain and gzipped', async () => {
    const px = bytesOf(4 * 28 * 28, 4);
    const img = encodeIdx(px, [4, 28, 28]),
      lab = encodeIdx(Uint8Array.from([5, 0, 4, 1]), [4]);
    expect([...img.subarray(0, 8)]).toEqual([0, 0, 8, 3, 0, 0, 0, 4]);
    const p = parseIdxImages(img);
    expect(p.count).toBe(4);
    expect(p.shape).toEqual([1, 28, 28]);
    expect(p.images).toEqual(px);
    expect([...parseIdxLabels(lab)]).toEqual([5, 0, 4, 1]);
    const gz = await gzip(img);
    expect(gz[0]).toBe(0x1f);
    expect(await gunzip(gz)).toEqual(img);
  });
  it('a whole data set from a directory of small files (gz or not) through loadDataset', async () => {
    const px = bytesOf(6 * 784, 5),
      tpx = bytesOf(2 * 784, 6);
    const files: Record<string, Uint8Array> = {
      'mnist/train-images-idx3-ubyte.gz': await gzip(encodeIdx(px, [6, 28, 28])),
      'mnist/train-labels-idx1-ubyte': encodeIdx(Uint8Array.from([0, 1, 2, 3, 4, 5]), [6]),
      'mnist/t10k-images-idx3-ubyte': encodeIdx(tpx, [2, 28, 28]),
      'mnist/t10k-labels-idx1-ubyte.gz': await gzip(encodeIdx(Uint8Array.from([7, 9]), [2])),
    };
    const read: FileReader = async (p) => files[p] ?? null;
    const ds = await loadDataset('mnist', read, 'none');
    expect(ds.shape).toEqual([1, 28, 28]);
    expect(ds.train.n).toBe(6);
    expect([...ds.test.y]).toEqual([7, 9]);
    expect(ds.train.x).toEqual(px);
    await expect(loadDataset('mnist', read, 'size')).rejects.toThrow(
      /mnist\/(train|t10k)-(images|labels)-idx\d-ubyte(\.gz)?: size \d+ bytes, expected \d+ \(truncated or wrong file\)/,
    );
  });
  it('bad magic, truncation, gzip corruption: clear errors', async () => {
    const img = encodeIdx(bytesOf(2 * 784, 7), [2, 28, 28]);
    expect(() => parseIdxImages(img.subarray(0, 1000), 'train-images')).toThrow(
      /train-images: IDX header says \[2, 28, 28\] = 1568 bytes of data but the file holds 984/,
    );
    expect(() => parseIdxLabels(img, 'lab')).toThrow(/lab: expected a label file/);
    const gz = await gzip(img);
    expect(() => parseIdxImages(gz, 'g')).toThrow(/g: bad IDX magic .*gzipped/);
    await expect(gunzip(gz.subarray(0, gz.length - 20), 'cut.gz')).rejects.toThrow(
      /cut.gz: gzip data is corrupt or truncated/,
    );
  });
});

describe('verification: size and SHA-256', () => {
  it('sha256 of known strings (WebCrypto)', async () => {
    expect(await sha256Hex(new TextEncoder().encode('abc'))).toBe(
      'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad',
    );
  });
  it('a file with the right size but wrong content is rejected, naming the file', async () => {
    const spec = {
      ...DATASETS.cifar10,
      files: [{ name: 'test_batch.bin', size: 3073, sha256: await sha256Hex(encodeCifar(new Uint8Array(3072), [1])) }],
    };
    const good = encodeCifar(new Uint8Array(3072), [1]);
    const read =
      (b: Uint8Array): FileReader =>
      async (p) =>
        p === 'cifar-10-batches-bin/test_batch.bin' ? b : null;
    await expect(readDatasetFile(spec, spec.files[0], read(good))).resolves.toBeTruthy();
    const bad = good.slice();
    bad[100] = 1;
    await expect(readDatasetFile(spec, spec.files[0], read(bad))).rejects.toThrow(
      /cifar-10-batches-bin\/test_batch.bin: SHA-256 [0-9a-f]{64} does not match the official/,
    );
    await expect(readDatasetFile(spec, spec.files[0], read(good.subarray(0, 3000)))).rejects.toThrow(
      /test_batch.bin: size 3000 bytes, expected 3073/,
    );
    await expect(readDatasetFile(spec, spec.files[0], async () => null)).rejects.toThrow(
      /cifar10: file test_batch.bin not found .*ifrlab data fetch cifar10/,
    );
  });
});

describe('PNG decoder and tar reader (for data fetch)', () => {
  // encode with every filter type, the way real encoders choose them per row
  function filterRows(px: Uint8Array, w: number, h: number, bpp: number): Uint8Array {
    const stride = w * bpp,
      out = new Uint8Array(h * (stride + 1));
    for (let r = 0; r < h; r++) {
      const f = r % 5;
      out[r * (stride + 1)] = f;
      for (let i = 0; i < stride; i++) {
        const x = px[r * stride + i],
          a = i >= bpp ? px[r * stride + i - bpp] : 0,
          b = r > 0 ? px[(r - 1) * stride + i] : 0,
          c = r > 0 && i >= bpp ? px[(r - 1) * stride + i - bpp] : 0;
        const p = a + b - c,
          pa = Math.abs(p - a),
          pb = Math.abs(p - b),
          pc = Math.abs(p - c);
        const pred = [0, a, b, (a + b) >> 1, pa <= pb && pa <= pc ? a : pb <= pc ? b : c][f];
        out[r * (stride + 1) + 1 + i] = (x - pred) & 255;
      }
    }
    return out;
  }
  function chunk(type: string, body: Uint8Array): Uint8Array {
    const out = new Uint8Array(12 + body.length);
    const dv = new DataView(out.buffer);
    dv.setUint32(0, body.length);
    out.set(new TextEncoder().encode(type), 4);
    out.set(body, 8);
    return out; // CRC left zero: the decoder does not check it
  }
  async function png(px: Uint8Array, w: number, h: number, color: number, bpp: number): Promise<Uint8Array> {
    const ihdr = new Uint8Array(13);
    const dv = new DataView(ihdr.buffer);
    dv.setUint32(0, w);
    dv.setUint32(4, h);
    ihdr[8] = 8;
    ihdr[9] = color;
    const z = await deflate(filterRows(px, w, h, bpp));
    const parts = [
      Uint8Array.from([137, 80, 78, 71, 13, 10, 26, 10]),
      chunk('IHDR', ihdr),
      chunk('IDAT', z.subarray(0, 10)),
      chunk('IDAT', z.subarray(10)),
      chunk('IEND', new Uint8Array(0)),
    ];
    const out = new Uint8Array(parts.reduce((a, p) => a + p.length, 0));
    let o = 0;
    for (const p of parts) {
      out.set(p, o);
      o += p.length;
    }
    return out;
  }
  it('RGB and grey images with all five filter types decode exactly', async () => {
    for (const [color, bpp] of [
      [2, 3],
      [0, 1],
      [6, 4],
    ]) {
      const w = 13,
        h = 11,
        px = bytesOf(w * h * bpp, 10 + color);
      const img = await decodePng(await png(px, w, h, color, bpp));
      expect([img.width, img.height, img.channels]).toEqual([w, h, bpp]);
      expect(img.data).toEqual(px);
    }
    expect(() => unfilter(Uint8Array.from([7, 1, 2]), 2, 1, 1, 'f.png')).toThrow(
      /f.png: row 0 has unknown filter type 7/,
    );
    const file = await png(bytesOf(12, 1), 2, 2, 2, 3);
    await expect(decodePng(file.subarray(0, file.length - 12), 'cut.png')).rejects.toThrow(/cut.png: no IEND chunk/);
  });
  it('tar (ustar) entries', async () => {
    const header = (name: string, size: number): Uint8Array => {
      const h = new Uint8Array(512);
      h.set(new TextEncoder().encode(name), 0);
      h.set(new TextEncoder().encode(size.toString(8).padStart(11, '0') + '\0'), 124);
      h[156] = 48;
      h.set(new TextEncoder().encode('ustar\0'), 257);
      return h;
    };
    const body = new TextEncoder().encode('hello tar');
    const tar = new Uint8Array(512 * 4);
    tar.set(header('package/a.txt', body.length), 0);
    tar.set(body, 512);
    const files = await untar(await gzip(tar));
    expect(new TextDecoder().decode(files.get('package/a.txt'))).toBe('hello tar');
  });
});

describe.skipIf(!haveCifar)('real CIFAR-10 in ../shared/data', () => {
  it('data_batch_1: first labels 6,9,9,4,1, class counts, first pixel; test_batch: 1000 per class', async () => {
    const read = dirReader(SHARED),
      spec = DATASETS.cifar10;
    const b1 = await readDatasetFile(spec, spec.files[0], read, 'size');
    const p = parseCifar(b1.bytes, 'cifar10', b1.path);
    expect([...p.labels.subarray(0, 10)]).toEqual([6, 9, 9, 4, 1, 1, 2, 7, 8, 3]);
    expect(classCounts(p.labels, 10)).toEqual([1005, 974, 1032, 1016, 999, 937, 1030, 1001, 1025, 981]);
    expect([p.images[0], p.images[1024], p.images[2048]]).toEqual([59, 62, 63]);
    const t = await readDatasetFile(spec, spec.files[5], read, 'size');
    expect(classCounts(parseCifar(t.bytes, 'cifar10', t.path).labels, 10)).toEqual(new Array(10).fill(1000));
  }, 60_000);
});

describe.skipIf(!haveMnist)('real MNIST in ../shared/data', () => {
  it('first labels and class counts (label files), test images', async () => {
    const read = dirReader(SHARED),
      spec = DATASETS.mnist;
    const [trl, tei, tel] = await Promise.all(spec.files.slice(1).map((f) => readDatasetFile(spec, f, read, 'full')));
    const train = parseIdxLabels(trl.bytes, trl.path),
      test = parseIdxLabels(tel.bytes, tel.path);
    expect([...train.subarray(0, 5)]).toEqual([5, 0, 4, 1, 9]);
    expect([...test.subarray(0, 5)]).toEqual([7, 2, 1, 0, 4]);
    expect(classCounts(train, 10)).toEqual([5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]);
    const imgs = parseIdxImages(tei.bytes, tei.path);
    expect([imgs.count, ...imgs.shape]).toEqual([10000, 1, 28, 28]);
  }, 60_000);
});
