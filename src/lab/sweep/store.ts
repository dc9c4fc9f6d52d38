// The content-addressed cell store, a directory that every worker shares (a
// network file system on a cluster):
//   DIR/cells/<id>/cell.json      the cell (kind, config, deps)
//   DIR/cells/<id>/work/          the cell's own files (checkpoints, reports); kept across attempts
//   DIR/cells/<id>/result.json    its result; written last, by an atomic rename: its presence = done
//   DIR/cells/<id>/meta.json      where and how long it ran (not part of the result)
//   DIR/cells/<id>/failed.json    the error of the last failed attempt
//   DIR/cells/<id>/attempts.jsonl one line per start and finish (host, pid, resume point)
//   DIR/cells/<id>/progress.json  the running attempt's progress
//   DIR/cells/<id>/lock           held while a worker runs the cell (see lock.ts)
//   DIR/sweeps/<name>.json        the cells of a submitted sweep (for `sweep status`)
import {
  appendFileSync,
  existsSync,
  mkdirSync,
  readFileSync,
  readdirSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { hostname } from 'node:os';
import { join, resolve } from 'node:path';
import type { Cell } from './cell.ts';

export interface Attempt {
  event: 'start' | 'finish' | 'fail';
  host: string;
  pid: number;
  time: string;
  /** At a start: the point it resumes from ('epoch 2 batch 4'), or null for a fresh start. */
  resumeFrom?: string | null;
  message?: string;
}

/** Write a file atomically (temporary name in the same directory, then rename). */
export function writeAtomic(file: string, text: string): void {
  const tmp = `${file}.tmp-${hostname()}-${process.pid}-${Math.random().toString(36).slice(2)}`;
  writeFileSync(tmp, text);
  renameSync(tmp, file);
}

export class Store {
  readonly root: string;
  constructor(dir: string) {
    this.root = resolve(dir);
  }

  dir(id: string): string {
    return join(this.root, 'cells', id);
  }
  workDir(id: string): string {
    return join(this.dir(id), 'work');
  }
  isDone(id: string): boolean {
    return existsSync(join(this.dir(id), 'result.json'));
  }
  result<T = unknown>(id: string): T {
    return JSON.parse(readFileSync(join(this.dir(id), 'result.json'), 'utf8')) as T;
  }
  failure(id: string): { message: string } | null {
    const p = join(this.dir(id), 'failed.json');
    return existsSync(p) ? JSON.parse(readFileSync(p, 'utf8')) : null;
  }
  clearFailure(id: string): void {
    rmSync(join(this.dir(id), 'failed.json'), { force: true });
  }

  /** Record the cell (idempotent: the same id always has the same content). */
  put(cell: Cell): void {
    mkdirSync(this.workDir(cell.id), { recursive: true });
    const p = join(this.dir(cell.id), 'cell.json');
    if (!existsSync(p)) writeAtomic(p, JSON.stringify(cell, null, 1));
  }
  cell(id: string): Cell {
    return JSON.parse(readFileSync(join(this.dir(id), 'cell.json'), 'utf8')) as Cell;
  }

  /** Finish a cell: meta first, then result.json by rename, so a reader never sees a half-written result. */
  complete(id: string, result: unknown, meta: Record<string, unknown>): void {
    writeAtomic(join(this.dir(id), 'meta.json'), JSON.stringify(meta, null, 1));
    writeAtomic(join(this.dir(id), 'result.json'), JSON.stringify(result, null, 1));
    this.clearFailure(id);
    rmSync(join(this.dir(id), 'progress.json'), { force: true });
  }
  fail(id: string, message: string): void {
    writeAtomic(
      join(this.dir(id), 'failed.json'),
      JSON.stringify({ message, time: new Date().toISOString(), host: hostname(), pid: process.pid }, null, 1),
    );
  }

  logAttempt(id: string, a: Omit<Attempt, 'host' | 'pid' | 'time'>): void {
    appendFileSync(
      join(this.dir(id), 'attempts.jsonl'),
      `${JSON.stringify({ ...a, host: hostname(), pid: process.pid, time: new Date().toISOString() })}\n`,
    );
  }
  attempts(id: string): Attempt[] {
    const p = join(this.dir(id), 'attempts.jsonl');
    if (!existsSync(p)) return [];
    return readFileSync(p, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as Attempt);
  }

  setProgress(id: string, p: { label: string; done: number; total: number }): void {
    writeAtomic(
      join(this.dir(id), 'progress.json'),
      JSON.stringify({ ...p, host: hostname(), pid: process.pid, time: new Date().toISOString() }),
    );
  }
  progress(id: string): { label: string; done: number; total: number; host: string; pid: number } | null {
    const p = join(this.dir(id), 'progress.json');
    try {
      return existsSync(p) ? JSON.parse(readFileSync(p, 'utf8')) : null;
    } catch {
      return null;
    }
  }

  saveSweep(name: string, cells: Cell[]): void {
    mkdirSync(join(this.root, 'sweeps'), { recursive: true });
    for (const c of cells) this.put(c);
    writeAtomic(
      join(this.root, 'sweeps', `${name.replace(/[^A-Za-z0-9_.-]+/g, '_')}.json`),
      JSON.stringify({ name, cells: cells.map((c) => c.id), time: new Date().toISOString() }, null, 1),
    );
  }
  sweeps(): { name: string; cells: string[]; time: string }[] {
    const d = join(this.root, 'sweeps');
    if (!existsSync(d)) return [];
    return readdirSync(d)
      .filter((f) => f.endsWith('.json'))
      .map((f) => JSON.parse(readFileSync(join(d, f), 'utf8')));
  }
}
