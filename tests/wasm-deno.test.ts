// The WASM backend under Deno (the devDependency `deno`): two threads through
// module Web Workers over a shared memory, checked against the reference backend.
import { expect, test } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { tmpdir } from 'node:os';

const ROOT = resolve(import.meta.dirname, '..');
const DENO = join(ROOT, 'node_modules', '.bin', 'deno');
const built = existsSync(join(ROOT, 'src/engine/backends/wasm/engine-bytes.generated.ts'));

test.skipIf(!existsSync(DENO) || !built)(
  'deno: 2-thread wasm backend matches the reference (matmul, conv2d, fft2)',
  () => {
    const dir = mkdtempSync(join(tmpdir(), 'ifr-deno-'));
    const script = join(dir, 'check.ts');
    const src = (p: string) => JSON.stringify(join(ROOT, p));
    writeFileSync(
      script,
      `
import { createWasmBackend } from ${src('src/engine/backends/wasm/index.ts')};
import { ReferenceBackend } from ${src('src/engine/backends/reference/index.ts')};
const w = await createWasmBackend({ threads: 2 });
const r = new ReferenceBackend();
let seed = 1;
const rnd = (n: number) => Float32Array.from({ length: n }, () => { seed = (seed * 16807) % 2147483647; return seed / 2147483647 * 2 - 1; });
const err = (f: (be: any, bufs: any[]) => any, ins: Float32Array[]) => {
  const a = w.readSync(f(w, ins.map((x) => w.fromArray(x)))), b = r.readSync(f(r, ins.map((x) => r.fromArray(x))));
  let e = 0, m = 0; for (let i = 0; i < a.length; i++) { e = Math.max(e, Math.abs(a[i] - b[i])); m = Math.max(m, Math.abs(b[i])); }
  return e / m;
};
const mm = { batch: 1, m: 130, k: 70, n: 150, transA: false, transB: true, batchA: 1, batchB: 1 };
const cp = { N: 8, C: 3, H: 16, W: 16, O: 8, kh: 3, kw: 3, stride: 1, padTop: 1, padBottom: 1, padLeft: 1, padRight: 1, mode: 'circular', Ho: 16, Wo: 16 };
const out = {
  threads: w.threads,
  matmul: err((be, [a, b]) => be.matmul(a, b, mm), [rnd(130 * 70), rnd(150 * 70)]),
  conv2d: err((be, [a, b]) => be.conv2d(a, b, cp), [rnd(8 * 3 * 256), rnd(8 * 27)]),
  convGradFilter: err((be, [a, b]) => be.conv2dGradFilter(a, b, cp), [rnd(8 * 3 * 256), rnd(8 * 8 * 256)]),
  fft2: err((be, [a]) => be.fft2(a, 64, 32, 32, false), [rnd(64 * 32 * 32 * 2)]),
};
w.terminate();
console.log(JSON.stringify(out));
`,
    );
    const res = spawnSync(DENO, ['run', '--allow-read', '--allow-env', script], { encoding: 'utf8', timeout: 110_000 });
    expect(res.status, res.stderr).toBe(0);
    const out = JSON.parse(res.stdout.trim().split('\n').pop()!);
    expect(out.threads).toBe(2);
    expect(out.matmul).toBeLessThan(1e-5);
    expect(out.conv2d).toBeLessThan(1e-5);
    expect(out.convGradFilter).toBeLessThan(1e-5);
    expect(out.fft2).toBeLessThan(1e-6);
  },
  120_000,
);
