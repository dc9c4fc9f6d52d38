// One writer per run directory (Node and Deno): DIR/.ifrlab.lock holds the writer's pid, host,
// command and start time. It is created with O_EXCL, so two processes cannot both take it; a lock
// whose process is gone (killed, crashed) on this host is taken over. Train, experiment and the
// sweep workers take it before writing anything into DIR.
import { promises as fsp, readFileSync, rmSync } from 'node:fs';
import { hostname } from 'node:os';
import { join, resolve } from 'node:path';
import { makeDir } from './fs.ts';

export const LOCK_FILE = '.ifrlab.lock';

export interface LockInfo {
  pid: number;
  host: string;
  command: string;
  started: string;
}

export interface RunLock {
  readonly dir: string;
  readonly file: string;
  /** The dead writer whose stale lock was taken over, if any (it was working in DIR when it died). */
  readonly staleFrom: LockInfo | null;
  /** Remove the lock (only while it is still ours); idempotent. */
  release(): void;
}

/** The run directory is held by another live process. */
export class RunLockedError extends Error {
  constructor(
    readonly dir: string,
    readonly holder: LockInfo,
  ) {
    super(
      `${dir} is in use by another ifrlab process (pid ${holder.pid} on ${holder.host}, '${holder.command}', since ${holder.started}); wait for it to finish or stop it, or choose another --out`,
    );
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function readLock(file: string): LockInfo | null {
  try {
    const v = JSON.parse(readFileSync(file, 'utf8'));
    return v && Number.isInteger(v.pid) ? (v as LockInfo) : null;
  } catch {
    return null;
  }
}

/**
 * Take DIR's lock (creating DIR) or throw RunLockedError naming the holder. A lock left by a dead
 * process on this host, or one that cannot be read (a writer killed while creating it), is replaced.
 * The lock is also removed when this process exits normally.
 */
export async function acquireRunLock(dir: string, command: string): Promise<RunLock> {
  await makeDir(dir);
  const file = join(dir, LOCK_FILE);
  const me: LockInfo = { pid: process.pid, host: hostname(), command, started: new Date().toISOString() };
  let staleFrom: LockInfo | null = null;
  for (let attempt = 0; attempt < 5; attempt++) {
    try {
      await fsp.writeFile(file, JSON.stringify(me), { flag: 'wx' });
      let held = true;
      const release = (): void => {
        if (!held) return;
        held = false;
        process.off('exit', release);
        if (readLock(file)?.pid === process.pid) rmSync(file, { force: true });
      };
      process.on('exit', release);
      return { dir: resolve(dir), file, staleFrom, release };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
    const holder = readLock(file);
    if (holder && holder.pid !== process.pid && (holder.host !== me.host || alive(holder.pid)))
      throw new RunLockedError(resolve(dir), holder);
    if (holder && holder.pid === process.pid) throw new RunLockedError(resolve(dir), holder);
    // stale (dead pid) or unreadable: remove and try again; O_EXCL decides between racing takers
    if (!holder) await new Promise((r) => setTimeout(r, 50)); // a holder may be between create and write
    const again = readLock(file);
    if (again && again.host === me.host && again.pid !== process.pid && alive(again.pid))
      throw new RunLockedError(resolve(dir), again);
    staleFrom = again ?? holder ?? { pid: 0, host: me.host, command: '(unreadable lock)', started: '' };
    await fsp.rm(file, { force: true });
  }
  throw new Error(`cannot take the lock ${file}: it keeps changing (another process is starting in ${dir}?)`);
}

/** Run `fn` holding DIR's lock; the lock is released when fn settles. */
export async function withRunLock<T>(dir: string, command: string, fn: (lock: RunLock) => Promise<T>): Promise<T> {
  const lock = await acquireRunLock(dir, command);
  try {
    return await fn(lock);
  } finally {
    lock.release();
  }
}
