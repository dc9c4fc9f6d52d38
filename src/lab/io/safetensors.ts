// The safetensors format (https://huggingface.co/docs/safetensors): an 8-byte
// little-endian header length N, a JSON header of N bytes (padded with spaces
// to a multiple of 8), then the raw little-endian tensor bytes. Each header
// entry is { dtype, shape, data_offsets: [begin, end] } relative to the data
// start; "__metadata__" maps strings to strings. PyTorch users load our files
// with `safetensors.torch.load_file(path)`. Platform-free: bytes in, bytes out.

/** A tensor as plain data: shape and values. */
export interface NamedArray {
  shape: readonly number[];
  data: Float32Array;
}

const DTYPE_BYTES: Record<string, number> = {
  F32: 4,
  F64: 8,
  F16: 2,
  BF16: 2,
  I64: 8,
  I32: 4,
  I16: 2,
  I8: 1,
  U8: 1,
  BOOL: 1,
};

/** Serialise named float32 arrays (written in the Map's order) with optional string metadata. */
export function encodeSafetensors(tensors: Map<string, NamedArray>, metadata: Record<string, string> = {}): Uint8Array {
  const header: Record<string, unknown> = {};
  if (Object.keys(metadata).length) header.__metadata__ = metadata;
  let offset = 0;
  for (const [name, t] of tensors) {
    if (name === '__metadata__') throw new Error(`safetensors: '__metadata__' is reserved and cannot name a tensor`);
    const n = t.shape.reduce((a, b) => a * b, 1);
    if (n !== t.data.length)
      throw new Error(
        `safetensors: tensor '${name}' has ${t.data.length} values but shape [${t.shape.join(', ')}] needs ${n}`,
      );
    header[name] = { dtype: 'F32', shape: [...t.shape], data_offsets: [offset, offset + 4 * n] };
    offset += 4 * n;
  }
  let json = JSON.stringify(header);
  const enc = new TextEncoder();
  let hb = enc.encode(json);
  const padded = Math.ceil(hb.length / 8) * 8;
  if (padded !== hb.length) {
    json += ' '.repeat(padded - hb.length);
    hb = enc.encode(json);
  }
  const out = new Uint8Array(8 + hb.length + offset);
  const dv = new DataView(out.buffer);
  dv.setBigUint64(0, BigInt(hb.length), true);
  out.set(hb, 8);
  let pos = 8 + hb.length;
  for (const t of tensors.values()) {
    const bytes = new Uint8Array(t.data.byteLength);
    const tdv = new DataView(bytes.buffer);
    for (let i = 0; i < t.data.length; i++) tdv.setFloat32(4 * i, t.data[i], true);
    out.set(bytes, pos);
    pos += bytes.length;
  }
  return out;
}

interface Entry {
  name: string;
  dtype: string;
  shape: number[];
  begin: number;
  end: number;
  count: number;
}

const isNat = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;

/**
 * Check a safetensors header against the file before anything is allocated: every entry an object
 * with a known dtype, a shape of non-negative integers and integer data_offsets whose length is
 * product(shape) x dtype size; the entries, in offset order, tile the data section exactly (no gap,
 * no overlap, nothing after the last). Returns the entries in offset order and the metadata.
 */
