// The paper's model zoo, named by short spec strings (grammar in MODEL_FAMILIES and
// docs/data-models-training.md). Inputs are [N, C, H, W]; every model returns
// logits [N, classes]; `forward(x, ctx)` pushes the input of every ReLU into
// ctx.preActivations, in order.
import { Tensor, noGrad, record } from '../../engine/tensor.ts';
import type { Classifier, ForwardContext } from './types.ts';
import { ParamStore, defaultBound } from './init.ts';
import { relu, add, eq, mul } from '../../engine/ops/elementwise.ts';
import { reshape, transpose } from '../../engine/ops/layout.ts';
import { linear, matmul } from '../../engine/ops/linalg.ts';
import { tensor } from '../../engine/ops/creation.ts';
import { conv2d, local2d, circConv2d, batchNorm, globalAvgPool, type Conv2dOptions } from '../../engine/ops/nn.ts';
import { max } from '../../engine/ops/reduce.ts';

/** The nonlinearity of the paper's model families. */
export type Activation = 'linear' | 'relu';
/** Padding of lc and bwc layers: 'circular', 'zero' or 'valid' (none). */
export type PadChoice = 'circular' | 'zero' | 'valid';

/** A parsed model spec, one variant per family. */
export type ModelSpec =
  | { family: 'fc'; width: number; depth: number; act: Activation }
  | { family: 'fwc'; channels: number; depth: number; act: Activation }
  | { family: 'lc'; k: number; channels: number; depth: number; act: Activation; padding: PadChoice }
  | { family: 'bwc'; k: number; channels: number; depth: number; act: Activation; padding: PadChoice }
  | { family: 'resnet'; depth: number }
  | { family: 'vgg'; depth: number };

const VGG_CFG: Record<number, (number | 'M')[]> = {
  11: [64, 'M', 128, 'M', 256, 256, 'M', 512, 512, 'M', 512, 512, 'M'],
  13: [64, 64, 'M', 128, 128, 'M', 256, 256, 'M', 512, 512, 'M', 512, 512, 'M'],
  16: [64, 64, 'M', 128, 128, 'M', 256, 256, 256, 'M', 512, 512, 512, 'M', 512, 512, 512, 'M'],
};

/** Options of buildModel(): input shape, class count, seed, saved weights. */
export interface BuildOptions {
  inputShape?: readonly number[];
  numClasses?: number;
  seed?: number;
  /** Saved parameters and buffers (checkpoint loading) instead of the random initialisation. */
  init?: Map<string, { shape: readonly number[]; data: ArrayLike<number> }>;
  /** Record every parameter's and buffer's shape here instead of allocating (see parameterShapes). */
  plan?: Map<string, number[]>;
}

type Step = (x: Tensor, ctx: ForwardContext | undefined, training: boolean) => Tensor;

class SequentialModel implements Classifier {
  training = false;
  constructor(
    readonly spec: string,
    readonly numClasses: number,
    readonly inputShape: readonly number[],
    private readonly store: ParamStore,
    private readonly steps: Step[],
  ) {}
  forward(x: Tensor, ctx?: ForwardContext): Tensor {
    const [C, H, W] = this.inputShape;
    if (x.rank !== 4 || x.shape[1] !== C || x.shape[2] !== H || x.shape[3] !== W) {
      throw new Error(`${this.spec}.forward: expected input [N, ${C}, ${H}, ${W}], got [${x.shape.join(', ')}]`);
    }
    let h = x;
    for (const s of this.steps) h = s(h, ctx, this.training);
    return h;
  }
  parameters(): Map<string, Tensor> {
    return new Map(this.store.params);
  }
  buffers(): Map<string, Tensor> {
    return new Map(this.store.buffers);
  }
  setTraining(on: boolean): void {
    this.training = on;
  }
  dispose(): void {
    this.store.dispose();
  }
}

function act(kind: Activation): Step {
  return (x, ctx) => {
    if (kind === 'linear') return x;
    ctx?.preActivations?.push(x);
    return relu(x);
  };
}
const reluStep: Step = act('relu');
const flattenStep: Step = (x) => reshape(x, [x.shape[0], -1]);

