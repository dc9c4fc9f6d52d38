// Node/Deno file-system helpers (both runtimes provide node:fs and node:path).
// Everything platform-specific that the CLI, the data loaders and the
// checkpoint files need lives here; src/data and src/io stay platform-free.
import { promises as fsp, existsSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

export const joinPath = (...parts: string[]): string => path.join(...parts);
export const dirName = (p: string): string => path.dirname(p);
export const resolvePath = (...p: string[]): string => path.resolve(...p);

/** Read a whole file; files over 1 GiB are read in chunks (readFile refuses files over 2 GiB). */
export async function readBytes(file: string): Promise<Uint8Array> {
  let fh: fsp.FileHandle | undefined;
  try {
    fh = await fsp.open(file, 'r');
    const size = (await fh.stat()).size;
    if (size <= 2 ** 30) {
      const b = await fh.readFile();
      return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
    }
    const out = new Uint8Array(size);
    for (let pos = 0; pos < size;) {
      const { bytesRead } = await fh.read(out, pos, Math.min(2 ** 30, size - pos), pos);
      if (bytesRead === 0) throw new Error(`the file shrank while it was read (${pos} of ${size} bytes)`);
      pos += bytesRead;
    }
    return out;
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    if (err.code === 'ENOENT') throw new Error(`file not found: ${file}`);
    throw new Error(fsErrorMessage(e, 'read', file));
  } finally {
    await fh?.close().catch(() => {});
  }
}
export async function readText(file: string): Promise<string> {
  return new TextDecoder().decode(await readBytes(file));
}
// Fault injection for the crash tests: IFRLAB_KILL_AT_WRITE=N kills this process (SIGKILL) in the
// middle of its Nth file mutation (a write stops after half the temporary file; a removal before it
// happens). IFRLAB_ENOSPC_AT_WRITE=N makes the Nth write fail as a full disk would.
// IFRLAB_TRACE_WRITES=1 prints 'ifrlab-write N write|remove PATH' to stderr for each, to pick N.
let mutations = 0;
const faultAt = (name: string): number => Number(process.env[name] ?? 0);
function nextMutation(op: string, file: string): number {
  mutations++;
  if (process.env.IFRLAB_TRACE_WRITES) process.stderr.write(`ifrlab-write ${mutations} ${op} ${file}\n`);
  return mutations;
}
function killIfDue(n: number): void {
  if (n === faultAt('IFRLAB_KILL_AT_WRITE')) process.kill(process.pid, 'SIGKILL');
}

/** One sentence for the file-system errors a user can fix (full disk, no permission, a file where a folder should be). */
export function fsErrorMessage(e: unknown, what: string, file: string): string {
  const code = (e as NodeJS.ErrnoException).code;
  const why: Record<string, string> = {
    ENOSPC: 'the disk is full',
    EDQUOT: 'the disk quota is exhausted',
    EACCES: 'permission denied',
    EPERM: 'the operation is not permitted there',
    EROFS: 'the file system is read-only',
    ENOTDIR: 'a part of the path is a file, not a directory',
    EISDIR: 'it is a directory',
    EEXIST: 'a file of that name is in the way',
    ENAMETOOLONG: 'the name is too long',
    ENOENT: 'a part of the path does not exist',
  };
  return `cannot ${what} ${file}: ${code && why[code] ? why[code] : (e as Error).message}${code ? ` (${code})` : ''}`;
}

/** An Error whose message is fsErrorMessage, keeping the code. */
function fsError(e: unknown, what: string, file: string): Error {
  const err = new Error(fsErrorMessage(e, what, file)) as NodeJS.ErrnoException;
  err.code = (e as NodeJS.ErrnoException).code;
  return err;
}

/**
 * Write atomically and durably: a temporary file in the same folder, flushed to disk (fsync), renamed
 * over the target, then the folder flushed. A crash leaves either the old or the new file, never a
 * mix; a failed write (full disk) removes its temporary file.
 */
export async function writeBytes(file: string, data: Uint8Array | string): Promise<void> {
  const n = nextMutation('write', file);
  const dir = path.dirname(file);
  await makeDir(dir);
  const tmp = `${file}.tmp-${process.pid}`;
  const bytes = typeof data === 'string' ? new TextEncoder().encode(data) : data;
  let fh: fsp.FileHandle | undefined;
  try {
    fh = await fsp.open(tmp, 'w');
    if (n === faultAt('IFRLAB_KILL_AT_WRITE')) {
      await fh.write(bytes.subarray(0, bytes.length >> 1));
      await fh.sync();
      killIfDue(n);
    }
    if (n === faultAt('IFRLAB_ENOSPC_AT_WRITE'))
      throw Object.assign(new Error('ENOSPC: no space left on device (simulated)'), { code: 'ENOSPC' });
    await fh.writeFile(bytes);
    await fh.sync();
    await fh.close();
    fh = undefined;
    await fsp.rename(tmp, file);
  } catch (e) {
    await fh?.close().catch(() => {});
    await fsp.rm(tmp, { force: true }).catch(() => {});
    throw fsError(e, 'write', file);
  }
  await syncDir(dir);
}

/** Flush a folder's entries (the rename) to disk; not every platform can open a folder, so best effort. */
async function syncDir(dir: string): Promise<void> {
  let fh: fsp.FileHandle | undefined;
  try {
    fh = await fsp.open(dir, 'r');
    await fh.sync();
  } catch {
    /* Windows, some file systems */
  } finally {
    await fh?.close().catch(() => {});
  }
}

export const fileExists = (p: string): boolean => existsSync(p);
export async function fileSize(p: string): Promise<number | null> {
  try {
    return (await fsp.stat(p)).size;
  } catch {
    return null;
  }
}

/**
 * Create a folder and its parents, one level at a time (a recursive mkdir under /proc spins forever
 * on some Node versions), with one sentence naming the path when it cannot be done.
 */
export async function makeDir(p: string): Promise<void> {
  const abs = path.resolve(p);
  const missing: string[] = [];
  let cur = abs;
  for (;;) {
    let st;
    try {
      st = await fsp.stat(cur);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ENOTDIR') {
        missing.push(cur);
        const up = path.dirname(cur);
        if (up === cur) break;
        cur = up;
        continue;
      }
      throw fsError(e, 'create the directory', abs);
    }
    if (!st.isDirectory())
      throw new Error(`cannot create the directory ${abs}: ${cur} is a file, not a directory (ENOTDIR)`);
    break;
  }
  for (const d of missing.reverse()) {
    try {
      await fsp.mkdir(d);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw fsError(e, 'create the directory', abs);
    }
  }
}

