// `ifrlab sweep status`: the store's view of each submitted sweep (cells
// waiting, running with their worker and progress, done, failed with the message).
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { isStale, readHolder } from './lock.ts';
import { Store } from './store.ts';

export function storeStatus(dir: string): string {
  const store = new Store(dir);
  const sweeps = store.sweeps();
  if (!sweeps.length) return `no sweep in ${store.root}`;
  const out: string[] = [];
  for (const s of sweeps) {
    const rows: Record<'done' | 'running' | 'failed' | 'waiting', string[]> = {
      done: [],
      running: [],
      failed: [],
      waiting: [],
    };
    for (const id of s.cells) {
      const label = existsSync(join(store.dir(id), 'cell.json')) ? store.cell(id).label : id;
      if (store.isDone(id)) {
        rows.done.push(label);
        continue;
      }
      const h = readHolder(join(store.dir(id), 'lock'));
      if (h && !isStale(h, 10 * 60_000)) {
        const p = store.progress(id);
        rows.running.push(`${label}  [${h.host}:${h.pid}]${p ? ` ${p.label} ${p.done}/${p.total}` : ''}`);
        continue;
      }
      const fail = store.failure(id);
      if (fail) rows.failed.push(`${label}: ${fail.message}`);
      else rows.waiting.push(label);
    }
    out.push(
      `sweep ${s.name} (${s.time}): ${rows.done.length} done, ${rows.running.length} running, ${rows.waiting.length} waiting, ${rows.failed.length} failed of ${s.cells.length}`,
    );
    for (const r of rows.running) out.push(`  running  ${r}`);
    for (const r of rows.failed) out.push(`  failed   ${r}`);
  }
  return out.join('\n');
}
