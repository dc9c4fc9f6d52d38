// Node/Deno side of data loading: a file reader over the data directory for the
// platform-free loaders in src/data.
import { isAbsolute, join } from 'node:path';
import { readdirSync } from 'node:fs';
import { readBytes, fileExists, resolveDataDir } from './fs.ts';
import { loadDataset, type FileReader, type Verify } from '../data/registry.ts';
import type { Dataset } from '../data/dataset.ts';

export function dirReader(dataDir: string): FileReader {
  return async (p) => {
    const full = isAbsolute(p) ? p : join(dataDir, p);
    return fileExists(full) ? readBytes(full) : null;
  };
}

/** Load a data set from the data directory (flag, else $IFRLAB_DATA, else ./data). */
export async function loadDatasetFromDisk(name: string, dataDir?: string, verify: Verify = 'full'): Promise<Dataset> {
  const dir = resolveDataDir(dataDir);
  try {
    return await loadDataset(name, dirReader(dir), verify);
  } catch (e) {
    const msg = (e as Error).message;
    if (!/not found/.test(msg)) throw e;
    // say which folder was searched and where that choice came from
    const from = dataDir
      ? '--data-dir'
      : process.env.IFRLAB_DATA
        ? '$IFRLAB_DATA'
        : 'the default: ../shared/data next to the repository, else ./data';
    throw new Error(
      `${msg}\n  data directory searched: ${dir} (${from})${fileExists(dir) ? (listDirSync(dir).length ? '' : ', which is empty') : ', which does not exist'}`,
    );
  }
}

function listDirSync(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}
