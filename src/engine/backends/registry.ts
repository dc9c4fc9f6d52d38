// Backend selection: one call picks the backend; the default is the fastest available.
import type { Backend, DType } from './backend.ts';
import { ReferenceBackend } from './reference/index.ts';
import { engine } from '../tensor.ts';

/** The built-in backends. */
export type BackendName = 'reference' | 'wasm' | 'webgpu';

type Factory = () => Promise<Backend>;
const factories = new Map<BackendName, Factory>();
const instances = new Map<string, Backend>();

/** Backends register a factory (the WASM and WebGPU modules call this when imported). */
export function registerBackend(name: BackendName, factory: Factory): void {
  factories.set(name, factory);
}

registerBackend('reference', async () => new ReferenceBackend('float32'));
// Loaded lazily so that a platform without WASM threads or WebGPU never imports their code.
registerBackend('wasm', async () => (await import('./wasm/index.ts')).createWasmBackend());
registerBackend('webgpu', async () => (await import('./webgpu/index.ts')).createWebGPUBackend());

/** Create (once) and return a backend without making it current. */
export async function getBackend(name: BackendName): Promise<Backend> {
  const have = instances.get(name);
  if (have) return have;
  const f = factories.get(name);
  if (!f) throw new Error(`backend '${name}' is not available here (known: ${[...factories.keys()].join(', ')})`);
  const b = await f();
  instances.set(name, b);
  return b;
}

/**
 * Stop the worker threads of every backend created so far (the WASM pool) and forget them; for the
 * end of a program: under Deno, live workers keep the process from exiting. A later getBackend
 * creates a fresh one.
 */
export function releaseBackends(): void {
  for (const [name, b] of instances) {
    const t = (b as { terminate?: () => void }).terminate;
    if (t) {
      t.call(b);
      instances.delete(name);
    }
  }
}

/** Make a backend current: by name, or an instance (e.g. new ReferenceBackend('float64')). */
export async function setBackend(b: BackendName | Backend): Promise<Backend> {
  const backend = typeof b === 'string' ? await getBackend(b) : b;
  engine.setBackend(backend);
  return backend;
}

/** One backend that setFastestBackend tried: started, skipped (software) or failed (error). */
export interface BackendAttempt {
  name: string;
  error?: string;
  software?: boolean;
}

/**
 * Try the backends from fastest to slowest and make the first that starts
 * current. A software-emulated device (WebGPU on a CPU rasteriser) is skipped
 * unless it is the last choice: the WASM backend, and even the reference one,
 * are faster there. Each attempt is appended to `tried` (the web lab shows it).
 */
export async function setFastestBackend(
  order: BackendName[] = ['webgpu', 'wasm', 'reference'],
  tried: BackendAttempt[] = [],
): Promise<Backend> {
  const first = tried.length;
  for (const name of order) {
    if (!factories.has(name)) continue;
    try {
      const b = await getBackend(name);
      if (b.isSoftware && name !== order[order.length - 1]) {
        tried.push({ name, software: true, error: 'software adapter, skipped (WASM is faster)' });
        continue;
      }
      tried.push({ name, software: !!b.isSoftware });
      return await setBackend(b);
    } catch (e) {
      tried.push({ name, error: (e as Error).message });
    }
  }
  throw new Error(
    `no backend could start:\n${tried
      .slice(first)
      .map((t) => `${t.name}: ${t.error}`)
      .join('\n')}`,
  );
}

/** Names of the registered backends (not all may start on this platform). */
export function availableBackends(): BackendName[] {
  return [...factories.keys()];
}

/** A float64 reference backend, for finite-difference gradient checks. */
export function float64Backend(): Backend {
  return new ReferenceBackend('float64' as DType);
}

// A usable default so that `import` then `tensor(...)` works synchronously.
if (!engine.hasBackend()) engine.setBackend(new ReferenceBackend('float32'));
