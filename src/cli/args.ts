// A small, strict flag parser shared by every command: --name value, --flag, --name=value.
import type { Backend } from '../engine/backends/backend.ts';
export interface FlagSpec {
  [name: string]: { type: 'string' | 'number' | 'boolean'; default?: string | number | boolean; help: string; required?: boolean };
}

export type Flags<S extends FlagSpec> = { [K in keyof S]: S[K]['type'] extends 'number' ? number : S[K]['type'] extends 'boolean' ? boolean : string };

export function parseFlags<S extends FlagSpec>(command: string, spec: S, argv: string[]): Flags<S> & { _: string[]; help: boolean } {
  const out: Record<string, unknown> = { _: [], help: false };
  for (const [k, v] of Object.entries(spec)) if (v.default !== undefined) out[k] = v.default;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--help' || a === '-h') { out.help = true; continue; }
    if (!a.startsWith('--')) { (out._ as string[]).push(a); continue; }
    let [name, value] = a.slice(2).split('=', 2) as [string, string | undefined];
    const s = spec[name];
    if (!s) throw new Error(`${command}: unknown option --${name}\n\n${helpText(command, spec)}`);
    if (s.type === 'boolean') { out[name] = value === undefined ? true : value !== 'false'; continue; }
    if (value === undefined) {
      value = argv[++i];
      if (value === undefined) throw new Error(`${command}: option --${name} needs a value`);
    }
    if (s.type === 'number') {
      const n = Number(value);
      if (!Number.isFinite(n)) throw new Error(`${command}: option --${name} expects a number, got '${value}'`);
      out[name] = n;
    } else out[name] = value;
  }
  if (!out.help) for (const [k, v] of Object.entries(spec)) if (v.required && out[k] === undefined) throw new Error(`${command}: missing required option --${k}\n\n${helpText(command, spec)}`);
  return out as Flags<S> & { _: string[]; help: boolean };
}

export function helpText(command: string, spec: FlagSpec): string {
  const lines = Object.entries(spec).map(([k, v]) => `  --${k}${v.type === 'boolean' ? '' : ` <${v.type}>`}`.padEnd(28) + `${v.help}${v.default !== undefined ? ` (default ${v.default})` : ''}${v.required ? ' (required)' : ''}`);
  return `usage: ifrlab ${command} [options]\n${lines.join('\n')}`;
}

// ---- the options several commands share, declared once (spread them into a command's spec)

/** --data-dir: where the real data sets are (the library reads nothing else). */
export const DATA_DIR = {
  'data-dir': { type: 'string', help: "data directory (default $IFRLAB_DATA, else ./data; 'ifrlab data fetch NAME' fills it)" },
} as const satisfies FlagSpec;

/** --backend, with the same default everywhere: the fastest available. */
export const BACKEND = {
  backend: { type: 'string', default: 'auto', help: 'reference | wasm | webgpu | auto (the fastest available)' },
} as const satisfies FlagSpec;

/** --seed: one seed for everything random in a command. */
export const SEED = {
  seed: { type: 'number', default: 0, help: 'seed of everything random (initialisation, shuffling, random starts)' },
} as const satisfies FlagSpec;

/** --out: the output directory; `holds` says what the command writes there. */
export function outOption<R extends boolean>(holds: string, required: R): { out: { type: 'string'; required: R; help: string } } {
  return { out: { type: 'string', required, help: `output directory (${holds})` } };
}

/** Select the backend named by --backend ('auto': the fastest available). */
export async function selectBackend(name: string): Promise<Backend> {
  const { setBackend, setFastestBackend } = await import('../engine/backends/registry.ts');
  if (name === 'auto') return setFastestBackend();
  if (name !== 'reference' && name !== 'wasm' && name !== 'webgpu') throw new Error(`--backend must be reference, wasm, webgpu or auto, got '${name}'`);
  return setBackend(name);
}
