// One writer per run directory: the lock refuses a second train/experiment writer naming the
// holder, takes over a lock whose process is dead, and is released when the work ends (even on error).
import { describe, it, expect, afterAll } from 'vitest';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync, mkdirSync } from 'node:fs';
import { tmpdir, hostname } from 'node:os';
import { join, resolve } from 'node:path';
import { acquireRunLock, withRunLock, RunLockedError, LOCK_FILE } from '../dist/src/lab/platform/run-lock.js';

const BIN = resolve(__dirname, '..', 'bin', 'ifrlab.mjs');
const root = mkdtempSync(join(tmpdir(), 'ifrlab-lock-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const cli = (args: string[]) => spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8' });
const TRAIN = (out: string, seed: number, epochs = 1) => [
  'train',
  '--model',
  'fc-w8-d1-linear',
  '--data',
  'synthetic:train=100,test=20',
  '--epochs',
  String(epochs),
  '--batch',
  '20',
  '--seed',
  String(seed),
  '--quiet',
  '--backend',
  'reference',
  '--out',
  out,
];

describe('run lock', () => {
  it('refuses a second writer (train and experiment) naming the holder, before any work', async () => {
    const dir = join(root, 'held');
    const lock = await acquireRunLock(dir, 'test holder');
    try {
      const info = JSON.parse(readFileSync(join(dir, LOCK_FILE), 'utf8'));
      expect(info.pid).toBe(process.pid);
      for (const args of [TRAIN(dir, 7), ['experiment', 'quick-study', '--out', dir, '--quiet']]) {
        const r = cli(args);
        expect(r.status).toBe(1);
        expect(r.stderr).toContain(`in use by another ifrlab process (pid ${process.pid}`);
        expect(r.stderr).toContain("'test holder'");
      }
      expect(existsSync(join(dir, 'log.json'))).toBe(false);
      expect(existsSync(join(dir, 'config.json'))).toBe(false);
      await expect(acquireRunLock(dir, 'again')).rejects.toBeInstanceOf(RunLockedError);
    } finally {
      lock.release();
    }
    expect(existsSync(join(dir, LOCK_FILE))).toBe(false);
  });

  it('takes over the lock of a dead process and reports it', async () => {
    const dir = join(root, 'stale');
    mkdirSync(dir, { recursive: true });
    const dead = spawnSync(process.execPath, ['-e', 'console.log(process.pid)'], { encoding: 'utf8' });
    const pid = Number(dead.stdout.trim());
    writeFileSync(
      join(dir, LOCK_FILE),
      JSON.stringify({ pid, host: hostname(), command: 'train (killed)', started: 'earlier' }),
    );
    const lock = await acquireRunLock(dir, 'new writer');
    expect(lock.staleFrom?.pid).toBe(pid);
    expect(JSON.parse(readFileSync(join(dir, LOCK_FILE), 'utf8')).pid).toBe(process.pid);
    lock.release();
    // an unreadable lock (a writer killed while creating it) is stale too
    writeFileSync(join(dir, LOCK_FILE), '{"pi');
    const l2 = await acquireRunLock(dir, 'new writer');
    expect(l2.staleFrom?.command).toBe('(unreadable lock)');
    l2.release();
  });

  it('withRunLock releases the lock when the work throws', async () => {
    const dir = join(root, 'throws');
    await expect(
      withRunLock(dir, 'x', async () => {
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    expect(existsSync(join(dir, LOCK_FILE))).toBe(false);
    expect(await withRunLock(dir, 'y', async () => 42)).toBe(42);
  });

  it('two trainers on one directory: the second is refused, the folder holds one seed', async () => {
    const dir = join(root, 'two');
    const a = spawn(process.execPath, [BIN, ...TRAIN(dir, 0, 3)], { stdio: ['ignore', 'ignore', 'pipe'] });
    let aErr = '';
    a.stderr.on('data', (d) => {
      aErr += d;
    });
    const aDone = new Promise<number | null>((r) => a.on('exit', (c) => r(c)));
    while (!existsSync(join(dir, LOCK_FILE))) await new Promise((r) => setTimeout(r, 10));
    const b = cli(TRAIN(dir, 7, 3));
    expect(b.status).toBe(1);
    expect(b.stderr).toContain(`pid ${a.pid}`);
    expect(await aDone, aErr).toBe(0);
    const log = JSON.parse(readFileSync(join(dir, 'log.json'), 'utf8'));
    expect(log.config.seed).toBe(0);
    expect(JSON.parse(readFileSync(join(dir, 'checkpoints', 'epoch-003.json'), 'utf8')).seed).toBe(0);
    expect(existsSync(join(dir, LOCK_FILE))).toBe(false);
  }, 30_000);
});
