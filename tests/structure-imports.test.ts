// The layout is the architecture: src/engine never imports from src/lab (or the CLI),
// and the import graph of src/ has no cycle except among the ops (whose gradients
// are written in terms of other ops). Reads the sources, so it holds for every file.
import { describe, expect, it } from 'vitest';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

const ROOT = resolve(new URL('..', import.meta.url).pathname);
const SRC = join(ROOT, 'src');
const KERNELS = join(SRC, 'engine/backends/wasm/kernels'); // AssemblyScript, not part of the TS graph

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    if (p === KERNELS) return [];
    return statSync(p).isDirectory() ? sources(p) : /\.ts$/.test(f) && !f.endsWith('.d.ts') ? [p] : [];
  });
}

/** file (relative to src/) -> the relative .ts files it imports (static, dynamic and type imports). */
export function importGraph(): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  for (const file of sources(SRC)) {
    const text = readFileSync(file, 'utf8');
    const deps = [...text.matchAll(/(?:from\s+|import\s*\(\s*|import\s+)'(\.{1,2}\/[^']+)'/g)]
      .map((m) => relative(SRC, resolve(dirname(file), m[1])))
      .filter((d) => d.endsWith('.ts'));
    graph.set(relative(SRC, file), deps);
  }
  return graph;
}

/** Strongly connected components with more than one file (Tarjan). */
function cycles(graph: Map<string, string[]>): string[][] {
  let index = 0;
  const idx = new Map<string, number>(),
    low = new Map<string, number>(),
    stack: string[] = [],
    on = new Set<string>();
  const out: string[][] = [];
  const visit = (v: string) => {
    idx.set(v, index);
    low.set(v, index++);
    stack.push(v);
    on.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!graph.has(w)) continue;
      if (!idx.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (on.has(w)) low.set(v, Math.min(low.get(v)!, idx.get(w)!));
    }
    if (low.get(v) === idx.get(v)) {
      const comp: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        on.delete(w);
        comp.push(w);
      } while (w !== v);
      if (comp.length > 1) out.push(comp.sort());
    }
  };
  for (const v of graph.keys()) if (!idx.has(v)) visit(v);
  return out;
}

describe('import structure of src/', () => {
  const graph = importGraph();

  it('reads a real graph (every import resolves to a file)', () => {
    expect(graph.size).toBeGreaterThan(80);
    const missing = [...graph].flatMap(([f, ds]) =>
      ds.filter((d) => !graph.has(d) && !d.endsWith('.generated.ts')).map((d) => `${f} -> ${d}`),
    );
    expect(missing).toEqual([]);
  });

  it('src/engine imports nothing from src/lab, src/cli or the package index', () => {
    const bad = [...graph]
      .filter(([f]) => f.startsWith('engine/'))
      .flatMap(([f, ds]) => ds.filter((d) => !d.startsWith('engine/')).map((d) => `${f} -> ${d}`));
    expect(bad).toEqual([]);
  });

  it('src/lab never imports the CLI', () => {
    const bad = [...graph]
      .filter(([f]) => f.startsWith('lab/'))
      .flatMap(([f, ds]) => ds.filter((d) => d.startsWith('cli/')).map((d) => `${f} -> ${d}`));
    expect(bad).toEqual([]);
  });

  it('has no import cycle outside src/engine/ops', () => {
    const bad = cycles(graph).filter((c) => !c.every((f) => f.startsWith('engine/ops/')));
    expect(bad).toEqual([]);
  });

  it('the cycle detector finds a constructed cycle', () => {
    const g = new Map([
      ['a.ts', ['b.ts']],
      ['b.ts', ['c.ts']],
      ['c.ts', ['a.ts']],
      ['d.ts', ['a.ts']],
    ]);
    expect(cycles(g)).toEqual([['a.ts', 'b.ts', 'c.ts']]);
  });
});
