// Bad command-line values are refused before any work (no output folder is created) with a message
// naming the flag; output-path problems are one sentence naming the path; a full disk during a
// checkpoint marks the run failed, leaves no temporary file, and --resume finishes it after space is freed.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { main } from '../dist/src/cli/main.js';

const BIN = resolve(__dirname, '..', 'bin', 'ifrlab.mjs');
const root = mkdtempSync(join(tmpdir(), 'ifrlab-cli-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const TINY = [
  '--model',
  'fc-w8-d1-linear',
  '--data',
  'synthetic:train=40,test=20',
  '--epochs',
  '1',
  '--batch',
  '20',
  '--quiet',
  '--backend',
  'reference',
];
const afile = join(root, 'afile');
beforeAll(() => writeFileSync(afile, 'not a folder'));

const cases: [string, string[], RegExp][] = [
  [
    'flag given as a value',
    ['--out', '--epochs', '1'],
    /train: option --out needs a value, but the next argument is the option --epochs/,
  ],
  ['stray positional', ['stray'], /train: unexpected argument 'stray'/],
  ['--lr 0', ['--lr', '0'], /train: --lr must be > 0, got 0/],
  ['--lr negative', ['--lr', '-0.1'], /train: --lr must be > 0, got -0.1/],
  ['--momentum 1', ['--momentum', '1'], /train: --momentum must be < 1 \(in \[0, 1\)\), got 1/],
  ['--momentum negative', ['--momentum', '-0.5'], /train: --momentum must be >= 0, got -0.5/],
  ['--limit-train negative', ['--limit-train', '-5'], /train: --limit-train must be >= 1, got -5/],
  [
    '--checkpoint-every-batches negative',
    ['--checkpoint-every-batches', '-1'],
    /train: --checkpoint-every-batches must be >= 0, got -1/,
  ],
  ['--eval-batch 0', ['--eval-batch', '0'], /train: --eval-batch must be >= 1, got 0/],
  ['--epochs fractional', ['--epochs', '1.5'], /train: --epochs must be an integer >= 1, got 1.5/],
  ['--batch not a number', ['--batch', 'ten'], /train: option --batch expects a number, got 'ten'/],
  ['switch with a value', ['--quiet=yes'], /train: --quiet is a switch/],
  ['unknown option, nearest named', ['--epoch', '2'], /train: unknown option --epoch \(did you mean --epochs\?\)/],
  [
    'single-dash option',
    ['-epochs', '2'],
    /train: unknown option -epochs \(options start with --\) \(did you mean --epochs\?\)/,
  ],
  [
    'unknown backend',
    ['--backend', 'wsm'],
    /train: unknown backend 'wsm' \(reference, wasm, webgpu\) \(did you mean wasm\?\)/,
  ],
  [
    'synthetic:train=0',
    ['--data', 'synthetic:train=0'],
    /data set 'synthetic:train=0': train=0 gives an empty train split/,
  ],
  ['synthetic:test=0', ['--data', 'synthetic:test=0'], /data set 'synthetic:test=0': test=0 gives an empty test split/],
  ['unknown data set', ['--data', 'cifar1'], /unknown data set 'cifar1' \(known: synthetic, synthetic-28, cifar10/],
  ['unknown schedule', ['--schedule', 'stpe'], /unknown schedule 'stpe'/],
  [
    'model too large',
    ['--model', 'fc-w100000000-d1-linear'],
    /fc-w100000000-d1-linear on \[3, 32, 32\] inputs has 308,300,000,010 parameters \(1233\.20 GB as float32, 3699\.60 GB with gradients and momentum\), more than the memory of this machine/,
  ],
  [
    'model too large for wasm',
    ['--model', 'fc-w200000-d1-linear', '--backend', 'wasm'],
    /fc-w200000-d1-linear on \[3, 32, 32\] inputs has 616,600,010 parameters \(2\.47 GB as float32, 7\.40 GB with gradients and momentum\), more than (the wasm backend can address|the memory of this machine)/,
  ],
];

describe('bad train values are refused before any work', () => {
  it.each(cases)('%s', async (_name, extra, msg) => {
    const out = join(root, `out-${_name.replace(/\W+/g, '-')}`);
    // the case's flags come last, so they override TINY's (an oversized model must never start training)
    const args = extra[0] === '--out' ? ['train', ...TINY, ...extra] : ['train', ...TINY, '--out', out, ...extra];
    await expect(main(args)).rejects.toThrow(msg);
    expect(existsSync(out), 'no output folder for a refused run').toBe(false);
    expect(existsSync(join(process.cwd(), '--epochs'))).toBe(false);
  });

  it('unknown commands and experiments name the nearest one', async () => {
    await expect(main(['trian'])).rejects.toThrow(/unknown command 'trian' \(did you mean train\?\)/);
    await expect(main(['experiment', 'quick-stdy', '--out', join(root, 'e')])).rejects.toThrow(
      /unknown experiment 'quick-stdy' \(did you mean quick-study\?\)/,
    );
    await expect(
      main(['attack', '--checkpoint', 'x', '--attack', 'pgd-lnf', '--out', join(root, 'a')]),
    ).rejects.toThrow(/unknown attack 'pgd-lnf' \(did you mean pgd-linf\?\)/);
  });

  it('output paths: a file in the way, a file as a parent, an impossible place: one sentence naming the path', async () => {
    await expect(main(['train', ...TINY, '--out', afile])).rejects.toThrow(
      `cannot create the directory ${afile}: ${afile} is a file, not a directory (ENOTDIR)`,
    );
    await expect(main(['train', ...TINY, '--out', join(afile, 'sub')])).rejects.toThrow(
      `cannot create the directory ${join(afile, 'sub')}: ${afile} is a file, not a directory (ENOTDIR)`,
    );
    // a recursive mkdir under /proc used to spin forever; now it fails at once
    const t0 = performance.now();
    await expect(main(['train', ...TINY, '--out', '/proc/ifrlab-x/y'])).rejects.toThrow(
      /^cannot create the directory \/proc\/ifrlab-x\/y: .*\((ENOENT|EACCES|EPERM|EROFS)\)$/,
    );
    expect(performance.now() - t0).toBeLessThan(2000);
  });

  it('a missing or empty data directory is named with where it came from', async () => {
    const empty = join(root, 'empty-data');
    mkdirSync(empty);
    await expect(
      main(['train', ...TINY, '--data', 'mnist', '--data-dir', empty, '--out', join(root, 'm')]),
    ).rejects.toThrow(`data directory searched: ${empty} (--data-dir), which is empty`);
    await expect(
      main(['train', ...TINY, '--data', 'mnist', '--data-dir', join(root, 'nope'), '--out', join(root, 'm')]),
    ).rejects.toThrow(/ifrlab data fetch mnist[\s\S]*, which does not exist$/);
  });
});

describe('values that are accepted as given, and attack inputs', () => {
  let ckpt: string;
  beforeAll(async () => {
    const out = join(root, 'a=b');
    await main(['train', ...TINY, `--out=${out}`]);
    ckpt = join(out, 'best.safetensors');
  }, 30_000);

  it('--out=a=b keeps the whole value', () => {
    expect(JSON.parse(readFileSync(join(root, 'a=b', 'log.json'), 'utf8')).status).toBe('done');
  });

  it('attack: a file as --out, a shape mismatch: refused before the data; --n over the split is said and cut', async () => {
    await expect(
      main(['attack', '--checkpoint', ckpt, '--attack', 'fgsm', '--backend', 'reference', '--out', afile]),
    ).rejects.toThrow(`${afile} is a file, not a directory (ENOTDIR)`);
    await expect(
      main([
        'attack',
        '--checkpoint',
        ckpt,
        '--attack',
        'fgsm',
        '--backend',
        'reference',
        '--data',
        'synthetic-28',
        '--out',
        join(root, 'att'),
      ]),
    ).rejects.toThrow(`attack: data synthetic-28 has inputs [1, 28, 28] but the model in ${ckpt} expects [3, 32, 32]`);
    const r = spawnSync(
      process.execPath,
      [
        BIN,
        'attack',
        '--checkpoint',
        ckpt,
        '--attack',
        'fgsm',
        '--eps',
        '0.01',
        '--n',
        '5000',
        '--backend',
        'reference',
        '--quiet',
        '--out',
        join(root, 'att'),
      ],
      { encoding: 'utf8' },
    );
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toContain(
      'attack: --n 5000 is more than the 20 test images of synthetic:train=40,test=20; attacking all 20',
    );
    expect(JSON.parse(readFileSync(join(root, 'att', 'summary.json'), 'utf8')).attack).toBe('fgsm');
  }, 30_000);
});

describe('a full disk during a checkpoint write', () => {
  const ARGS = [
    'train',
    '--model',
    'fc-w8-d1-linear',
    '--data',
    'synthetic:train=100,test=20',
    '--epochs',
    '2',
    '--batch',
    '20',
    '--checkpoint-every-batches',
    '2',
    '--quiet',
    '--backend',
    'reference',
  ];
  const cli = (args: string[], env: Record<string, string> = {}) =>
    spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', env: { ...process.env, ...env } });
  const tmpLeft = (dir: string): string[] =>
    readdirSync(dir, { recursive: true })
      .map(String)
      .filter((f) => /\.tmp-\d+$/.test(f));

  it('marks the run failed with the reason, cleans the temporary file, and resumes to the same weights once space is freed', () => {
    const ref = join(root, 'disk-ref');
    expect(cli([...ARGS, '--out', ref]).status).toBe(0);
    // a real small tmpfs where we may mount one (root), else the same failure injected at a write
    const mnt = join(root, 'tmpfs');
    mkdirSync(mnt);
    const mounted = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=600k', 'tmpfs', mnt]).status === 0;
    try {
      const dir = join(mnt, 'run');
      const full = cli([...ARGS, '--out', dir], mounted ? {} : { IFRLAB_ENOSPC_AT_WRITE: '12' });
      expect(full.status).toBe(1);
      expect(full.stderr).toMatch(new RegExp(`cannot write ${dir}/\\S+: the disk is full \\(ENOSPC\\)`));
      const log = JSON.parse(readFileSync(join(dir, 'log.json'), 'utf8'));
      expect(log.status).toBe('failed');
      expect(log.message).toMatch(/the disk is full \(ENOSPC\)/);
      expect(tmpLeft(dir)).toEqual([]);
      if (mounted) expect(spawnSync('mount', ['-o', 'remount,size=8m', mnt]).status).toBe(0);
      const again = cli([...ARGS, '--out', dir, '--resume']);
      expect(again.status, again.stderr).toBe(0);
      expect(
        readFileSync(join(dir, 'checkpoints', 'epoch-002.safetensors')).equals(
          readFileSync(join(ref, 'checkpoints', 'epoch-002.safetensors')),
        ),
      ).toBe(true);
      expect(tmpLeft(dir)).toEqual([]);
    } finally {
      if (mounted) spawnSync('umount', [mnt]);
    }
  }, 30_000);
});
