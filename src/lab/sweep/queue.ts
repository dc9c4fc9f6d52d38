// Distributed mode on BullMQ over Redis. A sweep is enqueued as one BullMQ flow:
// a root job whose children are the sweep's final cells, each with the cells it
// needs as its own children, so BullMQ starts a parent only after its children.
// A flow is a tree and a sweep a graph (two attacks share one training run):
// a cell needed by several others sits under one of them, and a worker that
// gets a cell whose other dependencies are not finished in the store puts the
// job back (delayed) rather than running it. Workers run cells in local worker
// processes (pool.ts), so a CPU-bound cell never blocks the event loop from
// which BullMQ renews the job's lock; a worker that dies loses its lock, the
// stalled-job check hands the job to another worker, and the cell resumes from
// its checkpoint in the shared store.
import { hostname } from 'node:os';
import { connect as netConnect } from 'node:net';
import { DelayedError, FlowProducer, Queue, UnrecoverableError, Worker, type FlowJob, type Job } from 'bullmq';
import type { Cell } from './cell.ts';
import { topoOrder } from './cell.ts';
import { ChildPool } from './pool.ts';
import { parseRedisUrl, type RedisOptions } from './redis-url.ts';
import { Store } from './store.ts';

export const QUEUE_NAME = 'ifrlab-cells';

/** Fail fast, naming the URL, when Redis cannot be reached (BullMQ itself would retry forever). */
export async function checkRedis(url: string, timeoutMs = 3000): Promise<RedisOptions> {
  const o = parseRedisUrl(url);
  await new Promise<void>((resolve, reject) => {
    const s = netConnect({ host: o.host, port: o.port });
    const fail = (why: string) => {
      s.destroy();
      reject(
        new Error(
          `cannot reach Redis at ${url}: ${why} (is redis-server running there? start one with: redis-server --port ${o.port})`,
        ),
      );
    };
    const t = setTimeout(() => fail(`no answer in ${timeoutMs} ms`), timeoutMs);
    s.once('connect', () => {
      clearTimeout(t);
      s.end();
      resolve();
    });
    s.once('error', (e) => {
      clearTimeout(t);
      fail((e as NodeJS.ErrnoException).code ?? e.message);
    });
  });
  return o;
}

export interface SubmitOptions {
  name: string;
  attempts?: number;
  queueName?: string;
}

/** Enqueue the cells that are not done yet; returns the root job's id (null when everything is done). */
export async function submitSweep(
  url: string,
  storeDir: string,
  cells: Cell[],
  o: SubmitOptions,
): Promise<{ rootId: string | null; enqueued: number }> {
  const connection = await checkRedis(url);
  const store = new Store(storeDir);
  const order = topoOrder(cells);
  store.saveSweep(o.name, order);
  const todo = order.filter((c) => !store.isDone(c.id));
  if (!todo.length) return { rootId: null, enqueued: 0 };
  for (const c of todo) store.clearFailure(c.id);
  const run = Date.now().toString(36);
  const queueName = o.queueName ?? QUEUE_NAME;
  const todoIds = new Set(todo.map((c) => c.id));
  const byId = new Map(order.map((c) => [c.id, c]));
  const needed = new Set(todo.flatMap((c) => c.deps));
  const placed = new Set<string>();
  const node = (c: Cell): FlowJob => {
    placed.add(c.id);
    const kids = c.deps.filter((d) => todoIds.has(d) && !placed.has(d)).map((d) => byId.get(d)!);
    for (const k of kids) placed.add(k.id);
    return {
      name: c.kind,
      queueName,
      data: { cell: c },
      opts: {
        jobId: `${c.id}.${run}`,
        attempts: o.attempts ?? 3,
        backoff: { type: 'fixed', delay: 1000 },
        failParentOnFailure: true,
      },
      children: kids.map((k) => node(k)),
    };
  };
  const sinks = todo.filter((c) => !needed.has(c.id));
  const children = sinks.map((c) => node(c));
  const flow = new FlowProducer({ connection });
  try {
    const tree = await flow.add({
      name: 'sweep',
      queueName,
      data: { sweep: o.name, cells: order.map((c) => c.id) },
      opts: { jobId: `sweep.${o.name.replace(/[^A-Za-z0-9_-]+/g, '_')}.${run}` },
      children,
    });
    return { rootId: tree.job.id!, enqueued: todo.length };
  } finally {
    await flow.close();
  }
}

/** Wait until the sweep's root job completes or fails; reports progress every few seconds. */
export async function waitSweep(
  url: string,
  rootId: string,
  onTick?: (counts: Record<string, number>) => void,
  queueName = QUEUE_NAME,
): Promise<{ ok: boolean; reason?: string }> {
  const q = new Queue(queueName, { connection: parseRedisUrl(url) });
  try {
    for (;;) {
      const job = await q.getJob(rootId);
      if (!job) return { ok: false, reason: `job ${rootId} is gone from the queue` };
      const state = await job.getState();
      if (state === 'completed') return { ok: true };
      if (state === 'failed') return { ok: false, reason: job.failedReason };
      onTick?.(
        await q.getJobCounts('waiting', 'active', 'delayed', 'completed', 'failed', 'waiting-children', 'prioritized'),
      );
      await new Promise((r) => setTimeout(r, 1000));
    }
  } finally {
    await q.close();
  }
}

