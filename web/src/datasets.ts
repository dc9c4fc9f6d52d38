// Parsers for data-set files a user drops into the page: CIFAR-10 binary
// batches and MNIST / Fashion-MNIST IDX files (optionally gzipped). Pure
// functions over bytes; the worker calls them.

export interface ImageSet { x: Float32Array; y: Uint8Array; shape: [number, number, number]; name: string }

export async function gunzipIfNeeded(bytes: Uint8Array): Promise<Uint8Array> {
  if (bytes.length < 2 || bytes[0] !== 0x1f || bytes[1] !== 0x8b) return bytes;
  const stream = new Blob([bytes as BlobPart]).stream().pipeThrough(new DecompressionStream('gzip'));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

/** CIFAR-10 binary: records of 1 label byte + 3072 pixel bytes (R, G, B planes of 32x32). */
export function parseCifar10(bytes: Uint8Array, limit = Infinity): ImageSet {
  const rec = 3073;
  if (bytes.length % rec !== 0) throw new Error(`CIFAR-10: ${bytes.length} bytes is not a whole number of 3073-byte records`);
  const n = Math.min(limit, bytes.length / rec);
  const x = new Float32Array(n * 3072), y = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    y[i] = bytes[i * rec];
    if (y[i] > 9) throw new Error(`CIFAR-10: record ${i} has label ${y[i]}`);
    for (let p = 0; p < 3072; p++) x[i * 3072 + p] = bytes[i * rec + 1 + p] / 255;
  }
  return { x, y, shape: [3, 32, 32], name: 'CIFAR-10' };
}

/** One IDX file: magic 0x0000 0x08 rank, big-endian sizes, then unsigned bytes. */
export function parseIdx(bytes: Uint8Array): { dims: number[]; data: Uint8Array } {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.length < 4 || dv.getUint16(0) !== 0 || bytes[2] !== 0x08) throw new Error('IDX: not an unsigned-byte IDX file (bad magic)');
  const rank = bytes[3];
  const dims = Array.from({ length: rank }, (_, i) => dv.getUint32(4 + 4 * i));
  const off = 4 + 4 * rank, size = dims.reduce((a, b) => a * b, 1);
  if (bytes.length < off + size) throw new Error(`IDX: ${bytes.length - off} data bytes, dims ${dims.join('x')} need ${size}`);
  return { dims, data: bytes.subarray(off, off + size) };
}

export function mnistFromIdx(images: Uint8Array, labels: Uint8Array, limit = Infinity): ImageSet {
  const im = parseIdx(images), lb = parseIdx(labels);
  if (im.dims.length !== 3 || lb.dims.length !== 1) throw new Error(`MNIST: images dims ${im.dims.join('x')} / labels dims ${lb.dims.join('x')}`);
  if (im.dims[0] !== lb.dims[0]) throw new Error(`MNIST: ${im.dims[0]} images but ${lb.dims[0]} labels`);
  const [N, H, W] = im.dims, n = Math.min(N, limit);
  const x = new Float32Array(n * H * W);
  for (let i = 0; i < n * H * W; i++) x[i] = im.data[i] / 255;
  return { x, y: lb.data.slice(0, n), shape: [1, H, W], name: 'MNIST-format' };
}

/** Recognise a set of dropped files: CIFAR-10 *.bin batches, or an MNIST images + labels pair. */
export async function parseDroppedFiles(files: { name: string; bytes: Uint8Array }[], limit: number): Promise<ImageSet> {
  const raw = await Promise.all(files.map(async (f) => ({ name: f.name, bytes: await gunzipIfNeeded(f.bytes) })));
  const idx = raw.filter((f) => f.bytes.length >= 4 && f.bytes[0] === 0 && f.bytes[1] === 0 && f.bytes[2] === 8);
  if (idx.length >= 2) {
    const imgs = idx.find((f) => f.bytes[3] === 3), labs = idx.find((f) => f.bytes[3] === 1);
    if (!imgs || !labs) throw new Error('MNIST: need one images file (rank 3) and one labels file (rank 1)');
    return mnistFromIdx(imgs.bytes, labs.bytes, limit);
  }
  const bins = raw.filter((f) => f.bytes.length % 3073 === 0 && f.bytes.length > 0);
  if (!bins.length) throw new Error(`no CIFAR-10 batch (*.bin, multiple of 3073 bytes) or MNIST IDX pair among: ${files.map((f) => f.name).join(', ')}`);
  const total = new Uint8Array(bins.reduce((a, f) => a + f.bytes.length, 0));
  let o = 0;
  for (const f of bins) { total.set(f.bytes, o); o += f.bytes.length; }
  return parseCifar10(total, limit);
}