function linearLayer(ps: ParamStore, name: string, fin: number, fout: number): Step {
  const b = defaultBound(fin);
  const w = ps.uniform(`${name}.weight`, [fout, fin], b);
  const bias = ps.uniform(`${name}.bias`, [fout], b);
  return (x) => linear(x, w, bias);
}

function convLayer(
  ps: ParamStore,
  name: string,
  cin: number,
  cout: number,
  k: number,
  opts: Conv2dOptions,
  bias = true,
): Step {
  const b = defaultBound(cin * k * k);
  const w = ps.uniform(`${name}.weight`, [cout, cin, k, k], b);
  const bs = bias ? ps.uniform(`${name}.bias`, [cout], b) : null;
  return (x) => conv2d(x, w, bs, opts);
}

function bnLayer(ps: ParamStore, name: string, c: number): Step {
  const gamma = ps.constant(`${name}.weight`, [c], 1);
  const beta = ps.constant(`${name}.bias`, [c], 0);
  ps.buffer(`${name}.running_mean`, [c], 0);
  ps.buffer(`${name}.running_var`, [c], 1);
  return (x, _ctx, training) => {
    const state = {
      runningMean: ps.buffers.get(`${name}.running_mean`)!,
      runningVar: ps.buffers.get(`${name}.running_var`)!,
    };
    const r = batchNorm(x, gamma, beta, state, training);
    if (r.newMean && r.newVar) {
      ps.replaceBuffer(`${name}.running_mean`, r.newMean);
      ps.replaceBuffer(`${name}.running_var`, r.newVar);
    }
    return r.y;
  };
}

/**
 * 2x2 max pooling with stride 2. The gradient of each window goes to its first maximal element in
 * row-major order, as PyTorch's MaxPool2d does; a plain max would split it among tied maxima, and
 * ties are common after a ReLU (windows of zeros).
 */
export function maxPool2x2(x: Tensor): Tensor {
  const [N, C, H, W] = x.shape;
  const win = reshape(transpose(reshape(x, [N, C, H / 2, 2, W / 2, 2]), [0, 1, 2, 4, 3, 5]), [N, C, H / 2, W / 2, 4]);
  const y = noGrad(() => max(win, 4));
  return record(y, 'maxPool2x2', [win], (g) => {
    const ties = eq(win, reshape(y, [N, C, H / 2, W / 2, 1]));
    // ties before each position in its window (exclusive prefix sum): the first maximum has none
    const before = reshape(matmul(reshape(ties, [-1, 4]), tensor(STRICT_UPPER_4, [4, 4])), ties.shape);
    return [mul(mul(ties, eq(before, 0)), reshape(g, [N, C, H / 2, W / 2, 1]))];
  });
}
const STRICT_UPPER_4 = [0, 1, 1, 1, 0, 0, 1, 1, 0, 0, 0, 1, 0, 0, 0, 0];
const maxPool2: Step = (x) => maxPool2x2(x);

function padOpts(p: PadChoice, k: number): Conv2dOptions {
  if (p === 'valid') return { padding: 'valid' };
  const lo = Math.floor((k - 1) / 2),
    hi = k - 1 - lo;
  return { padding: [lo, hi, lo, hi], mode: p };
}
const outSize = (n: number, k: number, p: PadChoice): number => (p === 'valid' ? n - k + 1 : n);

function basicBlock(ps: ParamStore, name: string, cin: number, cout: number, stride: number): Step {
  const c1 = convLayer(ps, `${name}.conv1`, cin, cout, 3, { stride, padding: 1 }, false);
  const b1 = bnLayer(ps, `${name}.bn1`, cout);
  const c2 = convLayer(ps, `${name}.conv2`, cout, cout, 3, { stride: 1, padding: 1 }, false);
  const b2 = bnLayer(ps, `${name}.bn2`, cout);
  let sc: Step | null = null;
  if (stride !== 1 || cin !== cout) {
    const sconv = convLayer(ps, `${name}.shortcut.0`, cin, cout, 1, { stride, padding: 0 }, false);
    const sbn = bnLayer(ps, `${name}.shortcut.1`, cout);
    sc = (x, ctx, tr) => sbn(sconv(x, ctx, tr), ctx, tr);
  }
  return (x, ctx, tr) => {
    const h = reluStep(b1(c1(x, ctx, tr), ctx, tr), ctx, tr);
    const y = b2(c2(h, ctx, tr), ctx, tr);
    return reluStep(add(y, sc ? sc(x, ctx, tr) : x), ctx, tr);
  };
}

