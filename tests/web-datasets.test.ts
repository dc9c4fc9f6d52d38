// The web lab's data-file recognition (web/src/datasets.ts): CIFAR-10 batches
// and MNIST-format IDX files (plain or gzipped) as a user drops them in,
// built here with the library's own encoders; and the 80/20 split rules.
import { describe, expect, it } from 'vitest';
import { fromFiles, synthetic } from '../web/src/datasets.ts';
import { encodeCifar, encodeIdx } from '../src/lab/data/formats.ts';
import { gather } from '../src/lab/data/batches.ts';

function bytes(n: number, seed: number): Uint8Array {
  const b = new Uint8Array(n);
  let s = seed;
  for (let i = 0; i < n; i++) {
    s = (s * 1103515245 + 12345) >>> 0;
    b[i] = s >>> 24;
  }
  return b;
}
async function gzip(b: Uint8Array): Promise<Uint8Array> {
  const stream = new Blob([b as BlobPart]).stream().pipeThrough(new CompressionStream('gzip'));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

describe('web lab data files', () => {
  it('CIFAR-10: a test_batch file becomes the test split; pixels are byte / 255', async () => {
    const trImg = bytes(20 * 3072, 1),
      teImg = bytes(10 * 3072, 2);
    const trLab = Array.from({ length: 20 }, (_, i) => i % 10),
      teLab = Array.from({ length: 10 }, (_, i) => 9 - i);
    const ds = await fromFiles(
      [
        { name: 'data_batch_1.bin', bytes: encodeCifar(trImg, trLab) },
        { name: 'test_batch.bin', bytes: encodeCifar(teImg, teLab) },
      ],
      25,
    );
    expect(ds.shape).toEqual([3, 32, 32]);
    expect(ds.test.n).toBe(5); // round(0.2 * 25)
    expect(ds.train.n).toBe(20);
    expect(Array.from(ds.test.y)).toEqual(teLab.slice(0, 5));
    const b = gather(ds.test, ds.shape, [3]);
    for (const k of [0, 1000, 3071]) expect(b.x[k]).toBeCloseTo(teImg[3 * 3072 + k] / 255, 7);
  });

  it('CIFAR-10: one file is split 80 / 20 in file order', async () => {
    const img = bytes(10 * 3072, 3),
      lab = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9];
    const ds = await fromFiles([{ name: 'data_batch_3.bin', bytes: encodeCifar(img, lab) }], 1000);
    expect([ds.train.n, ds.test.n]).toEqual([8, 2]);
    expect(Array.from(ds.test.y)).toEqual([8, 9]);
  });

  it('MNIST IDX (gzipped): images + labels, with a t10k pair as the test split', async () => {
    const tr = bytes(12 * 28 * 28, 4),
      te = bytes(6 * 28 * 28, 5);
    const trL = new Uint8Array(Array.from({ length: 12 }, (_, i) => i % 10)),
      teL = new Uint8Array([5, 4, 3, 2, 1, 0]);
    const ds = await fromFiles(
      [
        { name: 'train-labels-idx1-ubyte.gz', bytes: await gzip(encodeIdx(trL, [12])) },
        { name: 'train-images-idx3-ubyte.gz', bytes: await gzip(encodeIdx(tr, [12, 28, 28])) },
        { name: 't10k-images-idx3-ubyte', bytes: encodeIdx(te, [6, 28, 28]) },
        { name: 't10k-labels-idx1-ubyte', bytes: encodeIdx(teL, [6]) },
      ],
      15,
    );
    expect(ds.shape).toEqual([1, 28, 28]);
    expect([ds.train.n, ds.test.n]).toEqual([12, 3]);
    expect(Array.from(ds.test.y)).toEqual([5, 4, 3]);
    const b = gather(ds.train, ds.shape, [11]);
    expect(b.x[100]).toBeCloseTo(tr[11 * 784 + 100] / 255, 7);
    expect(b.y[0]).toBe(1);
  });

  it('MNIST IDX without a test pair is split 80 / 20', async () => {
    const ds = await fromFiles(
      [
        { name: 'images', bytes: encodeIdx(bytes(10 * 784, 6), [10, 28, 28]) },
        { name: 'labels', bytes: encodeIdx(new Uint8Array(10), [10]) },
      ],
      100,
    );
    expect([ds.train.n, ds.test.n]).toEqual([8, 2]);
  });

  it('unknown files get an error naming them', async () => {
    await expect(fromFiles([{ name: 'cat.jpg', bytes: new Uint8Array([1, 2, 3]) }], 10)).rejects.toThrow(/cat\.jpg/);
  });

  it('the synthetic set is split 80 / 20 and balanced', () => {
    const ds = synthetic(100, 1);
    expect([ds.train.n, ds.test.n]).toEqual([80, 20]);
    const counts = new Array(10).fill(0);
    ds.train.y.forEach((y) => counts[y]++);
    expect(counts).toEqual(new Array(10).fill(8));
  });
});
