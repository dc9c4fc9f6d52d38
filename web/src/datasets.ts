// Data sets for the web lab: the built-in synthetic set (src/lab/data/synthetic.ts)
// and CIFAR-10 / MNIST-format files a user drops in or serves, parsed with
// the library's readers (src/lab/data/formats.ts). This file only recognises
// which dropped file is which and splits train / test.
import { syntheticDataset } from '../../src/lab/data/synthetic.ts';
import { gunzip, isGzip, parseCifar, parseIdxImages, parseIdxLabels } from '../../src/lab/data/formats.ts';
import { limitSplit, makeSplit, type Dataset, type Split } from '../../src/lab/data/dataset.ts';

/** The synthetic set with n images: 80% train, 20% test. */
export function synthetic(n: number, seed: number): Dataset {
  const test = Math.max(1, Math.round(n * 0.2));
  return syntheticDataset(
    { train: Math.max(1, n - test), test, seed },
    `synthetic:train=${n - test},test=${test},seed=${seed}`,
  );
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((a, p) => a + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** Split one set 80/20 (train first). */
function split80(
  x: Uint8Array,
  y: Uint8Array,
  shape: [number, number, number],
  n: number,
): { train: Split; test: Split } {
  const d = shape[0] * shape[1] * shape[2];
  const total = Math.min(n, y.length),
    nTr = Math.max(1, Math.floor(total * 0.8));
  return {
    train: makeSplit(x.subarray(0, nTr * d), y.subarray(0, nTr), shape),
    test: makeSplit(x.subarray(nTr * d, total * d), y.subarray(nTr, total), shape),
  };
}

/**
 * Recognise dropped files: CIFAR-10 binary batches (a file named test_batch*
 * becomes the test split, else the last 20% are held out), or MNIST-format IDX
 * files (images + labels; a 't10k' pair becomes the test split). At most n
 * images are kept in all.
 */
export async function fromFiles(files: { name: string; bytes: Uint8Array }[], n: number): Promise<Dataset> {
  const raw = await Promise.all(
    files.map(async (f) => ({
      name: f.name.split('/').pop()!,
      bytes: isGzip(f.bytes) ? await gunzip(f.bytes, f.name) : f.bytes,
    })),
  );
  const isIdx = (b: Uint8Array): boolean => b.length >= 4 && b[0] === 0 && b[1] === 0 && b[2] === 8;
  const idx = raw.filter((f) => isIdx(f.bytes));
  if (idx.length) {
    const imgs = idx.filter((f) => f.bytes[3] === 3),
      labs = idx.filter((f) => f.bytes[3] === 1);
    const pick = (arr: typeof idx, test: boolean) => arr.find((f) => /t10k|test/i.test(f.name) === test);
    const trI = pick(imgs, false) ?? imgs[0],
      trL = pick(labs, false) ?? labs[0];
    if (!trI || !trL)
      throw new Error(
        `MNIST: need an images file (IDX rank 3) and a labels file (rank 1); got ${idx.map((f) => f.name).join(', ')}`,
      );
    const a = parseIdxImages(trI.bytes, trI.name),
      la = parseIdxLabels(trL.bytes, trL.name);
    if (a.count !== la.length)
      throw new Error(`${trI.name}: ${a.count} images but ${trL.name} has ${la.length} labels`);
    const teI = pick(imgs, true),
      teL = pick(labs, true);
    let train: Split, test: Split;
    if (teI && teL && teI !== trI) {
      const b = parseIdxImages(teI.bytes, teI.name),
        lb = parseIdxLabels(teL.bytes, teL.name);
      const nTe = Math.max(1, Math.round(n * 0.2));
      train = limitSplit(makeSplit(a.images, la, a.shape), n - nTe, a.shape);
      test = limitSplit(makeSplit(b.images, lb, b.shape), nTe, b.shape);
    } else ({ train, test } = split80(a.images, la, a.shape, n));
    return {
      name: `MNIST-format (${[trI, trL, teI, teL]
        .filter(Boolean)
        .map((f) => f!.name)
        .join(', ')})`,
      shape: a.shape,
      numClasses: 10,
      train,
      test,
    };
  }
  const bins = raw.filter((f) => f.bytes.length > 0 && f.bytes.length % 3073 === 0);
  if (!bins.length)
    throw new Error(
      `no CIFAR-10 batch (*.bin, a multiple of 3073 bytes) or MNIST IDX file among: ${files.map((f) => f.name).join(', ')}`,
    );
  const parsed = bins.map((f) => ({ name: f.name, ...parseCifar(f.bytes, 'cifar10', f.name) }));
  const testFile = parsed.find((p) => /test/i.test(p.name));
  const trainFiles = parsed.filter((p) => p !== testFile);
  const shape: [number, number, number] = [3, 32, 32];
  let train: Split, test: Split;
  if (testFile && trainFiles.length) {
    const nTe = Math.max(1, Math.round(n * 0.2));
    train = limitSplit(
      makeSplit(concat(trainFiles.map((p) => p.images)), concat(trainFiles.map((p) => p.labels)), shape),
      n - nTe,
      shape,
    );
    test = limitSplit(makeSplit(testFile.images, testFile.labels, shape), nTe, shape);
  } else
    ({ train, test } = split80(concat(parsed.map((p) => p.images)), concat(parsed.map((p) => p.labels)), shape, n));
  return { name: `CIFAR-10 (${parsed.map((p) => p.name).join(', ')})`, shape, numClasses: 10, train, test };
}
