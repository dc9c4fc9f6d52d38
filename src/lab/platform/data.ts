// Node/Deno side of data loading: a file reader over the data directory for the
// platform-free loaders in src/data.
import { isAbsolute, join } from 'node:path';
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
  return loadDataset(name, dirReader(resolveDataDir(dataDir)), verify);
}
