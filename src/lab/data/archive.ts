// Reading the archives that official data sets ship in: tar (ustar / GNU), optionally gzipped.
import { gunzip, isGzip } from './formats.ts';

/** Files of a tar archive by path (regular files only). */
export async function untar(bytes: Uint8Array, what = 'archive'): Promise<Map<string, Uint8Array>> {
  if (isGzip(bytes)) bytes = await gunzip(bytes, what);
  const out = new Map<string, Uint8Array>();
  const dec = new TextDecoder();
  const str = (o: number, n: number): string => dec.decode(bytes.subarray(o, o + n)).replace(/\0.*$/s, '');
  let pos = 0,
    longName: string | null = null;
  while (pos + 512 <= bytes.length) {
    if (bytes.subarray(pos, pos + 512).every((b) => b === 0)) break;
    let name = str(pos, 100);
    const size = parseInt(str(pos + 124, 12).trim() || '0', 8);
    const type = String.fromCharCode(bytes[pos + 156] || 48);
    const prefix = str(pos + 345, 155);
    if (prefix && str(pos + 257, 5) === 'ustar') name = `${prefix}/${name}`;
    const body = pos + 512;
    if (body + size > bytes.length)
      throw new Error(`${what}: entry '${name}' runs past the end of the archive (truncated)`);
    if (type === 'L') longName = str(body, size);
    else {
      if (longName) {
        name = longName;
        longName = null;
      }
      if (type === '0' || type === '\0') out.set(name, bytes.slice(body, body + size));
    }
    pos = body + Math.ceil(size / 512) * 512;
  }
  return out;
}
