// Counter-based random numbers (Philox4x32-10): value i of stream (seed, stream)
// depends only on (seed, stream, i), so every backend and every run draws the
// same numbers, and any slice of a stream can be drawn without the rest.

const M0 = 0xd2511f53;
const M1 = 0xcd9e8d57;
const W0 = 0x9e3779b9;
const W1 = 0xbb67ae85;

/** High 32 bits of the 64-bit product of two uint32 values. */
function mulhi(a: number, b: number): number {
  const a0 = a & 0xffff,
    a1 = a >>> 16;
  const b0 = b & 0xffff,
    b1 = b >>> 16;
  const lo = a0 * b0;
  const mid1 = a1 * b0 + (lo >>> 16);
  const mid2 = a0 * b1 + (mid1 & 0xffff);
  return (a1 * b1 + (mid1 >>> 16) + (mid2 >>> 16)) >>> 0;
}

/** Philox4x32-10 block: counter (c0..c3), key (k0,k1) -> four uint32. */
export function philox(c0: number, c1: number, c2: number, c3: number, k0: number, k1: number, out: Uint32Array): void {
  for (let r = 0; r < 10; r++) {
    const hi0 = mulhi(M0, c0),
      lo0 = Math.imul(M0, c0) >>> 0;
    const hi1 = mulhi(M1, c2),
      lo1 = Math.imul(M1, c2) >>> 0;
    const n0 = (hi1 ^ c1 ^ k0) >>> 0;
    const n2 = (hi0 ^ c3 ^ k1) >>> 0;
    c0 = n0;
    c1 = lo1;
    c2 = n2;
    c3 = lo0;
    k0 = (k0 + W0) >>> 0;
    k1 = (k1 + W1) >>> 0;
  }
  out[0] = c0;
  out[1] = c1;
  out[2] = c2;
  out[3] = c3;
}

/** Split a user seed (any safe integer) into two uint32 key words. */
function keyOf(seed: number): [number, number] {
  if (!Number.isSafeInteger(seed)) throw new Error(`random: seed must be a safe integer, got ${seed}`);
  const lo = seed >>> 0;
  const hi = Math.floor(seed / 4294967296) >>> 0;
  return [lo, hi];
}

/** n uniform numbers in [0, 1) (24-bit resolution, exactly representable in float32). */
export function uniformArray(n: number, seed: number, stream = 0, offset = 0): Float64Array {
  const [k0, k1] = keyOf(seed);
  const out = new Float64Array(n);
  const block = new Uint32Array(4);
  let i = 0;
  let ctr = Math.floor(offset / 4);
  let skip = offset % 4;
  while (i < n) {
    philox(ctr >>> 0, Math.floor(ctr / 4294967296) >>> 0, stream >>> 0, 0, k0, k1, block);
    for (let j = skip; j < 4 && i < n; j++) out[i++] = (block[j] >>> 8) / 16777216;
    skip = 0;
    ctr++;
  }
  return out;
}

/** n standard normal numbers (Box-Muller on pairs of uniforms of the same stream). */
export function normalArray(n: number, seed: number, stream = 0): Float64Array {
  const m = n + (n & 1);
  const u = uniformArray(m, seed, stream);
  const out = new Float64Array(n);
  for (let i = 0; i < m; i += 2) {
    const r = Math.sqrt(-2 * Math.log(1 - u[i])); // 1-u in (0,1]: log is finite
    const t = 2 * Math.PI * u[i + 1];
    out[i] = r * Math.cos(t);
    if (i + 1 < n) out[i + 1] = r * Math.sin(t);
  }
  return out;
}

/** Seeded Fisher-Yates permutation of 0..n-1. */
export function permutation(n: number, seed: number, stream = 0): Int32Array {
  const p = new Int32Array(n);
  for (let i = 0; i < n; i++) p[i] = i;
  const u = uniformArray(n, seed, stream);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(u[i] * (i + 1));
    const t = p[i];
    p[i] = p[j];
    p[j] = t;
  }
  return p;
}
