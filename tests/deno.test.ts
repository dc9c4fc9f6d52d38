// Runs the Deno test files with the `deno` npm package, so that `npm test`
// proves the engine runs unchanged under Deno.
import { expect, test } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

const denoBin = join('node_modules', '.bin', 'deno');
const files = ['tests/deno-core'].flatMap((d) =>
  existsSync(d)
    ? readdirSync(d)
        .filter((f) => f.endsWith('_deno.ts'))
        .map((f) => join(d, f))
    : [],
);

test.skipIf(!existsSync(denoBin) && !process.env.CI)(
  'engine tests pass under Deno',
  () => {
    expect(files.length).toBeGreaterThan(0);
    const r = spawnSync(denoBin, ['test', '--no-check', '-A', '--quiet', ...files], {
      encoding: 'utf8',
      env: { ...process.env, NO_COLOR: '1' },
    });
    if (r.status !== 0) console.error(r.stdout, r.stderr);
    expect(r.status).toBe(0);
    expect(r.stdout + r.stderr).toMatch(/ok \| \d+ passed \| 0 failed/);
  },
  120_000,
);
