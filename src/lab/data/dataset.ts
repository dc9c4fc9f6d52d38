// In-memory data sets. Pixels are kept as uint8 (value = byte / 255, in [0, 1])
// or, after a transform such as steganography, as float32 (scale 1).

/** One split of a data set: n images (bytes or floats; value = x[i] * scale) and their labels. */
export interface Split {
  /** [n, C, H, W] row-major; the input value of element i is x[i] * scale. */
  x: Uint8Array | Float32Array;
  y: Uint8Array;
  n: number;
  scale: number;
}

/** A data set: name, input shape [C, H, W], class count, train and test splits. */
export interface Dataset {
  /** Name as given to the loader (with options), e.g. 'cifar10' or 'synthetic:train=2000'. */
  name: string;
  shape: [number, number, number];
  numClasses: number;
  classNames?: string[];
  train: Split;
  test: Split;
}

/** A Split from images and labels (checks that the sizes agree). */
export function makeSplit(x: Uint8Array | Float32Array, y: Uint8Array, shape: readonly number[]): Split {
  const d = shape[0] * shape[1] * shape[2];
  if (x.length !== y.length * d)
    throw new Error(`dataset: ${x.length} pixel values for ${y.length} labels of shape [${shape.join(', ')}]`);
  return { x, y, n: y.length, scale: x instanceof Uint8Array ? 1 / 255 : 1 };
}

/** The first n examples of a split (a view, no copy). */
export function limitSplit(s: Split, n: number | undefined, shape: readonly number[]): Split {
  if (n === undefined || n <= 0 || n >= s.n) return s;
  const d = shape[0] * shape[1] * shape[2];
  return { x: s.x.subarray(0, n * d), y: s.y.subarray(0, n), n, scale: s.scale };
}

/** Examples per class. */
export function classCounts(y: ArrayLike<number>, classes: number): number[] {
  const c = new Array(classes).fill(0);
  for (let i = 0; i < y.length; i++) c[y[i]]++;
  return c;
}

/** Per-channel mean and standard deviation (population) of a split, in input units. */
export function channelStats(s: Split, shape: readonly number[]): { mean: number[]; std: number[] } {
  const [C, H, W] = shape,
    hw = H * W;
  const mean: number[] = [],
    std: number[] = [];
  for (let c = 0; c < C; c++) {
    let a = 0,
      b = 0;
    for (let i = 0; i < s.n; i++) {
      const o = (i * C + c) * hw;
      for (let k = 0; k < hw; k++) {
        const v = s.x[o + k] * s.scale;
        a += v;
        b += v * v;
      }
    }
    const m = a / (s.n * hw);
    mean.push(m);
    std.push(Math.sqrt(Math.max(b / (s.n * hw) - m * m, 0)));
  }
  return { mean, std };
}
