// The shared progress reporter: the line's numbers, redraw throttling, CI-log mode.
import { describe, expect, test, vi } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { formatDuration, formatProgress, progressReporter } from '../src/lab/platform/progress.ts';

describe('progress reporter', () => {
  test('formats count, percentage, elapsed, ETA = elapsed (total - done) / done, and rate', () => {
    const s = formatProgress({ label: 'pgd', done: 25, total: 100, elapsedSeconds: 10, unit: 'steps', width: 8 });
    expect(s).toBe('pgd [##......] 25/100 25% 0:10 elapsed, ETA 0:30, 2.50 steps/s');
    expect(formatProgress({ label: 'x', done: 0, total: 5, elapsedSeconds: 0 })).toContain('ETA ?');
    expect(formatDuration(3725)).toBe('1:02:05');
    expect(formatDuration(59.6)).toBe('1:00');
  });

  test('on a terminal: redrawn in place, at most once per interval, always at the end', () => {
    let t = 0;
    const out: string[] = [];
    const r = progressReporter('job', { tty: true, intervalMs: 100, now: () => t, write: (s) => out.push(s) });
    for (let i = 1; i <= 10; i++) {
      t += 30;
      r.update(i, 10);
    }
    r.finish('done');
    // draws at t = 30, 150, 270 (>= 100 ms apart), the final update, and the finish line
    expect(out.length).toBe(5);
    expect(out.every((s) => s.startsWith('\r'))).toBe(true);
    expect(out.at(-1)).toMatch(/10\/10 100% 0:00 elapsed, ETA 0:00, 33\.33 it\/s done\x1b\[K\n$/);
  });

  test('in a log: a first line, then one per tenth of the job', () => {
    let t = 0;
    const out: string[] = [];
    const r = progressReporter('job', { tty: false, now: () => t, write: (s) => out.push(s) });
    for (let i = 1; i <= 100; i++) {
      t += 1000;
      r.update(i, 100);
    }
    r.finish();
    // the first update (the job has started), then 10%, 20%, ... 100%
    expect(out.length).toBe(11);
    expect(out[1]).toContain('10/100 10% 0:10 elapsed, ETA 1:30, 1.00 it/s');
  });

  test('ifrlab train shows progress with an ETA for the test evaluation before the first epoch', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ifr-progress-'));
    const { run } = await import('../src/cli/train.ts');
    const err: string[] = [];
    const spy = vi.spyOn(process.stderr, 'write').mockImplementation((c: string | Uint8Array) => {
      err.push(String(c));
      return true;
    });
    try {
      await run([
        '--model',
        'fc-w8-d1-linear',
        '--data',
        'synthetic:train=64,test=64',
        '--epochs',
        '1',
        '--batch',
        '32',
        '--eval-batch',
        '16',
        '--backend',
        'reference',
        '--out',
        dir,
      ]);
    } finally {
      spy.mockRestore();
      rmSync(dir, { recursive: true, force: true });
    }
    const text = err.join('');
    const initial = text.indexOf('test evaluation (epoch 0)'),
      firstEpoch = text.indexOf('epoch 1/1');
    expect(initial).toBeGreaterThanOrEqual(0);
    expect(initial).toBeLessThan(firstEpoch);
    expect(text).toMatch(/test evaluation \(epoch 0\) \[[#.]+\] 64\/64 100% \S+ elapsed, ETA 0:00, [\d.]+ examples\/s/);
  }, 30_000);

  test('download() reports bytes received against Content-Length', async () => {
    const { createServer } = await import('node:http');
    const body = Buffer.alloc(300_000, 7);
    const server = createServer((_q, r) => {
      r.writeHead(200, { 'content-length': body.length });
      r.end(body);
    });
    await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
    const { port } = server.address() as { port: number };
    const { download } = await import('../src/lab/platform/download.ts');
    const seen: [number, number][] = [];
    try {
      const got = await download(`http://127.0.0.1:${port}/x`, 10_000, (g, t) => seen.push([g, t]));
      expect(got.length).toBe(body.length);
      expect(got.every((v) => v === 7)).toBe(true);
    } finally {
      server.close();
    }
    expect(seen[0]).toEqual([0, body.length]);
    expect(seen.at(-1)).toEqual([body.length, body.length]);
    expect(seen.every(([g], i) => i === 0 || g >= seen[i - 1][0])).toBe(true);
  });
});
