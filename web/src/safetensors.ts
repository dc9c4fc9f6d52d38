// safetensors (https://github.com/huggingface/safetensors) encode / decode for
// float32 checkpoints: 8-byte little-endian header length, a JSON header
// {name: {dtype: 'F32', shape, data_offsets: [begin, end]}, __metadata__: {...}},
// then the raw little-endian data.

export interface NamedArray { shape: number[]; data: Float32Array }

export function encodeSafetensors(tensors: Map<string, NamedArray>, metadata: Record<string, string> = {}): Uint8Array {
  const header: Record<string, unknown> = { __metadata__: metadata };
  let off = 0;
  for (const [name, t] of tensors) {
    header[name] = { dtype: 'F32', shape: t.shape, data_offsets: [off, off + t.data.byteLength] };
    off += t.data.byteLength;
  }
  let json = JSON.stringify(header);
  while ((json.length + 8) % 8 !== 0) json += ' '; // align the data to 8 bytes
  const hdr = new TextEncoder().encode(json);
  const out = new Uint8Array(8 + hdr.length + off);
  new DataView(out.buffer).setBigUint64(0, BigInt(hdr.length), true);
  out.set(hdr, 8);
  let p = 8 + hdr.length;
  for (const t of tensors.values()) {
    out.set(new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength), p);
    p += t.data.byteLength;
  }
  return out;
}

export function decodeSafetensors(bytes: Uint8Array): { tensors: Map<string, NamedArray>; metadata: Record<string, string> } {
  if (bytes.length < 8) throw new Error('safetensors: file shorter than its 8-byte header length');
  const n = Number(new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0, true));
  if (8 + n > bytes.length) throw new Error(`safetensors: header length ${n} exceeds the file (${bytes.length} bytes)`);
  const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + n))) as Record<string, { dtype: string; shape: number[]; data_offsets: [number, number] }>;
  const base = 8 + n;
  const tensors = new Map<string, NamedArray>();
  let metadata: Record<string, string> = {};
  for (const [name, v] of Object.entries(header)) {
    if (name === '__metadata__') { metadata = v as unknown as Record<string, string>; continue; }
    if (v.dtype !== 'F32') throw new Error(`safetensors: tensor '${name}' has dtype ${v.dtype}; only F32 is supported`);
    const [b, e] = v.data_offsets;
    const count = v.shape.reduce((a, c) => a * c, 1);
    if (e - b !== 4 * count) throw new Error(`safetensors: tensor '${name}' shape [${v.shape}] needs ${4 * count} bytes, offsets give ${e - b}`);
    const data = new Float32Array(count);
    new Uint8Array(data.buffer).set(bytes.subarray(base + b, base + e));
    tensors.set(name, { shape: v.shape, data });
  }
  return { tensors, metadata };
}
