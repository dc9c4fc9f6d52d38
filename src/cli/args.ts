// A small, strict flag parser shared by every command: --name value, --flag, --name=value.
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
