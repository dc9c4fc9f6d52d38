// The data sets the lab knows: where their files live inside the data
// directory, their official sizes and SHA-256 checksums (of the decompressed
// file), and how to parse them. Platform-free: the caller supplies a function
// that reads a file's bytes (src/platform/data.ts does it for Node and Deno).
import { gunzip, isGzip, parseCifar, parseIdxImages, parseIdxLabels, sha256Hex } from './formats.ts';
import { makeSplit, type Dataset } from './dataset.ts';
import { syntheticDataset } from './synthetic.ts';

/** One file of a data set: name, size in bytes and SHA-256 (when an official one exists). */
export interface FileSpec {
  /** File name inside the data set's folder (a '.gz' copy is accepted too for IDX files). */
  name: string;
  /** Size in bytes of the (decompressed) file. */
  size: number;
  /** SHA-256 of the (decompressed) file, or null where no official checksum is known. */
  sha256: string | null;
}

/** A real data set: its folder, files, download sources and class names. */
export interface DatasetSpec {
  name: string;
  /** Folder inside the data directory. */
  dir: string;
  /** Other folders to look in (e.g. where a Debian package installs the files). */
  altDirs?: string[];
  files: FileSpec[];
  classNames: string[];
  /** Official download locations (for `ifrlab data fetch`). */
  urls: { url: string; note: string }[];
}

const CIFAR10_SHA = [
  'cee916563c9f80d84e3cc88e17fdc0941787f1244f00a67874d45b261883ada5',
  'a591ca11fa1708a91ee40f54b3da4784ccd871ecf2137de63f51ada8b3fa57ed',
  'bbe8596564c0f86427f876058170b84dac6670ddf06d79402899d93ceea26f67',
  '014e562d6e23c72197cc727519169a60359f5eccd8945ad5a09d710285ff4e48',
  '755304fc0b379caeae8c14f0dac912fbc7d6cd469eb67a1029a08a39453a9add',
];

/** The real data sets by name (cifar10, cifar100, mnist, fashion-mnist). */
export const DATASETS: Record<string, DatasetSpec> = {
  cifar10: {
    name: 'cifar10',
    dir: 'cifar-10-batches-bin',
    files: [
      ...CIFAR10_SHA.map((sha256, i) => ({ name: `data_batch_${i + 1}.bin`, size: 30730000, sha256 })),
      {
        name: 'test_batch.bin',
        size: 30730000,
        sha256: '8e2eb146ae340b09e24670f29cabc6326dba54da8789dab6768acf480273f65b',
      },
    ],
    classNames: ['airplane', 'automobile', 'bird', 'cat', 'deer', 'dog', 'frog', 'horse', 'ship', 'truck'],
    urls: [
      {
        url: 'https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz',
        note: 'official tarball (md5 c32a1d4ab5d03f1284b67883e8d87530)',
      },
    ],
  },
  cifar100: {
    name: 'cifar100',
    dir: 'cifar-100-binary',
    // no per-file SHA-256 of the binary version is published; sizes are checked
    files: [
      { name: 'train.bin', size: 50000 * 3074, sha256: null },
      { name: 'test.bin', size: 10000 * 3074, sha256: null },
    ],
    classNames: [],
    urls: [
      {
        url: 'https://www.cs.toronto.edu/~kriz/cifar-100-binary.tar.gz',
        note: 'official tarball (md5 03b5dce01913d631647c71ecec9e9cb8)',
      },
    ],
  },
  mnist: {
    name: 'mnist',
    dir: 'mnist',
    files: [
      {
        name: 'train-images-idx3-ubyte',
        size: 47040016,
        sha256: 'ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db',
      },
      {
        name: 'train-labels-idx1-ubyte',
        size: 60008,
        sha256: '65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5',
      },
      {
        name: 't10k-images-idx3-ubyte',
        size: 7840016,
        sha256: '0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7',
      },
      {
        name: 't10k-labels-idx1-ubyte',
        size: 10008,
        sha256: 'ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2',
      },
    ],
    classNames: ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'],
    urls: [
      {
        url: 'https://ossci-datasets.s3.amazonaws.com/mnist/',
        note: 'PyTorch mirror of the official gzipped IDX files',
      },
    ],
  },
  'fashion-mnist': {
    name: 'fashion-mnist',
    dir: 'fashion-mnist',
    altDirs: ['/usr/share/datasets/fashion-mnist'],
    // SHA-256 of the decompressed files; their MD5s equal Zalando's published ones
    files: [
      {
        name: 'train-images-idx3-ubyte',
        size: 47040016,
        sha256: 'c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888',
      },
      {
        name: 'train-labels-idx1-ubyte',
        size: 60008,
        sha256: 'bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9',
      },
      {
        name: 't10k-images-idx3-ubyte',
        size: 7840016,
        sha256: '5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b',
      },
      {
        name: 't10k-labels-idx1-ubyte',
        size: 10008,
        sha256: '0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34',
      },
    ],
    classNames: [
      'T-shirt/top',
      'Trouser',
      'Pullover',
      'Dress',
      'Coat',
      'Sandal',
      'Shirt',
      'Sneaker',
      'Bag',
      'Ankle boot',
    ],
    urls: [
      {
        url: 'http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/',
        note: "Zalando's official gzipped IDX files",
      },
      {
        url: 'apt-get install dataset-fashion-mnist',
        note: 'Debian package; installs to /usr/share/datasets/fashion-mnist',
      },
    ],
  },
};

