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

const DTYPE_BYTES: Record<string, number> = { F32: 4, F64: 8, F16: 2, BF16: 2, I64: 8, I32: 4, I16: 2, I8: 1, U8: 1, BOOL: 1 };

/** Serialise named float32 arrays (written in the Map's order) with optional string metadata. */
export function encodeSafetensors(tensors: Map<string, NamedArray>, metadata: Record<string, string> = {}): Uint8Array {
  const header: Record<string, unknown> = {};
  if (Object.keys(metadata).length) header.__metadata__ = metadata;
  let offset = 0;
  for (const [name, t] of tensors) {
    if (name === '__metadata__') throw new Error(`safetensors: '__metadata__' is reserved and cannot name a tensor`);
    const n = t.shape.reduce((a, b) => a * b, 1);
    if (n !== t.data.length) throw new Error(`safetensors: tensor '${name}' has ${t.data.length} values but shape [${t.shape.join(', ')}] needs ${n}`);
    header[name] = { dtype: 'F32', shape: [...t.shape], data_offsets: [offset, offset + 4 * n] };
    offset += 4 * n;
  }
  let json = JSON.stringify(header);
  const enc = new TextEncoder();
  let hb = enc.encode(json);
  const padded = Math.ceil(hb.length / 8) * 8;
  if (padded !== hb.length) { json += ' '.repeat(padded - hb.length); hb = enc.encode(json); }
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

/** Parse a safetensors file; every tensor is returned as float32 (F64/F16/BF16/ints converted). `what` names the file in errors. */
export function decodeSafetensors(bytes: Uint8Array, what = 'safetensors data'): { tensors: Map<string, NamedArray>; metadata: Record<string, string> } {
  if (bytes.length < 8) throw new Error(`${what}: only ${bytes.length} bytes; not a safetensors file (truncated?)`);
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const n = Number(dv.getBigUint64(0, true));
  if (n > bytes.length - 8 || n > 100_000_000) throw new Error(`${what}: header length ${n} exceeds the file size ${bytes.length} (truncated or not safetensors)`);
  let header: Record<string, { dtype: string; shape: number[]; data_offsets: [number, number] } | Record<string, string>>;
  try {
    header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + n)));
  } catch (e) {
    throw new Error(`${what}: the JSON header does not parse (${(e as Error).message})`);
  }
  const base = 8 + n;
  const tensors = new Map<string, NamedArray>();
  let metadata: Record<string, string> = {};
  for (const [name, entry] of Object.entries(header)) {
    if (name === '__metadata__') { metadata = entry as Record<string, string>; continue; }
    const e = entry as { dtype: string; shape: number[]; data_offsets: [number, number] };
    const size = DTYPE_BYTES[e.dtype];
    if (!size) throw new Error(`${what}: tensor '${name}' has unsupported dtype ${e.dtype}`);
    const count = e.shape.reduce((a, b) => a * b, 1);
    const [b0, b1] = e.data_offsets;
    if (b1 - b0 !== count * size) throw new Error(`${what}: tensor '${name}' spans ${b1 - b0} bytes but ${e.dtype}[${e.shape.join(', ')}] needs ${count * size}`);
    if (base + b1 > bytes.length) throw new Error(`${what}: tensor '${name}' ends at byte ${base + b1} but the file has ${bytes.length} (truncated)`);
    const data = new Float32Array(count);
    const o = bytes.byteOffset + base + b0;
    const tdv = new DataView(bytes.buffer, o, b1 - b0);
    for (let i = 0; i < count; i++) {
      switch (e.dtype) {
        case 'F32': data[i] = tdv.getFloat32(4 * i, true); break;
        case 'F64': data[i] = tdv.getFloat64(8 * i, true); break;
        case 'F16': data[i] = f16(tdv.getUint16(2 * i, true)); break;
        case 'BF16': data[i] = bf16(tdv.getUint16(2 * i, true)); break;
        case 'I64': data[i] = Number(tdv.getBigInt64(8 * i, true)); break;
        case 'I32': data[i] = tdv.getInt32(4 * i, true); break;
        case 'I16': data[i] = tdv.getInt16(2 * i, true); break;
        case 'I8': data[i] = tdv.getInt8(i); break;
        default: data[i] = tdv.getUint8(i);
      }
    }
    tensors.set(name, { shape: e.shape, data });
  }
  return { tensors, metadata };
}

function f16(h: number): number {
  const s = h & 0x8000 ? -1 : 1, e = (h >> 10) & 0x1f, m = h & 0x3ff;
  if (e === 0) return s * m * 2 ** -24;
  if (e === 31) return m ? NaN : s * Infinity;
  return s * (1 + m / 1024) * 2 ** (e - 15);
}
function bf16(h: number): number {
  const b = new DataView(new ArrayBuffer(4));
  b.setUint32(0, h << 16);
  return b.getFloat32(0);
}
