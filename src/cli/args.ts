// A small, strict flag parser shared by every command: --name value, --flag, --name=value.
// Everything is checked before a command starts work: unknown options (with the nearest known one),
// a value that is itself an option, stray positional arguments, and per-flag number ranges.
import type { Backend } from '../engine/backends/backend.ts';
export interface FlagSpec {
  [name: string]: {
    type: 'string' | 'number' | 'boolean';
    default?: string | number | boolean;
    help: string;
    required?: boolean;
    /** Number flags: require an integer. */
    int?: boolean;
    /** Number flags: the allowed range; `gt`/`lt` are exclusive bounds. */
    min?: number;
    max?: number;
    gt?: number;
    lt?: number;
  };
}

export type Flags<S extends FlagSpec> = {
  [K in keyof S]: S[K]['type'] extends 'number' ? number : S[K]['type'] extends 'boolean' ? boolean : string;
};

/** Edit distance (insertions, deletions, substitutions), for "did you mean". */
function distance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++)
      cur[j] = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = cur;
  }
  return prev[b.length];
}

/** The known name closest to `name` (by edit distance, or one that contains it), when it is close enough to be a typo. */
export function nearest(name: string, known: readonly string[]): string | null {
  let best: string | null = null,
    bd = Infinity;
  for (const k of known) {
    const d = k.startsWith(name) || name.startsWith(k) ? Math.min(1, distance(name, k)) : distance(name, k);
    if (d < bd) {
      bd = d;
      best = k;
    }
  }
  return best !== null && bd <= Math.max(2, Math.floor(name.length / 3)) ? best : null;
}

/** " (did you mean 'x'?)" or "" */
export function didYouMean(name: string, known: readonly string[], prefix = ''): string {
  const n = nearest(name, known);
  return n ? ` (did you mean ${prefix}${n}?)` : '';
}

function checkRange(command: string, name: string, s: FlagSpec[string], n: number): void {
  const fail = (want: string): never => {
    throw new Error(`${command}: --${name} must be ${want}, got ${n}`);
  };
  if (s.int && !Number.isInteger(n)) fail(`an integer${s.min !== undefined ? ` >= ${s.min}` : ''}`);
  if (s.min !== undefined && n < s.min) fail(`>= ${s.min}`);
  if (s.max !== undefined && n > s.max) fail(`<= ${s.max}`);
  if (s.gt !== undefined && n <= s.gt) fail(`> ${s.gt}`);
  if (s.lt !== undefined && n >= s.lt) fail(`< ${s.lt}${s.min !== undefined ? ` (in [${s.min}, ${s.lt}))` : ''}`);
}