export interface WorkerOptions {
  concurrency?: number;
  backend?: string;
  dataDir?: string;
  /** Job lock duration (BullMQ renews it from this process's event loop while the cell runs in a child). */
  lockMs?: number;
  /** How often this worker looks for stalled jobs (jobs whose worker died). */
  stalledMs?: number;
  queueName?: string;
  log?: (msg: string) => void;
}

/** Start a worker: BullMQ takes jobs, a pool of `concurrency` local processes runs their cells. */
export async function startWorker(
  url: string,
  storeDir: string,
  o: WorkerOptions = {},
): Promise<{ close: () => Promise<void>; worker: Worker; pool: ChildPool }> {
  const connection = await checkRedis(url);
  const store = new Store(storeDir);
  const concurrency = o.concurrency ?? 1;
  const me = `${hostname()}:${process.pid}`;
  const jobs = new Map<string, { job: Job; last: number }>();
  const pool = new ChildPool(concurrency, {
    store: storeDir,
    backend: o.backend ?? 'auto',
    dataDir: o.dataDir,
    log: o.log,
    progress: (cell, label, done, total) => {
      const j = jobs.get(cell.id);
      if (!j || (Date.now() - j.last < 1000 && done < total)) return;
      j.last = Date.now();
      j.job.updateProgress({ label, done, total, worker: me }).catch(() => {});
    },
  });
  const later = async (job: Job, token: string | undefined, ms: number): Promise<never> => {
    await job.moveToDelayed(Date.now() + ms, token);
    throw new DelayedError();
  };
  const worker = new Worker(
    o.queueName ?? QUEUE_NAME,
    async (job: Job, token?: string) => {
      if (job.name === 'sweep') {
        const ids = job.data.cells as string[];
        return { sweep: job.data.sweep, done: ids.filter((id) => store.isDone(id)).length, cells: ids.length };
      }
      const cell = job.data.cell as Cell;
      if (store.isDone(cell.id)) return { status: 'cached', worker: me };
      const failed = cell.deps.find((d) => store.failure(d) && !store.isDone(d));
      if (failed) throw new UnrecoverableError(`dependency ${failed} failed: ${store.failure(failed)!.message}`);
      if (cell.deps.some((d) => !store.isDone(d))) return later(job, token, 1000);
      jobs.set(cell.id, { job, last: 0 });
      o.log?.(`start: ${cell.label} (job ${job.id}, attempt ${job.attemptsMade + 1})`);
      try {
        const out = await pool.run(cell);
        switch (out.status) {
          case 'done':
          case 'cached':
            o.log?.(`done: ${cell.label}`);
            return {
              status: out.status,
              worker: me,
              ...(out.status === 'done' ? { seconds: out.seconds, resumedFrom: out.resumedFrom } : {}),
            };
          case 'busy':
          case 'waiting':
            return later(job, token, 1000);
          case 'failed':
            throw new UnrecoverableError(out.message);
          case 'crashed':
            throw new Error(out.message);
        }
      } finally {
        jobs.delete(cell.id);
      }
    },
    {
      connection,
      concurrency,
      name: me,
      lockDuration: o.lockMs ?? 5 * 60_000,
      stalledInterval: o.stalledMs ?? 30_000,
      maxStalledCount: 2,
    },
  );
  worker.on('error', (e) => o.log?.(`worker error: ${e.message}`));
  worker.on('stalled', (id) => o.log?.(`stalled: job ${id} lost its worker; it goes back to the queue`));
  worker.on('failed', (job, e) =>
    o.log?.(`FAILED: ${(job?.data?.cell as Cell | undefined)?.label ?? job?.name}: ${e.message}`),
  );
  return {
    worker,
    pool,
    close: async () => {
      await worker.close();
      await pool.close();
    },
  };
}

/** Queue-side view of the sweep: counts, running jobs with their worker and progress, failures. */
export async function queueStatus(url: string, queueName = QUEUE_NAME): Promise<string> {
  await checkRedis(url);
  const q = new Queue(queueName, { connection: parseRedisUrl(url) });
  try {
    const c = await q.getJobCounts(
      'waiting',
      'prioritized',
      'waiting-children',
      'delayed',
      'active',
      'completed',
      'failed',
    );
    const lines = [
      `queue ${queueName} at ${url}: ${Object.entries(c)
        .map(([k, v]) => `${v} ${k}`)
        .join(', ')}`,
    ];
    for (const j of await q.getActive(0, 50)) {
      const p = j.progress as { label?: string; done?: number; total?: number; worker?: string } | number;
      const cell = j.data?.cell as Cell | undefined;
      lines.push(
        `  running  ${cell?.label ?? j.name}${typeof p === 'object' && p ? `  [${p.worker}] ${p.label} ${p.done}/${p.total}` : ''}`,
      );
    }
    for (const j of await q.getFailed(0, 20))
      lines.push(`  failed   ${(j.data?.cell as Cell | undefined)?.label ?? j.name}: ${j.failedReason}`);
    return lines.join('\n');
  } finally {
    await q.close();
  }
}
