// Crash safety: real `ifrlab train` processes are SIGKILLed in the middle of chosen file writes
// (IFRLAB_KILL_AT_WRITE=N: half of the Nth file written, then SIGKILL), at random writes and at a
// random moment; `--resume` must then finish the run with weights byte-identical to an
// uninterrupted run (reference backend, and WASM with 2 threads for a conv model), leaving no temporary file, no lock and a complete log.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const BIN = resolve(__dirname, '..', 'bin', 'ifrlab.mjs');
const BASE = [
  'train',
  '--model',
  'fc-w16-d1-relu',
  '--data',
  'synthetic:train=100,test=20',
  '--epochs',
  '2',
  '--batch',
  '20',
  '--checkpoint-every-batches',
  '2',
  '--quiet',
];
const ARGS = [...BASE, '--backend', 'reference'];

interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
  stderr: string;
}

function ifrlab(args: string[], env: Record<string, string> = {}, killAfterMs?: number): Promise<Exit> {
  return new Promise((done) => {
    const p = spawn(process.execPath, [BIN, ...args], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    p.stderr.on('data', (d) => {
      stderr += d;
    });
    if (killAfterMs !== undefined) setTimeout(() => p.kill('SIGKILL'), killAfterMs);
    p.on('exit', (code, signal) => done({ code, signal, stderr }));
  });
}

let root: string;
let ref: { final: Buffer; best: Buffer; bestEpoch: number; writes: string[] };

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'ifrlab-resume-'));
  const dir = join(root, 'ref');
  const r = await ifrlab([...ARGS, '--out', dir], { IFRLAB_TRACE_WRITES: '1' });
  expect(r.code, r.stderr).toBe(0);
  const writes = r.stderr
    .split('\n')
    .filter((l) => l.startsWith('ifrlab-write '))
    .map((l) => l.split(' ').slice(2).join(' ').replace(dir, 'R'));
  ref = {
    final: readFileSync(join(dir, 'checkpoints', 'epoch-002.safetensors')),
    best: readFileSync(join(dir, 'best.safetensors')),
    bestEpoch: JSON.parse(readFileSync(join(dir, 'best.json'), 'utf8')).epoch,
    writes,
  };
}, 30_000);
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** The 1-based index of the k-th (0-based) mutation matching `re` in the uninterrupted run. */
const nth = (re: RegExp, k = 0): number => {
  const hits = ref.writes.map((w, i) => [w, i + 1] as const).filter(([w]) => re.test(w));
  if (!hits[k]) throw new Error(`no write ${re} #${k} in ${ref.writes.join('; ')}`);
  return hits[k][1];
};

function allFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? allFiles(join(dir, e.name)) : [join(dir, e.name)],
  );
}

/** Run, SIGKILLed at each of `kills` in turn (each a fresh process resuming the last), then a final --resume. */
async function killThenResume(
  name: string,
  kills: { atWrite?: number; afterMs?: number }[],
  args = ARGS,
  want = ref,
  env: Record<string, string> = {},
): Promise<void> {
  const ARGS = args,
    ref = want;
  const dir = join(root, name);
  for (const [i, kill] of kills.entries()) {
    const k = await ifrlab(
      [...ARGS, '--out', dir, ...(i ? ['--resume'] : [])],
      { ...env, ...(kill.atWrite ? { IFRLAB_KILL_AT_WRITE: String(kill.atWrite) } : {}) },
      kill.afterMs,
    );
    // the first run always reaches its write; a resumed run has fewer writes and may finish first
    if (kill.atWrite && i === 0) expect(k.signal, `${name}: ${k.stderr}`).toBe('SIGKILL');
    else if (k.signal !== 'SIGKILL') expect(k.code, `${name}: ${k.stderr}`).toBe(0);
    // whatever survived the kill is whole: every JSON file that exists parses
    if (existsSync(dir))
      for (const f of allFiles(dir))
        if (f.endsWith('.json')) expect(() => JSON.parse(readFileSync(f, 'utf8')), f).not.toThrow();
  }
  const r = await ifrlab([...ARGS, '--out', dir, '--resume'], env);
  expect(r.code, `${name} resume: ${r.stderr}`).toBe(0);
  expect(
    readFileSync(join(dir, 'checkpoints', 'epoch-002.safetensors')).equals(ref.final),
    `${name}: final weights differ`,
  ).toBe(true);
  expect(readFileSync(join(dir, 'best.safetensors')).equals(ref.best), `${name}: best weights differ`).toBe(true);
  expect(JSON.parse(readFileSync(join(dir, 'best.json'), 'utf8')).epoch).toBe(ref.bestEpoch);
  expect(JSON.parse(readFileSync(join(dir, 'log.json'), 'utf8')).status).toBe('done');
  const left = allFiles(dir).filter((f) => /\.tmp-\d+$|\.ifrlab\.lock$/.test(f));
  expect(left, name).toEqual([]);
}

