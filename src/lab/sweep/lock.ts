// A per-cell lock in the shared store, so that two workers never run (and write)
// the same cell at once. The lock file is created exclusively (O_EXCL) and holds
// its owner (host, pid) and a heartbeat the owner refreshes. A lock is stale when
// its owner is a dead process on this host, or its heartbeat is older than
// staleMs (an owner on a lost machine). Breaking a stale lock is a rename, so two
// workers that see the same stale lock cannot both take it over. Even if that
// ever failed, a second run of a cell is harmless: it is deterministic and its
// result is published by an atomic rename.
import { readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { writeAtomic } from './store.ts';

export interface LockHolder {
  host: string;
  pid: number;
  ppid: number;
  token: string;
  heartbeat: number;
}

export class CellLock {
  private constructor(
    readonly file: string,
    readonly holder: LockHolder,
  ) {}

  /** Take the lock of the cell directory `dir`, or return the live holder. */
  static acquire(dir: string, staleMs = 10 * 60_000): CellLock | { busy: LockHolder } {
    const file = join(dir, 'lock');
    const me: LockHolder = {
      host: hostname(),
      pid: process.pid,
      ppid: process.ppid,
      token: Math.random().toString(36).slice(2),
      heartbeat: Date.now(),
    };
    for (let attempt = 0; attempt < 3; attempt++) {
      try {
        writeFileSync(file, JSON.stringify(me), { flag: 'wx' });
        return new CellLock(file, me);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      }
      const held = readHolder(file);
      if (held && !isStale(held, staleMs)) return { busy: held };
      // stale (or unreadable: a holder mid-write is given one more look)
      if (!held && attempt === 0) continue;
      const aside = `${file}.stale-${me.token}`;
      try {
        renameSync(file, aside);
        rmSync(aside, { force: true });
      } catch {
        /* someone else broke it first */
      }
    }
    const held = readHolder(file);
    if (held) return { busy: held };
    throw new Error(`cannot take the lock ${file}`);
  }

  /** Refresh the heartbeat (call at least every few minutes while the cell runs). */
  beat(): void {
    const held = readHolder(this.file);
    if (!held || held.token !== this.holder.token) return; // taken over: leave it to the new owner
    this.holder.heartbeat = Date.now();
    writeAtomic(this.file, JSON.stringify(this.holder));
  }

  release(): void {
    const held = readHolder(this.file);
    if (held && held.token === this.holder.token) rmSync(this.file, { force: true });
  }
}

export function readHolder(file: string): LockHolder | null {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as LockHolder;
  } catch {
    return null;
  }
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export function isStale(h: LockHolder, staleMs: number): boolean {
  if (h.host === hostname() && !processAlive(h.pid)) return true;
  return Date.now() - h.heartbeat > staleMs;
}