/** Parse argv; at most `maxPositionals` arguments that are not options are accepted. */
export function parseFlags<S extends FlagSpec>(
  command: string,
  spec: S,
  argv: string[],
  maxPositionals = 0,
): Flags<S> & { _: string[]; help: boolean } {
  const out: Record<string, unknown> = { _: [], help: false };
  for (const [k, v] of Object.entries(spec)) if (v.default !== undefined) out[k] = v.default;
  const names = Object.keys(spec);
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--help' || a === '-h') {
      out.help = true;
      continue;
    }
    if (!a.startsWith('--')) {
      if (a.startsWith('-') && a.length > 1 && !/^-[\d.]/.test(a))
        throw new Error(
          `${command}: unknown option ${a} (options start with --)${didYouMean(a.replace(/^-+/, ''), names, '--')}`,
        );
      (out._ as string[]).push(a);
      continue;
    }
    const eq = a.indexOf('=');
    const name = eq < 0 ? a.slice(2) : a.slice(2, eq);
    let value: string | undefined = eq < 0 ? undefined : a.slice(eq + 1);
    const s = spec[name];
    if (!s)
      throw new Error(
        `${command}: unknown option --${name}${didYouMean(name, names, '--')}\n\n${helpText(command, spec)}`,
      );
    if (s.type === 'boolean') {
      if (value !== undefined && value !== 'true' && value !== 'false')
        throw new Error(
          `${command}: --${name} is a switch: give it alone, or as --${name}=true / --${name}=false, not '${value}'`,
        );
      out[name] = value === undefined ? true : value === 'true';
      continue;
    }
    if (value === undefined) {
      value = argv[++i];
      if (value === undefined) throw new Error(`${command}: option --${name} needs a value`);
      // `--out --epochs 1` must not create a folder named '--epochs'
      if (value.startsWith('--'))
        throw new Error(`${command}: option --${name} needs a value, but the next argument is the option ${value}`);
    }
    if (s.type === 'number') {
      const n = value.trim() === '' ? NaN : Number(value);
      if (!Number.isFinite(n)) throw new Error(`${command}: option --${name} expects a number, got '${value}'`);
      checkRange(command, name, s, n);
      out[name] = n;
    } else {
      if (value === '') throw new Error(`${command}: option --${name} needs a value, got an empty string`);
      out[name] = value;
    }
  }
  const pos = out._ as string[];
  if (!out.help && pos.length > maxPositionals) {
    const stray = pos.slice(maxPositionals);
    throw new Error(
      `${command}: unexpected argument${stray.length > 1 ? 's' : ''} ${stray.map((x) => `'${x}'`).join(' ')}${maxPositionals ? '' : ' (every value belongs to an option: --name value)'}`,
    );
  }
  if (!out.help)
    for (const [k, v] of Object.entries(spec))
      if (v.required && out[k] === undefined)
        throw new Error(`${command}: missing required option --${k}\n\n${helpText(command, spec)}`);
  return out as Flags<S> & { _: string[]; help: boolean };
}

export function helpText(command: string, spec: FlagSpec): string {
  const lines = Object.entries(spec).map(
    ([k, v]) =>
      `  --${k}${v.type === 'boolean' ? '' : ` <${v.type}>`}`.padEnd(28) +
      `${v.help}${v.default !== undefined ? ` (default ${v.default})` : ''}${v.required ? ' (required)' : ''}`,
  );
  return `usage: ifrlab ${command} [options]\n${lines.join('\n')}`;
}

// ---- the options several commands share, declared once (spread them into a command's spec)

/** --data-dir: where the real data sets are (the library reads nothing else). */
export const DATA_DIR = {
  'data-dir': {
    type: 'string',
    help: "data directory (default $IFRLAB_DATA, else ./data; 'ifrlab data fetch NAME' fills it)",
  },
} as const satisfies FlagSpec;

/** --backend, with the same default everywhere: the fastest available. */
export const BACKEND = {
  backend: { type: 'string', default: 'auto', help: 'reference | wasm | webgpu | auto (the fastest available)' },
} as const satisfies FlagSpec;

/** --seed: one seed for everything random in a command. */
export const SEED = {
  seed: {
    type: 'number',
    default: 0,
    int: true,
    min: 0,
    help: 'seed of everything random (initialisation, shuffling, random starts)',
  },
} as const satisfies FlagSpec;

/** --out: the output directory; `holds` says what the command writes there. */
export function outOption<R extends boolean>(
  holds: string,
  required: R,
): { out: { type: 'string'; required: R; help: string } } {
  return { out: { type: 'string', required, help: `output directory (${holds})` } };
}

/** Select the backend named by --backend ('auto': the fastest available). */
export async function selectBackend(name: string): Promise<Backend> {
  const { setBackend, setFastestBackend } = await import('../engine/backends/registry.ts');
  if (name === 'auto') return setFastestBackend();
  const known = ['reference', 'wasm', 'webgpu', 'auto'];
  if (!known.includes(name))
    throw new Error(`--backend must be reference, wasm, webgpu or auto, got '${name}'${didYouMean(name, known)}`);
  return setBackend(name as 'reference' | 'wasm' | 'webgpu');
}