/** Reads a file by path relative to the data directory (or absolute for altDirs); null when absent. */
export type FileReader = (path: string) => Promise<Uint8Array | null>;

/** How much of a data file to check: nothing, the size, or size and SHA-256 ('full'). */
export type Verify = 'none' | 'size' | 'full';

/** Read one file of a data set (trying `name` then `name.gz` in each folder), decompress, verify. */
export async function readDatasetFile(
  spec: DatasetSpec,
  f: FileSpec,
  read: FileReader,
  verify: Verify = 'full',
): Promise<{ bytes: Uint8Array; path: string }> {
  const tried: string[] = [];
  for (const dir of [spec.dir, ...(spec.altDirs ?? [])]) {
    for (const name of [f.name, `${f.name}.gz`]) {
      const path = `${dir}/${name}`;
      tried.push(path);
      let bytes = await read(path);
      if (!bytes) continue;
      if (isGzip(bytes)) bytes = await gunzip(bytes, path, f.size); // never inflate past the official size
      if (verify !== 'none') await verifyBytes(bytes, f, path);
      return { bytes, path };
    }
  }
  throw new Error(
    `${spec.name}: file ${f.name} not found (looked for ${tried.join(', ')} in the data directory). Run 'ifrlab data fetch ${spec.name}' or point --data-dir / IFRLAB_DATA at a folder holding ${spec.dir}/`,
  );
}