// ---------------------------------------------------------------- model families
// Each family is one table entry: its spec grammar, defaults, learning rate and
// builder. Adding a family = one entry here (plus its ModelSpec variant) and its tests.

/** What a family's builder gets: the parameter store, the input shape and the class count. */
interface BuildContext {
  ps: ParamStore;
  spec: string;
  inputShape: number[];
  classes: number;
}

/** One model family: its spec grammar, parser, canonical form, default learning rate and builder. */
export interface ModelFamily<S extends ModelSpec = ModelSpec> {
  /** Spec grammar, shown in help texts and errors. */
  readonly grammar: string;
  /** A spec string of this family, for examples. */
  readonly example: string;
  /** The parsed spec when `s` (lower-case) names this family, else null; `bad` throws a spec error. */
  parse(s: string, bad: (why: string) => never): S | null;
  /** The canonical spec string. */
  format(m: S): string;
  /** Default peak learning rate (paper Table 7). */
  learningRate(m: S): number;
  /** The layers, in order (each a step on the activations). */
  build(m: S, c: BuildContext): Step[];
}

type Of<F extends ModelSpec['family']> = Extract<ModelSpec, { family: F }>;
type Tokens = { nums: Record<string, number>; act: Activation; padding?: PadChoice };

/** Parse `fam[-x<n>]...[-linear|-relu][-p<mode>]`: `letters` are the allowed number tokens. */
function tokens(
  s: string,
  fam: string,
  letters: string,
  withPadding: boolean,
  bad: (why: string) => never,
): Tokens | null {
  const [head, ...toks] = s.split('-');
  if (head !== fam) return null;
  const seen = new Set<string>();
  const out: Tokens = { nums: {}, act: 'linear' };
  for (const t of toks) {
    const key = t === 'linear' || t === 'relu' ? 'act' : t[0];
    if (seen.has(key)) bad(`token '${t}' repeats '${key}'`);
    seen.add(key);
    if (t === 'linear' || t === 'relu') {
      out.act = t;
      continue;
    }
    if (t[0] === 'p') {
      const p = t.slice(1);
      if (!withPadding) bad(`padding applies to lc and bwc only`);
      if (p !== 'circular' && p !== 'zero' && p !== 'valid')
        bad(`padding must be pcircular, pzero or pvalid, got '${t}'`);
      out.padding = p as PadChoice;
      continue;
    }
    if (!letters.includes(t[0]) || !/^[a-z]\d+$/.test(t))
      bad(
        `unexpected token '${t}' for ${fam} (allowed: ${[...letters].map((c) => c + '<n>').join(', ')}, linear|relu${withPadding ? ', p<mode>' : ''})`,
      );
    out.nums[t[0]] = Number(t.slice(1));
  }
  const d = out.nums.d ?? 1;
  if (d < 0 || d > 16) bad(`depth d${d} out of range 0..16`);
  out.nums.d = d;
  for (const [k, n] of Object.entries(out.nums)) if (k !== 'd' && n < 1) bad(`${k}${n} must be at least 1`);
  return out;
}

/** `name<depth>` families (resnet18, vgg11). */
function depthOnly(s: string, name: string): number | null {
  const m = new RegExp(`^${name}(\\d+)$`).exec(s);
  return m ? Number(m[1]) : null;
}

const fc: ModelFamily<Of<'fc'>> = {
  grammar: 'fc[-w<width>][-d<hidden layers>][-linear|-relu]                 defaults w2700 d1 linear',
  example: 'fc-w2700-d1-linear',
  parse: (s, bad) => {
    const t = tokens(s, 'fc', 'wd', false, bad);
    return t && { family: 'fc', width: t.nums.w ?? 2700, depth: t.nums.d, act: t.act };
  },
  format: (m) => `fc-w${m.width}-d${m.depth}-${m.act}`,
  learningRate: () => 0.01,
  build: (m, { ps, inputShape: [C, H, W], classes }) => {
    const steps: Step[] = [flattenStep];
    let fin = C * H * W;
    for (let i = 0; i < m.depth; i++) {
      steps.push(linearLayer(ps, `hidden${i}`, fin, m.width), act(m.act));
      fin = m.width;
    }
    steps.push(linearLayer(ps, 'readout', fin, classes));
    return steps;
  },
};