/** Create DIR (if needed) and check that a file can be written there, before any long work. */
export async function prepareOutputDir(dir: string): Promise<void> {
  await makeDir(dir);
  const probe = path.join(dir, `.write-test-${process.pid}`);
  try {
    await fsp.writeFile(probe, 'x');
  } catch (e) {
    throw fsError(e, 'write in the output directory', path.resolve(dir));
  } finally {
    await fsp.rm(probe, { force: true }).catch(() => {});
  }
}

export async function listDir(p: string): Promise<string[]> {
  try {
    return await fsp.readdir(p);
  } catch {
    return [];
  }
}
export async function removeFile(p: string): Promise<void> {
  killIfDue(nextMutation('remove', p));
  await fsp.rm(p, { force: true });
}
/** Copy atomically (through writeBytes). */
export async function copyFile(a: string, b: string): Promise<void> {
  await writeBytes(b, await readBytes(a));
}
/** Remove the temporary files (NAME.tmp-PID) that a killed writer left in a folder. */
export async function removeStaleTemps(dir: string): Promise<number> {
  let n = 0;
  for (const f of await listDir(dir))
    if (/\.tmp-\d+$/.test(f) || /^\.write-test-\d+$/.test(f)) {
      await fsp.rm(path.join(dir, f), { force: true });
      n++;
    }
  return n;
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
