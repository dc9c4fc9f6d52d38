// Under Deno the WASM backend's worker threads used to keep the process alive after a finished run;
// bin/ifrlab.mjs now stops them, so `deno run bin/ifrlab.mjs train --backend wasm` exits like Node.
import { describe, it, expect } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const denoBin = resolve('node_modules', '.bin', 'deno');

describe.skipIf(!existsSync(denoBin))('Deno exits after a WASM run', () => {
  it('train --backend wasm under Deno exits 0 by itself', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ifr-deno-exit-'));
    try {
      const t0 = Date.now();
      const r = spawnSync(
        denoBin,
        [
          'run',
          '-A',
          resolve('bin', 'ifrlab.mjs'),
          'train',
          '--model',
          'fc-w8-d1-linear',
          '--data',
          'synthetic:train=64,test=32',
          '--epochs',
          '1',
          '--batch',
          '16',
          '--backend',
          'wasm',
          '--quiet',
          '--out',
          join(dir, 'r'),
        ],
        { encoding: 'utf8', timeout: 60_000, env: { ...process.env, NO_COLOR: '1' } },
      );
      expect(r.signal, `killed after ${Date.now() - t0} ms: the process did not exit`).toBeNull();
      expect(r.status, r.stderr).toBe(0);
      expect(r.stderr).toContain('backend wasm');
      expect(JSON.parse(readFileSync(join(dir, 'r', 'log.json'), 'utf8')).status).toBe('done');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 70_000);
});