const fwc: ModelFamily<Of<'fwc'>> = {
  grammar: 'fwc[-c<channels>][-d<n>][-linear|-relu]                         defaults c3 d1 linear',
  example: 'fwc-c3-d1-linear',
  parse: (s, bad) => {
    const t = tokens(s, 'fwc', 'cd', false, bad);
    return t && { family: 'fwc', channels: t.nums.c ?? 3, depth: t.nums.d, act: t.act };
  },
  format: (m) => `fwc-c${m.channels}-d${m.depth}-${m.act}`,
  learningRate: () => 0.002,
  build: (m, { ps, inputShape: [C, H, W], classes }) => {
    const steps: Step[] = [];
    let cin = C;
    for (let i = 0; i < m.depth; i++) {
      const b = defaultBound(cin * H * W);
      const w = ps.uniform(`hidden${i}.weight`, [m.channels, cin, H, W], b);
      const bias = ps.uniform(`hidden${i}.bias`, [m.channels], b);
      steps.push((x) => circConv2d(x, w, bias), act(m.act));
      cin = m.channels;
    }
    steps.push(flattenStep, linearLayer(ps, 'readout', cin * H * W, classes));
    return steps;
  },
};

const lc: ModelFamily<Of<'lc'>> = {
  grammar: 'lc[-k<k>][-c<channels>][-d<n>][-linear|-relu][-p<zero|circular|valid>]   defaults k3 c32 d1 linear pzero',
  example: 'lc-k3-c32-d1-relu',
  parse: (s, bad) => {
    const t = tokens(s, 'lc', 'kcd', true, bad);
    return (
      t && {
        family: 'lc',
        k: t.nums.k ?? 3,
        channels: t.nums.c ?? 32,
        depth: t.nums.d,
        act: t.act,
        padding: t.padding ?? 'zero',
      }
    );
  },
  format: (m) => `lc-k${m.k}-c${m.channels}-d${m.depth}-${m.act}${m.padding === 'zero' ? '' : `-p${m.padding}`}`,
  learningRate: () => 0.01,
  build: (m, { ps, spec, inputShape: [C, H, W], classes }) => {
    const steps: Step[] = [];
    let cin = C,
      h = H,
      w = W;
    for (let i = 0; i < m.depth; i++) {
      const po = padOpts(m.padding, m.k);
      const ho = outSize(h, m.k, m.padding),
        wo = outSize(w, m.k, m.padding);
      if (ho < 1 || wo < 1)
        throw new Error(`${spec}: layer ${i} has no output (input ${h}x${w}, kernel ${m.k}, valid padding)`);
      const wt = ps.uniform(`hidden${i}.weight`, [m.channels, cin, ho, wo, m.k * m.k], defaultBound(cin * m.k * m.k));
      const k = m.k;
      steps.push((x) => local2d(x, wt, [k, k], null, po), act(m.act));
      cin = m.channels;
      h = ho;
      w = wo;
    }
    steps.push(flattenStep, linearLayer(ps, 'readout', cin * h * w, classes));
    return steps;
  },
};

