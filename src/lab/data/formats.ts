// Readers for the official binary formats, platform-free (bytes in, arrays out).
//
// CIFAR-10 binary: records of 1 + 3072 bytes: label (0-9), then the red, green
//   and blue 32x32 planes, row-major. No header.
// CIFAR-100 binary: records of 2 + 3072 bytes: coarse label (0-19), fine label
//   (0-99), then the planes.
// IDX (MNIST, Fashion-MNIST): big-endian int32 magic (0x00000803 images,
//   0x00000801 labels), then one big-endian int32 per dimension, then uint8 data.
// Gzip is undone with the standard DecompressionStream('gzip') (Node >= 18, Deno, browsers).

/** Inflated data beyond this is refused when the caller knows no expected size. */
export const MAX_INFLATED_BYTES = 2 ** 30;
class InflateLimit extends Error {}

/** Decompress gzip bytes; at most `maxBytes` (the file's known size when there is one) are inflated. */
export async function gunzip(bytes: Uint8Array, what = 'data', maxBytes = MAX_INFLATED_BYTES): Promise<Uint8Array> {
  return inflateWith('gzip', bytes, what, maxBytes);
}

/**
 * Decompress with a standard DecompressionStream format ('gzip', 'deflate' = zlib, 'deflate-raw'),
 * stopping as soon as the output would exceed `maxBytes`: a decompression bomb is refused after
 * inflating at most that much, not after filling the memory.
 */
export async function inflateWith(
  format: 'gzip' | 'deflate' | 'deflate-raw',
  bytes: Uint8Array,
  what = 'data',
  maxBytes = MAX_INFLATED_BYTES,
): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  let total = 0;
  let reader: ReadableStreamDefaultReader<Uint8Array> | undefined;
  try {
    reader = new Blob([bytes as BlobPart]).stream().pipeThrough(new DecompressionStream(format)).getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      total += value.length;
      if (total > maxBytes) {
        await reader.cancel().catch(() => {});
        throw new InflateLimit(
          `${what}: ${format} data inflates to more than ${maxBytes} bytes (the expected size); refused as corrupt or a decompression bomb`,
        );
      }
      chunks.push(value);
    }
  } catch (e) {
    if (e instanceof InflateLimit) throw new Error(e.message);
    throw new Error(`${what}: ${format} data is corrupt or truncated (${(e as Error).message})`);
  }
  if (chunks.length === 1) return chunks[0];
  const out = new Uint8Array(total);
  let o = 0;
  for (const c of chunks) {
    out.set(c, o);
    o += c.length;
  }
  return out;
}

/** True when the bytes start with the gzip magic number. */
export const isGzip = (b: Uint8Array): boolean => b.length >= 2 && b[0] === 0x1f && b[1] === 0x8b;

/** Lower-case hex SHA-256 (WebCrypto). */
export async function sha256Hex(bytes: Uint8Array): Promise<string> {
  const d = await crypto.subtle.digest('SHA-256', bytes as BufferSource);
  return [...new Uint8Array(d)].map((b) => b.toString(16).padStart(2, '0')).join('');
}

/** Images (bytes, N x C x H x W) with their labels, as parsed from a file. */
export interface LabeledImages {
  /** uint8 pixels, [N, C, H, W] row-major. */
  images: Uint8Array;
  labels: Uint8Array;
  /** CIFAR-100 only: the coarse (super-class) labels. */
  coarseLabels?: Uint8Array;
  shape: [number, number, number];
}

/** Parse a CIFAR-10 or CIFAR-100 binary batch file. `what` names the file in errors. */
export function parseCifar(bytes: Uint8Array, variant: 'cifar10' | 'cifar100', what: string = variant): LabeledImages {
  const head = variant === 'cifar10' ? 1 : 2;
  const rec = head + 3072;
  if (bytes.length === 0 || bytes.length % rec !== 0) {
    throw new Error(
      `${what}: ${bytes.length} bytes is not a whole number of ${variant} records of ${rec} bytes (truncated or not a ${variant} binary file; ${Math.floor(bytes.length / rec)} whole records, ${bytes.length % rec} bytes left over)`,
    );
  }
  const n = bytes.length / rec;
  const images = new Uint8Array(n * 3072),
    labels = new Uint8Array(n);
  const coarse = variant === 'cifar100' ? new Uint8Array(n) : undefined;
  const maxLabel = variant === 'cifar10' ? 9 : 99;
  for (let i = 0; i < n; i++) {
    const o = i * rec;
    const y = bytes[o + head - 1];
    if (y > maxLabel)
      throw new Error(`${what}: record ${i} has label ${y} (> ${maxLabel}); the file is corrupt or not ${variant}`);
    labels[i] = y;
    if (coarse) {
      if (bytes[o] > 19)
        throw new Error(`${what}: record ${i} has coarse label ${bytes[o]} (> 19); the file is corrupt`);
      coarse[i] = bytes[o];
    }
    images.set(bytes.subarray(o + head, o + rec), i * 3072);
  }
  return { images, labels, coarseLabels: coarse, shape: [3, 32, 32] };
}

