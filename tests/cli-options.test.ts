// The options several commands share (--data-dir, --backend, --seed, --out) are
// declared once (src/cli/args.ts): same spelling, same help, same default in every
// command. The data directory comes from --data-dir or $IFRLAB_DATA only.
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { selectBackend } from '../src/cli/args.ts';
import { resolveDataDir } from '../src/lab/platform/fs.ts';
import { loadDatasetFromDisk } from '../src/lab/files.ts';

const ROOT = resolve(import.meta.dirname, '..');
const help = (cmd: string): string[] => {
  const r = spawnSync(process.execPath, ['bin/ifrlab.mjs', cmd, '--help'], { cwd: ROOT, encoding: 'utf8' });
  expect(r.status).toBe(0);
  return r.stdout.split('\n');
};

describe('shared CLI options', () => {
  const texts = Object.fromEntries(
    ['train', 'attack', 'experiment', 'data', 'demo', 'analyse', 'sweep', 'worker'].map((c) => [c, help(c)]),
  );
  const line = (cmd: string, opt: string): string | undefined =>
    texts[cmd].find((l) => l.trimStart().startsWith(`--${opt} `) || l.trim() === `--${opt}`);

  it.each([
    ['data-dir', ['train', 'attack', 'experiment', 'data', 'analyse', 'sweep', 'worker']],
    ['backend', ['train', 'attack', 'experiment', 'demo', 'analyse', 'sweep', 'worker']],
    ['seed', ['train', 'attack', 'experiment', 'demo', 'analyse', 'sweep']],
  ])('--%s reads the same in %j', (opt, cmds) => {
    const lines = cmds.map((c) => line(c, opt));
    expect(lines.every(Boolean)).toBe(true);
    expect(new Set(lines).size).toBe(1);
  });

  it('--backend defaults to auto everywhere; unknown names are refused', async () => {
    expect(line('train', 'backend')).toMatch(/\(default auto\)/);
    await expect(selectBackend('cuda')).rejects.toThrow(/reference, wasm, webgpu or auto, got 'cuda'/);
    expect((await selectBackend('reference')).name).toBe('reference');
  });

  it('--out says what each command writes', () => {
    expect(line('train', 'out')).toMatch(/log\.json.*\(required\)/);
    expect(line('experiment', 'out')).toMatch(/result\.json/);
    expect(line('experiment', 'out')).not.toMatch(/required/);
  });
});

describe('data directory', () => {
  it('is --data-dir, else $IFRLAB_DATA, else ./data; nothing else is searched', () => {
    const saved = process.env.IFRLAB_DATA;
    try {
      process.env.IFRLAB_DATA = '/some/where';
      expect(resolveDataDir('rel/dir')).toBe(resolve('rel/dir'));
      expect(resolveDataDir()).toBe('/some/where');
      delete process.env.IFRLAB_DATA;
      expect(resolveDataDir()).toBe(resolve('data'));
    } finally {
      if (saved === undefined) delete process.env.IFRLAB_DATA;
      else process.env.IFRLAB_DATA = saved;
    }
  });

  it('a missing data set says how to fetch it', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'ifrlab-nodata-'));
    try {
      await expect(loadDatasetFromDisk('mnist', empty)).rejects.toThrow(
        /ifrlab data fetch mnist.*--data-dir \/ IFRLAB_DATA/,
      );
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });
});