/** Check a (decompressed) file's size and SHA-256 against the official values. */
export async function verifyBytes(bytes: Uint8Array, f: FileSpec, path: string, full = true): Promise<void> {
  if (bytes.length !== f.size)
    throw new Error(`${path}: size ${bytes.length} bytes, expected ${f.size} (truncated or wrong file)`);
  if (full && f.sha256) {
    const h = await sha256Hex(bytes);
    if (h !== f.sha256)
      throw new Error(`${path}: SHA-256 ${h} does not match the official ${f.sha256} (corrupt or modified file)`);
  }
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((a, p) => a + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** Parse a data set name with options: 'synthetic:train=2000,test=500,seed=3'. */
export function parseDataName(name: string): { base: string; opts: Record<string, string> } {
  const [base, rest] = name.split(':', 2);
  const opts: Record<string, string> = {};
  if (rest)
    for (const kv of rest.split(',')) {
      const [k, v] = kv.split('=');
      if (!k || v === undefined)
        throw new Error(`data set '${name}': options must be key=value pairs separated by commas`);
      opts[k] = v;
    }
  return { base: base.toLowerCase(), opts };
}

/** Every data set name loadDataset accepts (synthetic ones take options: synthetic:train=N,test=M,seed=S). */
export const DATA_NAMES = ['synthetic', 'synthetic-28', ...Object.keys(DATASETS)];

/** Check a data set name and its options without reading anything; the parsed name. */
function checkDataName(name: string): {
  base: string;
  opts: Record<string, string>;
  num: (k: string) => number | undefined;
} {
  const { base, opts } = parseDataName(name);
  const num = (k: string): number | undefined => {
    if (opts[k] === undefined) return undefined;
    const v = Number(opts[k]);
    if (!Number.isInteger(v) || v < 0)
      throw new Error(`data set '${name}': option ${k} must be a non-negative integer`);
    return v;
  };
  if (base === 'synthetic' || base === 'synthetic-28') {
    for (const k of Object.keys(opts))
      if (!['train', 'test', 'seed'].includes(k))
        throw new Error(`data set '${name}': unknown option '${k}' (train, test, seed)`);
    num('seed');
    // an empty split gives a NaN loss or an accuracy of 'NaN%'
    for (const k of ['train', 'test'])
      if (num(k) === 0) throw new Error(`data set '${name}': ${k}=0 gives an empty ${k} split; use ${k}=1 or more`);
  } else if (!DATASETS[base]) throw new Error(`unknown data set '${base}' (known: ${DATA_NAMES.join(', ')})`);
  return { base, opts, num };
}

/** Input shape and class count of a data set name, known without reading it; throws for a bad name. */
export function datasetShape(name: string): { shape: [number, number, number]; classes: number } {
  const { base } = checkDataName(name);
  if (base === 'cifar100') return { shape: [3, 32, 32], classes: 100 };
  if (base === 'synthetic-28' || base === 'mnist' || base === 'fashion-mnist')
    return { shape: [1, 28, 28], classes: 10 };
  return { shape: [3, 32, 32], classes: 10 };
}

/** Load a data set by name. Real data sets need `read`; synthetic ones are generated. */
export async function loadDataset(name: string, read?: FileReader, verify: Verify = 'full'): Promise<Dataset> {
  const { base, num } = checkDataName(name);
  if (base === 'synthetic' || base === 'synthetic-28') {
    return syntheticDataset(
      {
        shape: base === 'synthetic' ? [3, 32, 32] : [1, 28, 28],
        train: num('train'),
        test: num('test'),
        seed: num('seed'),
      },
      name,
    );
  }
  const spec = DATASETS[base];
  if (!read) throw new Error(`data set '${base}' needs a file reader (data directory)`);
  const files = await Promise.all(spec.files.map((f) => readDatasetFile(spec, f, read, verify)));
  let ds: Dataset;
  if (base === 'cifar10' || base === 'cifar100') {
    const v: 'cifar10' | 'cifar100' = base === 'cifar10' ? 'cifar10' : 'cifar100';
    const parsed = files.map((f) => parseCifar(f.bytes, v, f.path));
    const tr = parsed.slice(0, -1),
      te = parsed[parsed.length - 1];
    ds = {
      name,
      shape: [3, 32, 32],
      numClasses: base === 'cifar10' ? 10 : 100,
      classNames: spec.classNames.length ? spec.classNames : undefined,
      train: makeSplit(concat(tr.map((p) => p.images)), concat(tr.map((p) => p.labels)), [3, 32, 32]),
      test: makeSplit(te.images, te.labels, [3, 32, 32]),
    };
  } else {
    const [ti, tl, si, sl] = files;
    const a = parseIdxImages(ti.bytes, ti.path),
      b = parseIdxImages(si.bytes, si.path);
    const la = parseIdxLabels(tl.bytes, tl.path),
      lb = parseIdxLabels(sl.bytes, sl.path);
    if (a.count !== la.length) throw new Error(`${ti.path}: ${a.count} images but ${tl.path} has ${la.length} labels`);
    if (b.count !== lb.length) throw new Error(`${si.path}: ${b.count} images but ${sl.path} has ${lb.length} labels`);
    ds = {
      name,
      shape: a.shape,
      numClasses: 10,
      classNames: spec.classNames,
      train: makeSplit(a.images, la, a.shape),
      test: makeSplit(b.images, lb, b.shape),
    };
  }
  return ds;
}