function idxHeader(bytes: Uint8Array, what: string): { dims: number[]; offset: number; type: number } {
  if (bytes.length < 8) throw new Error(`${what}: ${bytes.length} bytes is too short for an IDX header (truncated)`);
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes[0] !== 0 || bytes[1] !== 0)
    throw new Error(
      `${what}: bad IDX magic 0x${dv.getUint32(0).toString(16).padStart(8, '0')} (not an IDX file${isGzip(bytes) ? '; it is gzipped' : ''})`,
    );
  const type = bytes[2],
    nd = bytes[3];
  if (type !== 0x08) throw new Error(`${what}: IDX data type 0x${type.toString(16)} is not unsigned byte (0x08)`);
  if (bytes.length < 4 + 4 * nd) throw new Error(`${what}: truncated IDX header`);
  const dims: number[] = [];
  for (let i = 0; i < nd; i++) dims.push(dv.getUint32(4 + 4 * i));
  const offset = 4 + 4 * nd;
  const need = dims.reduce((a, b) => a * b, 1);
  if (bytes.length - offset !== need)
    throw new Error(
      `${what}: IDX header says [${dims.join(', ')}] = ${need} bytes of data but the file holds ${bytes.length - offset} (truncated or corrupt)`,
    );
  return { dims, offset, type };
}

/** Parse an IDX image file (magic 0x00000803): [N, 1, H, W] uint8. */
export function parseIdxImages(
  bytes: Uint8Array,
  what = 'IDX images',
): { images: Uint8Array; shape: [number, number, number]; count: number } {
  const { dims, offset } = idxHeader(bytes, what);
  if (dims.length !== 3)
    throw new Error(`${what}: expected an image file (3 dimensions, magic 0x00000803), got ${dims.length} dimensions`);
  return { images: bytes.slice(offset), shape: [1, dims[1], dims[2]], count: dims[0] };
}

/** Parse an IDX label file (magic 0x00000801). */
export function parseIdxLabels(bytes: Uint8Array, what = 'IDX labels', classes = 10): Uint8Array {
  const { dims, offset } = idxHeader(bytes, what);
  if (dims.length !== 1)
    throw new Error(`${what}: expected a label file (1 dimension, magic 0x00000801), got ${dims.length} dimensions`);
  const labels = bytes.slice(offset);
  for (let i = 0; i < labels.length; i++)
    if (labels[i] >= classes) throw new Error(`${what}: label ${labels[i]} at index ${i} is not below ${classes}`);
  return labels;
}

/** Write a CIFAR binary file (used by `data fetch` and by tests). */
export function encodeCifar(
  images: Uint8Array,
  labels: ArrayLike<number>,
  variant: 'cifar10' | 'cifar100' = 'cifar10',
  coarse?: ArrayLike<number>,
): Uint8Array {
  const head = variant === 'cifar10' ? 1 : 2,
    rec = head + 3072;
  const out = new Uint8Array(labels.length * rec);
  for (let i = 0; i < labels.length; i++) {
    if (head === 2) out[i * rec] = coarse ? coarse[i] : 0;
    out[i * rec + head - 1] = labels[i];
    out.set(images.subarray(i * 3072, (i + 1) * 3072), i * rec + head);
  }
  return out;
}

/** Write an IDX file of uint8 data with the given dimensions. */
export function encodeIdx(data: Uint8Array, dims: readonly number[]): Uint8Array {
  const out = new Uint8Array(4 + 4 * dims.length + data.length);
  const dv = new DataView(out.buffer);
  out[2] = 0x08;
  out[3] = dims.length;
  dims.forEach((d, i) => dv.setUint32(4 + 4 * i, d));
  out.set(data, 4 + 4 * dims.length);
  return out;
}