describe('SIGKILL at any moment leaves a resumable run (reference backend, bit for bit)', () => {
  it('kills in chosen writes: first sidecar, log.json after a new checkpoint, before dropping old optimiser state, best.json, final optimiser state', async () => {
    const points = {
      'first-sidecar': nth(/write R\/checkpoints\/epoch-000\.json/),
      'log-lags': nth(/write R\/log\.json/, 1),
      'old-optim-drop': nth(/^remove /),
      'best-json': nth(/write R\/best\.json/),
      'final-optim': nth(/write R\/checkpoints\/epoch-002\.optim/),
    };
    const names = Object.entries(points);
    for (let i = 0; i < names.length; i += 2)
      await Promise.all(names.slice(i, i + 2).map(([n, w]) => killThenResume(n, [{ atWrite: w }])));
  }, 60_000);

  it('kills at two random writes, then at a random moment, each in a resumed process', async () => {
    const w1 = 1 + Math.floor(Math.random() * ref.writes.length),
      w2 = 1 + Math.floor(Math.random() * ref.writes.length);
    const ms = 300 + Math.floor(Math.random() * 900);
    console.log(
      `random kill points: write ${w1}, then write ${w2} (of ${ref.writes.length}) of the resumed run, then SIGKILL after ${ms} ms`,
    );
    await killThenResume(`random-${w1}-${w2}-${ms}`, [{ atWrite: w1 }, { atWrite: w2 }, { afterMs: ms }]);
  }, 60_000);

  // bit for bit on WASM too, with a conv model whose filter gradient is summed over the batch by
  // both threads (fixed chunks in a fixed order: docs/determinism.md)
  it('kills at a chosen and a random write on the WASM backend (2 threads, conv)', async () => {
    const args = [...BASE.map((a) => (a === 'fc-w16-d1-relu' ? 'bwc-k3-c8-d1-relu' : a)), '--backend', 'wasm'];
    const env = { IFRLAB_WASM_THREADS: '2' };
    const dir = join(root, 'wasm-ref');
    expect((await ifrlab([...args, '--out', dir], env)).code).toBe(0);
    const want = {
      ...ref,
      final: readFileSync(join(dir, 'checkpoints', 'epoch-002.safetensors')),
      best: readFileSync(join(dir, 'best.safetensors')),
    };
    const w = 1 + Math.floor(Math.random() * ref.writes.length);
    console.log(`wasm random kill point: write ${w}`);
    await killThenResume(`wasm-${w}`, [{ atWrite: nth(/write R\/log\.json/, 2) }, { atWrite: w }], args, want, env);
  }, 60_000);

  it("a fresh run over an older, longer run's folder: --resume continues the new run, not the old one", async () => {
    const dir = join(root, 'over');
    expect((await ifrlab([...ARGS, '--out', dir, '--epochs', '3'])).code).toBe(0); // leaves epoch-003
    // a new run (seed 1) killed half-way through its second log.json write
    const k = await ifrlab([...ARGS, '--out', dir, '--seed', '1'], {
      IFRLAB_KILL_AT_WRITE: String(nth(/write R\/log\.json/, 1)),
    });
    expect(k.signal).toBe('SIGKILL');
    const r = await ifrlab([...ARGS, '--out', dir, '--seed', '1', '--resume', '--quiet']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).not.toContain('epoch-003');
    const log = JSON.parse(readFileSync(join(dir, 'log.json'), 'utf8'));
    expect([log.status, log.config.seed, log.history.length]).toEqual(['done', 1, 3]); // epochs 0, 1, 2 of the new run
  }, 60_000);
});
