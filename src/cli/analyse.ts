// ifrlab analyse fourier-map --checkpoint FILE [--eps E] [--n N] --out DIR
// Analyses of a trained checkpoint. fourier-map: the Fourier sensitivity map
// (Yin et al. 2019): error rate and mean logit change under perturbations
// along each 2-D Fourier basis image; writes DIR/fourier-map.json and heat maps.
import { parseFlags, helpText, DATA_DIR, BACKEND, SEED, outOption, selectBackend, type FlagSpec } from './args.ts';

const spec = {
  checkpoint: { type: 'string', required: true, help: 'checkpoint (.safetensors with its .json sidecar)' },
  ...outOption('fourier-map.json, heat maps', true),
  eps: {
    type: 'number',
    default: 4,
    help: 'L2 norm of the perturbation of each channel (Yin et al. use 4 on CIFAR-10 in [0, 1])',
  },
  n: { type: 'number', default: 200, help: 'the first N images of the split' },
  split: { type: 'string', default: 'test', help: 'test or train' },
  data: { type: 'string', help: "data set (default: the checkpoint's)" },
  ...DATA_DIR,
  batch: { type: 'number', default: 100, help: 'images per forward pass' },
  ...SEED,
  'no-clip': { type: 'boolean', default: false, help: 'do not clip perturbed images to [0, 1]' },
  ...BACKEND,
  quiet: { type: 'boolean', default: false, help: 'no progress output' },
} satisfies FlagSpec;

const ANALYSES = ['fourier-map'] as const;

