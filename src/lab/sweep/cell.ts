// Cells: the unit of work of a sweep. A cell is a pure function of its kind,
// its configuration and the cells it depends on; its id hashes all three (a
// dependency's id stands for its whole configuration), so a changed setting
// anywhere upstream makes new cells downstream.
import { contentHash } from './hash.ts';

export interface Cell {
  id: string;
  kind: string;
  /** A short human name for plans and status ('train fc-w64-d1-linear seed 0'). */
  label: string;
  config: Record<string, unknown>;
  /** Ids of the cells whose results this one reads. */
  deps: string[];
}

export function makeCell(kind: string, label: string, config: Record<string, unknown>, deps: Cell[] = []): Cell {
  const depIds = deps.map((d) => d.id);
  return { id: contentHash({ kind, config, deps: depIds }), kind, label, config, deps: depIds };
}

/** Cells in dependency order (every cell after the cells it needs); throws on a cycle or a missing dependency. */
export function topoOrder(cells: Cell[]): Cell[] {
  const byId = new Map(cells.map((c) => [c.id, c]));
  const state = new Map<string, 1 | 2>();
  const out: Cell[] = [];
  const visit = (c: Cell, path: string[]): void => {
    const s = state.get(c.id);
    if (s === 2) return;
    if (s === 1) throw new Error(`sweep: dependency cycle through ${[...path, c.label].join(' -> ')}`);
    state.set(c.id, 1);
    for (const d of c.deps) {
      const dc = byId.get(d);
      if (!dc) throw new Error(`sweep: cell '${c.label}' depends on ${d}, which is not in the sweep`);
      visit(dc, [...path, c.label]);
    }
    state.set(c.id, 2);
    out.push(c);
  };
  for (const c of cells) visit(c, []);
  return out;
}

/** Merge cell lists, keeping one copy of each id (two grid points can share a cell, e.g. one training run). */
export function uniqueCells(cells: Cell[]): Cell[] {
  const seen = new Map<string, Cell>();
  for (const c of cells) if (!seen.has(c.id)) seen.set(c.id, c);
  return [...seen.values()];
}