const bwc: ModelFamily<Of<'bwc'>> = {
  grammar:
    'bwc[-k<k>][-c<channels>][-d<n>][-linear|-relu][-p<circular|zero|valid>]  defaults k3 c32 d1 linear pcircular',
  example: 'bwc-k3-c32-d3-relu',
  parse: (s, bad) => {
    const t = tokens(s, 'bwc', 'kcd', true, bad);
    return (
      t && {
        family: 'bwc',
        k: t.nums.k ?? 3,
        channels: t.nums.c ?? 32,
        depth: t.nums.d,
        act: t.act,
        padding: t.padding ?? 'circular',
      }
    );
  },
  format: (m) => `bwc-k${m.k}-c${m.channels}-d${m.depth}-${m.act}${m.padding === 'circular' ? '' : `-p${m.padding}`}`,
  learningRate: (m) => (m.act === 'relu' ? 0.01 : 0.002),
  build: (m, { ps, spec, inputShape: [C, H, W], classes }) => {
    const steps: Step[] = [];
    let cin = C,
      h = H,
      w = W;
    for (let i = 0; i < m.depth; i++) {
      const ho = outSize(h, m.k, m.padding),
        wo = outSize(w, m.k, m.padding);
      if (ho < 1 || wo < 1)
        throw new Error(`${spec}: layer ${i} has no output (input ${h}x${w}, kernel ${m.k}, valid padding)`);
      if (m.padding === 'circular' && m.k > Math.min(h, w) + 1)
        throw new Error(`${spec}: kernel ${m.k} too large for circular padding of ${h}x${w}`);
      steps.push(convLayer(ps, `hidden${i}`, cin, m.channels, m.k, padOpts(m.padding, m.k)), act(m.act));
      cin = m.channels;
      h = ho;
      w = wo;
    }
    steps.push(flattenStep, linearLayer(ps, 'readout', cin * h * w, classes));
    return steps;
  },
};

const resnet: ModelFamily<Of<'resnet'>> = {
  grammar: 'resnet18 | resnet<6n+2> (resnet8, resnet20: the shallow CIFAR ResNets of He et al.)',
  example: 'resnet18',
  parse: (s, bad) => {
    const d = depthOnly(s, 'resnet');
    if (d === null) return null;
    if (d !== 18 && (d < 8 || (d - 2) % 6 !== 0)) bad(`resnet depth must be 18 or 6n+2 (8, 14, 20, ...), got ${d}`);
    return { family: 'resnet', depth: d };
  },
  format: (m) => `resnet${m.depth}`,
  learningRate: () => 0.01,
  build: (m, { ps, inputShape: [C], classes }) => {
    // CIFAR variants: 3x3 stem, no max-pool, BasicBlocks, global average pool, linear.
    const wide = m.depth === 18;
    const widths = wide ? [64, 128, 256, 512] : [16, 32, 64];
    const blocks = wide ? [2, 2, 2, 2] : new Array(3).fill((m.depth - 2) / 6);
    const steps: Step[] = [
      convLayer(ps, 'conv1', C, widths[0], 3, { padding: 1 }, false),
      bnLayer(ps, 'bn1', widths[0]),
      reluStep,
    ];
    let cin = widths[0];
    widths.forEach((cout, li) => {
      for (let b = 0; b < blocks[li]; b++) {
        steps.push(basicBlock(ps, `layer${li + 1}.${b}`, cin, cout, b === 0 && li > 0 ? 2 : 1));
        cin = cout;
      }
    });
    steps.push((x) => globalAvgPool(x), linearLayer(ps, 'linear', cin, classes));
    return steps;
  },
};

const vgg: ModelFamily<Of<'vgg'>> = {
  grammar: `vgg${Object.keys(VGG_CFG).join(' | vgg')} (with batch norm)`,
  example: 'vgg11',
  parse: (s, bad) => {
    const d = depthOnly(s, 'vgg');
    if (d === null) return null;
    if (!VGG_CFG[d]) bad(`vgg depth must be one of ${Object.keys(VGG_CFG).join(', ')}`);
    return { family: 'vgg', depth: d };
  },
  format: (m) => `vgg${m.depth}`,
  learningRate: () => 0.01,
  build: (m, { ps, spec, inputShape: [C, H, W], classes }) => {
    // VGG with batch norm, CIFAR style: 3x3 convs (padding 1), 2x2 max-pools, one linear read-out.
    const steps: Step[] = [];
    let cin = C,
      h = H,
      li = 0;
    for (const v of VGG_CFG[m.depth]) {
      if (v === 'M') {
        if (h % 2 !== 0 || h < 2)
          throw new Error(
            `${spec}: input ${H}x${W} cannot be halved ${VGG_CFG[m.depth].filter((x) => x === 'M').length} times`,
          );
        steps.push(maxPool2);
        h /= 2;
        li += 1;
        continue;
      }
      steps.push(
        convLayer(ps, `features.${li}`, cin, v, 3, { padding: 1 }),
        bnLayer(ps, `features.${li + 1}`, v),
        reluStep,
      );
      li += 3;
      cin = v;
    }
    steps.push((x) => globalAvgPool(x), linearLayer(ps, 'classifier', cin, classes));
    return steps;
  },
};

