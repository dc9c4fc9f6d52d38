// Node/Deno file-system helpers (both runtimes provide node:fs and node:path).
// Everything platform-specific that the CLI, the data loaders and the
// checkpoint files need lives here; src/data and src/io stay platform-free.
import { promises as fsp, existsSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

export const joinPath = (...parts: string[]): string => path.join(...parts);
export const dirName = (p: string): string => path.dirname(p);
export const resolvePath = (...p: string[]): string => path.resolve(...p);

export async function readBytes(file: string): Promise<Uint8Array> {
  try {
    const b = await fsp.readFile(file);
    return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    if (err.code === 'ENOENT') throw new Error(`file not found: ${file}`);
    throw new Error(`cannot read ${file}: ${err.message}`);
  }
}
export async function readText(file: string): Promise<string> {
  return new TextDecoder().decode(await readBytes(file));
}
/** Write atomically: to a temporary name, then rename (a crash never leaves a half-written file). */
export async function writeBytes(file: string, data: Uint8Array | string): Promise<void> {
  await fsp.mkdir(path.dirname(file), { recursive: true });
  const tmp = `${file}.tmp-${process.pid}`;
  await fsp.writeFile(tmp, data);
  await fsp.rename(tmp, file);
}
export const fileExists = (p: string): boolean => existsSync(p);
export async function fileSize(p: string): Promise<number | null> {
  try { return (await fsp.stat(p)).size; } catch { return null; }
}
export async function makeDir(p: string): Promise<void> { await fsp.mkdir(p, { recursive: true }); }
export async function listDir(p: string): Promise<string[]> {
  try { return await fsp.readdir(p); } catch { return []; }
}
export async function removeFile(p: string): Promise<void> { await fsp.rm(p, { force: true }); }
export async function copyFile(a: string, b: string): Promise<void> {
  await fsp.mkdir(path.dirname(b), { recursive: true });
  await fsp.copyFile(a, b);
}

/** The repository (package) root: the nearest folder above this module that holds package.json. */
export function packageRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 8; i++) {
    if (existsSync(path.join(dir, 'package.json'))) return dir;
    const up = path.dirname(dir);
    if (up === dir) break;
    dir = up;
  }
  return process.cwd();
}

/**
 * The data directory: the --data-dir flag, else $IFRLAB_DATA, else ./data (where
 * `ifrlab data fetch` puts the data sets). No other place is searched: a missing
 * file names the folders tried and the fetch command.
 */
export function resolveDataDir(flag?: string): string {
  if (flag) return path.resolve(flag);
  const env = process.env.IFRLAB_DATA;
  return path.resolve(env || 'data');
}

export const env = (name: string): string | undefined => process.env[name];