export async function run(argv: string[]): Promise<void> {
  const f = parseFlags('analyse', spec, argv, 1);
  const usage = `${helpText('analyse ANALYSIS', spec)}\n\nanalyses: ${ANALYSES.join(', ')}`;
  if (f.help) {
    console.log(usage);
    return;
  }
  const what = f._[0];
  if (what !== 'fourier-map')
    throw new Error(`analyse: ${what ? `unknown analysis '${what}'` : 'name the analysis'}\n\n${usage}`);
  if (f.split !== 'test' && f.split !== 'train')
    throw new Error(`analyse: --split must be test or train, got '${f.split}'`);
  if (!Number.isInteger(f.n) || f.n < 1) throw new Error(`analyse: --n must be a positive integer, got ${f.n}`);
  if (!(f.eps > 0)) throw new Error(`analyse: --eps must be positive, got ${f.eps}`);
  const fs = await import('../lab/platform/fs.ts');
  const { loadDatasetFromDisk } = await import('../lab/platform/data.ts');
  const { loadCheckpoint } = await import('../lab/io/checkpoint.ts');
  const { NormalizedClassifier } = await import('../lab/attacks/named.ts');
  const { gather } = await import('../lab/data/batches.ts');
  const { fourierSensitivityMap, radialMean } = await import('../lab/analysis/fourier-map.ts');
  const { heatmap, linePlot, grid } = await import('../lab/report/svg.ts');
  const backend = await selectBackend(f.backend);
  const { model: raw, meta } = await loadCheckpoint(f.checkpoint);
  const norm = meta.normalize as { mean: number[]; std: number[] } | undefined;
  const model = norm ? new NormalizedClassifier(raw, norm.mean, norm.std) : raw;
  const ds = await loadDatasetFromDisk(f.data ?? meta.data, f['data-dir']);
  if (ds.shape.join() !== model.inputShape.join())
    throw new Error(
      `analyse: data ${ds.name} has inputs [${ds.shape.join(', ')}] but the model expects [${model.inputShape.join(', ')}]`,
    );
  const split = f.split === 'test' ? ds.test : ds.train;
  const n = Math.min(f.n, split.n);
  const b = gather(split, ds.shape, [...Array(n).keys()]);
  const err = (s: string): void => {
    if (!f.quiet) process.stderr.write(s);
  };
  err(
    `analyse fourier-map: ${meta.spec} (${f.checkpoint}), ${n} ${f.split} images of ${ds.name}, eps ${f.eps} per channel, backend ${backend.name}\n`,
  );
  const t0 = performance.now();
  const map = await fourierSensitivityMap(model, b.x, Array.from(b.y), {
    eps: f.eps,
    batch: f.batch,
    seed: f.seed,
    clip: f['no-clip'] ? null : [0, 1],
    onProgress: (d, t) => err(`\r  frequency pair ${d}/${t}   `),
  });
  err('\n');
  const { H, W } = map;
  const radialErr = radialMean(map.errorRate, H, W),
    radialFlip = radialMean(map.flipRate, H, W),
    radialLogit = radialMean(map.logitChange, H, W);
  const opts = {
    xlabel: 'kx (cycles per image)',
    ylabel: 'ky',
    xStart: -Math.floor(W / 2),
    yStart: -Math.floor(H / 2),
  };
  const svgErr = heatmap(map.errorRate, H, W, {
    ...opts,
    title: `Error rate, eps ${f.eps}`,
    colorLabel: 'error rate',
    range: [0, 1],
  });
  const svgLogit = heatmap(map.logitChange, H, W, {
    ...opts,
    title: 'Mean logit change',
    colorLabel: '||delta logits||_2',
  });
  const rs = [...radialErr.keys()];
  const svgRad = linePlot(
    [
      { label: 'error rate', x: rs, y: radialErr },
      { label: 'flips of correct images', x: rs, y: radialFlip },
    ],
    { title: 'By frequency radius', xlabel: 'radius sqrt(kx^2 + ky^2)', ylabel: 'mean rate' },
  );
  const svgFlip = heatmap(map.flipRate, H, W, {
    ...opts,
    title: 'Flip rate of correct images',
    colorLabel: 'flip rate',
  });
  await fs.makeDir(f.out);
  await fs.writeBytes(
    fs.joinPath(f.out, 'fourier-map.svg'),
    grid([svgErr, svgFlip, svgLogit, svgRad], 2, `Fourier sensitivity map: ${meta.spec} on ${ds.name}`),
  );
  const json = {
    analysis: 'fourier-map',
    checkpoint: f.checkpoint,
    spec: meta.spec,
    data: ds.name,
    split: f.split,
    n,
    eps: f.eps,
    epsNote: 'L2 norm per channel; each channel gets its own random sign',
    clip: !f['no-clip'],
    seed: f.seed,
    backend: backend.name,
    seconds: (performance.now() - t0) / 1000,
    layout: 'row-major [H, W], row r is ky = r - floor(H/2), column c is kx = c - floor(W/2)',
    H,
    W,
    cleanError: map.cleanError,
    errorRate: Array.from(map.errorRate),
    flipRate: Array.from(map.flipRate),
    logitChange: Array.from(map.logitChange),
    radialErrorRate: Array.from(radialErr),
    radialFlipRate: Array.from(radialFlip),
    radialLogitChange: Array.from(radialLogit),
  };
  await fs.writeBytes(fs.joinPath(f.out, 'fourier-map.json'), JSON.stringify(json) + '\n');
  const half = Math.floor(radialErr.length / 2);
  const mean = (v: Float64Array): number => {
    const ok = [...v].filter(Number.isFinite);
    return ok.reduce((a, x) => a + x, 0) / ok.length;
  };
  const pct = (v: number): string => `${(100 * v).toFixed(1)}%`;
  console.log(
    `fourier-map: clean error ${pct(map.cleanError)}, mean error under perturbation ${pct(mean(map.errorRate))}; flips of correct images: radius < ${half} ${pct(mean(radialFlip.slice(0, half)))}, radius >= ${half} ${pct(mean(radialFlip.slice(half)))}; logit change radius < ${half} ${mean(radialLogit.slice(0, half)).toPrecision(3)}, >= ${half} ${mean(radialLogit.slice(half)).toPrecision(3)} (${json.seconds.toFixed(1)} s) -> ${f.out}/fourier-map.{json,svg}`,
  );
}
