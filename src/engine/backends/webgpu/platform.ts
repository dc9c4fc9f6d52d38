// The platform layer: find a WebGPU adapter. Browsers and Deno expose
// navigator.gpu; Node gets Dawn from the `webgpu` npm package. On a GPU-less
// Linux machine Dawn needs a Vulkan driver: SwiftShader from Debian's
// chromium-common (scripts/webgpu-setup.sh installs it), selected through
// VK_ICD_FILENAMES when the variable is not set already. This is the only
// file of the backend that touches Node APIs, and only through dynamic imports.

/** Dawn's GPU object: it must stay referenced for the life of the process (see notes). */
let dawnGPU: GPU | null = null;

const SWIFTSHADER_ICDS = [
  '/usr/lib/chromium/vk_swiftshader_icd.json',
  '/usr/lib/chromium-browser/vk_swiftshader_icd.json',
];

export interface FoundGPU {
  gpu: GPU;
  runtime: 'browser' | 'deno' | 'node';
}

type NodeProcess = { versions?: { node?: string }; env: Record<string, string | undefined> };

/** The GPU entry point of this runtime, or an Error saying why there is none. */
export async function findGPU(): Promise<FoundGPU | Error> {
  const g = globalThis as { navigator?: { gpu?: GPU }; Deno?: unknown; process?: NodeProcess };
  if (g.navigator?.gpu) return { gpu: g.navigator.gpu, runtime: g.Deno ? 'deno' : 'browser' };
  const proc = g.process;
  if (!proc?.versions?.node || g.Deno)
    return new Error(
      'navigator.gpu is not available in this runtime (a browser needs WebGPU enabled; Deno needs a GPU or Mesa driver)',
    );
  if (dawnGPU) return { gpu: dawnGPU, runtime: 'node' };
  if (!proc.env.VK_ICD_FILENAMES) {
    try {
      const fsName = 'node:fs';
      const fs = (await import(/* @vite-ignore */ fsName)) as { existsSync(p: string): boolean };
      const icd = SWIFTSHADER_ICDS.find((p) => fs.existsSync(p));
      if (icd) proc.env.VK_ICD_FILENAMES = icd;
    } catch {
      /* not fatal: Dawn may find a real driver */
    }
  }
  if (!proc.env.NODEVICE_SELECT) proc.env.NODEVICE_SELECT = '1';
  let mod: { create(flags: string[]): GPU; globals: Record<string, unknown> };
  try {
    const name = 'webgpu';
    mod = await import(/* @vite-ignore */ name);
  } catch (e) {
    return new Error(
      `the 'webgpu' npm package (Dawn for Node) could not be loaded: ${(e as Error).message}. Install it with \`npm install webgpu\` (scripts/webgpu-setup.sh)`,
    );
  }
  for (const [k, v] of Object.entries(mod.globals)) {
    if (!(k in globalThis)) (globalThis as Record<string, unknown>)[k] = v;
  }
  dawnGPU = mod.create([]);
  return { gpu: dawnGPU, runtime: 'node' };
}
