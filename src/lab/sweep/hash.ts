// A cell's identity: SHA-256 of its canonical configuration (object keys sorted,
// so key order never matters) plus the project version (a new release makes new
// cells: code changes may change results).
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** JSON with object keys sorted at every level; undefined members dropped; non-finite numbers rejected. */
export function canonicalJSON(v: unknown): string {
  if (v === null || typeof v === 'boolean' || typeof v === 'string') return JSON.stringify(v);
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) throw new Error(`canonicalJSON: ${v} has no JSON form`);
    return JSON.stringify(v);
  }
  if (Array.isArray(v)) return `[${v.map((x) => (x === undefined ? 'null' : canonicalJSON(x))).join(',')}]`;
  if (typeof v === 'object') {
    const o = v as Record<string, unknown>;
    return `{${Object.keys(o)
      .filter((k) => o[k] !== undefined)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonicalJSON(o[k])}`)
      .join(',')}}`;
  }
  throw new Error(`canonicalJSON: cannot encode a ${typeof v}`);
}

let version: string | undefined;
/** The version in the project's package.json (found by walking up from this module). */
export function projectVersion(): string {
  if (version) return version;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const p = join(dir, 'package.json');
    if (existsSync(p)) {
      const pkg = JSON.parse(readFileSync(p, 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'ifrlab') return (version = pkg.version ?? '0.0.0');
    }
    const up = dirname(dir);
    if (up === dir) throw new Error('projectVersion: no ifrlab package.json above this module');
    dir = up;
  }
}

/** Hex SHA-256 of the canonical form of `v` with the project version (first 32 hex digits: 128 bits). */
export function contentHash(v: unknown, ver = projectVersion()): string {
  return createHash('sha256')
    .update(canonicalJSON({ v, version: ver }))
    .digest('hex')
    .slice(0, 32);
}