/** The model zoo: every family by name. */
export const MODEL_FAMILIES: { readonly [F in ModelSpec['family']]: ModelFamily<Of<F>> } = {
  fc,
  fwc,
  lc,
  bwc,
  resnet,
  vgg,
};

const familyOf = <S extends ModelSpec>(m: S): ModelFamily<S> => MODEL_FAMILIES[m.family] as unknown as ModelFamily<S>;

/** The spec grammar of every family, one line each. */
export const MODEL_GRAMMAR: string = Object.values(MODEL_FAMILIES)
  .map((f) => `  ${f.grammar}`)
  .join('\n');

/**
 * Parse a model spec string. Grammar (tokens after the family in any order, each optional):
 *   fc[-w<width>][-d<hidden layers>][-linear|-relu]                 defaults w2700 d1 linear
 *   fwc[-c<channels>][-d<n>][-linear|-relu]                         defaults c3 d1 linear
 *   lc[-k<k>][-c<channels>][-d<n>][-linear|-relu][-p<zero|circular|valid>]   defaults k3 c32 d1 linear pzero
 *   bwc[-k<k>][-c<channels>][-d<n>][-linear|-relu][-p<circular|zero|valid>]  defaults k3 c32 d1 linear pcircular
 *   resnet18 | resnet<6n+2> | vgg11 | vgg13 | vgg16
 * (MODEL_GRAMMAR holds the same, generated from MODEL_FAMILIES.)
 */
export function parseSpec(spec: string): ModelSpec {
  const s = spec.trim().toLowerCase();
  const bad = (why: string): never => {
    throw new Error(
      `model spec '${spec}': ${why}. Examples: ${Object.values(MODEL_FAMILIES)
        .map((f) => f.example)
        .join(', ')}`,
    );
  };
  for (const f of Object.values(MODEL_FAMILIES)) {
    const m = (f as ModelFamily).parse(s, bad);
    if (m) return m;
  }
  return bad(`unknown family '${s.split('-')[0]}'`);
}

/** The canonical (fully spelled-out) spec string. */
export function formatSpec(m: ModelSpec): string {
  return familyOf(m).format(m);
}

/** The default peak learning rate of a model spec (paper Table 7: 0.002 for fwc and linear bwc, else 0.01). */
export function defaultLearningRate(spec: string | ModelSpec): number {
  const m = typeof spec === 'string' ? parseSpec(spec) : spec;
  return familyOf(m).learningRate(m);
}

/** Build a model from its spec string (or parsed spec). */
export function buildModel(specIn: string | ModelSpec, opts: BuildOptions = {}): Classifier {
  const m = typeof specIn === 'string' ? parseSpec(specIn) : specIn;
  const spec = formatSpec(m);
  const inputShape = [...(opts.inputShape ?? [3, 32, 32])];
  if (inputShape.length !== 3) throw new Error(`${spec}: inputShape must be [C, H, W], got [${inputShape.join(', ')}]`);
  const classes = opts.numClasses ?? 10;
  const ps = new ParamStore(opts.seed ?? 0, opts.init, opts.plan);
  const steps = familyOf(m).build(m, { ps, spec, inputShape, classes });
  return new SequentialModel(spec, classes, inputShape, ps, steps);
}

/** The shapes of a model's parameters and buffers, by name, without allocating them. */
export function parameterShapes(
  spec: string | ModelSpec,
  opts: Omit<BuildOptions, 'init' | 'plan'> = {},
): Map<string, number[]> {
  const plan = new Map<string, number[]>();
  buildModel(spec, { ...opts, plan });
  return plan;
}

/** Number of scalar trainable parameters. */
export function countParameters(model: Classifier): number {
  let n = 0;
  for (const t of model.parameters().values()) n += t.size;
  return n;
}