export function checkSafetensorsHeader(
  bytes: Uint8Array,
  what = 'safetensors data',
): { entries: Entry[]; metadata: Record<string, string>; dataStart: number } {
  if (bytes.length < 8) throw new Error(`${what}: only ${bytes.length} bytes; not a safetensors file (truncated?)`);
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const n64 = dv.getBigUint64(0, true);
  if (n64 > BigInt(bytes.length - 8) || n64 > 100_000_000n)
    throw new Error(
      `${what}: header length ${n64} exceeds the file size ${bytes.length} (truncated or not safetensors)`,
    );
  const n = Number(n64);
  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + n)));
  } catch (e) {
    throw new Error(`${what}: the JSON header does not parse (${(e as Error).message})`);
  }
  if (!header || typeof header !== 'object' || Array.isArray(header))
    throw new Error(
      `${what}: the header is not a JSON object (got ${header === null ? 'null' : Array.isArray(header) ? 'an array' : typeof header})`,
    );
  const dataStart = 8 + n,
    dataLen = bytes.length - dataStart;
  let metadata: Record<string, string> = {};
  const entries: Entry[] = [];
  for (const [name, e] of Object.entries(header as Record<string, unknown>)) {
    const bad = (why: string): Error => new Error(`${what}: tensor '${name}' ${why}`);
    if (name === '__metadata__') {
      if (!e || typeof e !== 'object' || Array.isArray(e) || Object.values(e).some((v) => typeof v !== 'string'))
        throw new Error(`${what}: __metadata__ must map strings to strings`);
      metadata = e as Record<string, string>;
      continue;
    }
    if (!e || typeof e !== 'object' || Array.isArray(e))
      throw bad(`is ${e === null ? 'null' : typeof e}, not an entry { dtype, shape, data_offsets }`);
    const { dtype, shape, data_offsets: off } = e as Record<string, unknown>;
    if (typeof dtype !== 'string') throw bad('has no dtype');
    const size = DTYPE_BYTES[dtype];
    if (!size) throw bad(`has unsupported dtype ${dtype} (known: ${Object.keys(DTYPE_BYTES).join(', ')})`);
    if (!Array.isArray(shape)) throw bad('has no shape (an array of non-negative integers)');
    if (!shape.every(isNat)) throw bad(`has shape ${JSON.stringify(shape)}; dimensions must be non-negative integers`);
    if (!Array.isArray(off) || off.length !== 2) throw bad('has no data_offsets [begin, end]');
    if (!off.every(isNat)) throw bad(`has data_offsets ${JSON.stringify(off)}; they must be non-negative integers`);
    const [begin, end] = off as number[];
    if (end < begin) throw bad(`has data_offsets [${begin}, ${end}] that end before they begin`);
    const count = (shape as number[]).reduce((a, b) => a * b, 1);
    if (!Number.isSafeInteger(count * size) || end - begin !== count * size)
      throw bad(`spans ${end - begin} bytes but ${dtype}[${shape.join(', ')}] needs ${count * size}`);
    if (end > dataLen) throw bad(`ends at byte ${dataStart + end} but the file has ${bytes.length} (truncated)`);
    entries.push({ name, dtype, shape: shape as number[], begin, end, count });
  }
  entries.sort((a, b) => a.begin - b.begin || a.end - b.end);
  let pos = 0;
  for (const t of entries) {
    if (t.begin < pos)
      throw new Error(
        `${what}: tensor '${t.name}' (bytes ${t.begin}-${t.end}) overlaps the previous tensor (which ends at ${pos})`,
      );
    if (t.begin > pos)
      throw new Error(`${what}: bytes ${pos}-${t.begin} of the data belong to no tensor (before '${t.name}')`);
    pos = t.end;
  }
  if (pos !== dataLen) throw new Error(`${what}: ${dataLen - pos} bytes after the last tensor belong to no tensor`);
  return { entries, metadata, dataStart };
}

/** Parse a safetensors file; every tensor is returned as float32 (F64/F16/BF16/ints converted). `what` names the file in errors. */
export function decodeSafetensors(
  bytes: Uint8Array,
  what = 'safetensors data',
): { tensors: Map<string, NamedArray>; metadata: Record<string, string> } {
  const { entries, metadata, dataStart } = checkSafetensorsHeader(bytes, what);
  const tensors = new Map<string, NamedArray>();
  for (const e of entries) {
    const { count } = e;
    const data = new Float32Array(count);
    const tdv = new DataView(bytes.buffer, bytes.byteOffset + dataStart + e.begin, e.end - e.begin);
    for (let i = 0; i < count; i++) {
      switch (e.dtype) {
        case 'F32':
          data[i] = tdv.getFloat32(4 * i, true);
          break;
        case 'F64':
          data[i] = tdv.getFloat64(8 * i, true);
          break;
        case 'F16':
          data[i] = f16(tdv.getUint16(2 * i, true));
          break;
        case 'BF16':
          data[i] = bf16(tdv.getUint16(2 * i, true));
          break;
        case 'I64':
          data[i] = Number(tdv.getBigInt64(8 * i, true));
          break;
        case 'I32':
          data[i] = tdv.getInt32(4 * i, true);
          break;
        case 'I16':
          data[i] = tdv.getInt16(2 * i, true);
          break;
        case 'I8':
          data[i] = tdv.getInt8(i);
          break;
        default:
          data[i] = tdv.getUint8(i);
      }
    }
    tensors.set(e.name, { shape: e.shape, data });
  }
  return { tensors, metadata };
}

function f16(h: number): number {
  const s = h & 0x8000 ? -1 : 1,
    e = (h >> 10) & 0x1f,
    m = h & 0x3ff;
  if (e === 0) return s * m * 2 ** -24;
  if (e === 31) return m ? NaN : s * Infinity;
  return s * (1 + m / 1024) * 2 ** (e - 15);
}
function bf16(h: number): number {
  const b = new DataView(new ArrayBuffer(4));
  b.setUint32(0, h << 16);
  return b.getFloat32(0);
}
