// `ifrlab train` (with --resume) and the data readers under Deno give the same numbers as under Node.
import { describe, it, expect } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { TrainLog } from '../src/lab/train/trainer.ts';

const denoBin = resolve('node_modules', '.bin', 'deno');

describe.skipIf(!existsSync(denoBin))('Deno', () => {
  it('train + resume under Deno equals the same run under Node', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ifr-deno-'));
    try {
      const entry = join(dir, 'entry.ts');
      writeFileSync(
        entry,
        `import { main } from ${JSON.stringify(resolve('src/cli/main.ts'))};\nawait main(Deno.args);\n`,
      );
      const args = (out: string) => [
        'train',
        '--model',
        'bwc-k3-c2-d1-relu',
        '--data',
        'synthetic:train=64,test=32',
        '--epochs',
        '2',
        '--batch',
        '16',
        '--backend',
        'reference',
        '--out',
        out,
        '--quiet',
      ];
      const deno = (a: string[]) =>
        spawnSync(denoBin, ['run', '-A', '--no-check', entry, ...a], {
          encoding: 'utf8',
          env: { ...process.env, NO_COLOR: '1' },
        });
      let r = deno([...args(join(dir, 'd')), '--stop-after-batches', '5']);
      expect(r.status, r.stderr).toBe(0);
      r = deno([...args(join(dir, 'd')), '--resume']);
      expect(r.status, r.stderr).toBe(0);
      const { run } = await import('../src/cli/train.ts');
      await run(args(join(dir, 'n')).slice(1)); // run() takes the arguments after 'train'
      const pick = (l: TrainLog) =>
        l.history.map((h) => [h.epoch, h.trainLoss, h.trainAccuracy, h.testLoss, h.testAccuracy]);
      const ld = JSON.parse(readFileSync(join(dir, 'd', 'log.json'), 'utf8')) as TrainLog,
        ln = JSON.parse(readFileSync(join(dir, 'n', 'log.json'), 'utf8')) as TrainLog;
      expect(ld.status).toBe('done');
      expect(pick(ld)).toEqual(pick(ln));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);
});
