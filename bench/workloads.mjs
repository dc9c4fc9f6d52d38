// Benchmark workloads, written against the public ops (dist/src/index.js) so that
// every backend (reference, wasm, webgpu, ...) runs the same code. Each workload
// builds its tensors on the given backend and returns { step, dispose }: one
// call of step() is one unit of work, `per` units of `unit` (e.g. 128 examples).
// Models are built inline here so the bench does not depend on the zoo's choices
// (except ResNet18, taken from the zoo): FC linear 3072-2700-10, FC ReLU, BWC1 (conv 3->32 3x3
// circular pad 1 + ReLU + linear), BWC3 (three such convs), FWC (full-width
// circular conv 3->3 through the FFT + linear); softmax cross-entropy; SGD with
// momentum 0.9, lr 0.01 (in-place sgdStep kernel).

const zoo = await import(new URL('../dist/src/lab/nn/models.js', import.meta.url).href);

/** Deterministic data: uniform in [lo, hi). */
function data(T, n, seed, lo = -1, hi = 1) {
  const u = T.uniformArray(n, seed);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = lo + (hi - lo) * u[i];
  return out;
}
const param = (T, be, shape, seed, scale) =>
  T.tensor(
    data(
      T,
      shape.reduce((a, b) => a * b, 1),
      seed,
      -scale,
      scale,
    ),
    shape,
    be,
  );
const labelsFor = (n) => Array.from({ length: n }, (_, i) => (i * 7) % 10);

function sgemm(T, be, m, k, n, transA, transB) {
  const A = T.tensor(data(T, m * k, 1), transA ? [k, m] : [m, k], be);
  const B = T.tensor(data(T, k * n, 2), transB ? [n, k] : [k, n], be);
  return {
    step: () => T.matmul(A, B, { transA, transB }).dispose(),
    dispose: () => {
      A.dispose();
      B.dispose();
    },
  };
}

/** Models: { params, forward(x) }. */
const models = {
  fc_linear(T, be) {
    const p = [
      param(T, be, [2700, 3072], 11, 0.018),
      param(T, be, [2700], 12, 0.01),
      param(T, be, [10, 2700], 13, 0.019),
      param(T, be, [10], 14, 0.01),
    ];
    return { params: p, forward: (x, [w1, b1, w2, b2]) => T.linear(T.linear(T.flatten(x), w1, b1), w2, b2) };
  },
  fc_relu(T, be) {
    const m = models.fc_linear(T, be);
    return {
      params: m.params,
      forward: (x, [w1, b1, w2, b2]) => T.linear(T.relu(T.linear(T.flatten(x), w1, b1)), w2, b2),
    };
  },
  bwc(T, be, layers) {
    const p = [];
    for (let l = 0; l < layers; l++) {
      const c = l === 0 ? 3 : 32;
      p.push(param(T, be, [32, c, 3, 3], 20 + l, 1 / Math.sqrt(c * 9)), param(T, be, [32], 40 + l, 0.01));
    }
    p.push(param(T, be, [10, 32 * 32 * 32], 60, 0.005), param(T, be, [10], 61, 0.01));
    return {
      params: p,
      forward: (x, ps) => {
        let h = x;
        for (let l = 0; l < layers; l++)
          h = T.relu(T.conv2d(h, ps[2 * l], ps[2 * l + 1], { padding: 1, mode: 'circular' }));
        return T.linear(T.flatten(h), ps[2 * layers], ps[2 * layers + 1]);
      },
    };
  },
  /** A zoo model (src/lab/nn), e.g. resnet18, built on be. */
  zoo(T, be, spec) {
    T.engine.setBackend(be);
    const m = zoo.buildModel(spec, { seed: 1 });
    return {
      params: [...m.parameters().values()],
      forward: (x) => m.forward(x),
      setTraining: (on) => m.setTraining(on),
      dispose: () => m.dispose(),
    };
  },
  fwc(T, be) {
    const p = [
      param(T, be, [3, 3, 32, 32], 70, 1 / Math.sqrt(3 * 1024)),
      param(T, be, [3], 71, 0.01),
      param(T, be, [10, 3072], 72, 0.018),
      param(T, be, [10], 73, 0.01),
    ];
    return { params: p, forward: (x, [w, b, w2, b2]) => T.linear(T.flatten(T.circConv2d(x, w, b)), w2, b2) };
  },
};

const disposeModel = (m) => (m.dispose ? m.dispose() : m.params.forEach((t) => t.dispose()));

/** One SGD-momentum training step (forward, CE, backward, update). */
function trainStep(T, be, model, batch) {
  const x = T.tensor(data(T, batch * 3072, 5, 0, 1), [batch, 3, 32, 32], be);
  const y = labelsFor(batch);
  const vel = model.params.map((p) => T.full(p.shape, 0, be));
  for (const p of model.params) p.requiresGrad = true;
  model.setTraining?.(true);
  return {
    step: () =>
      T.tidy(() => {
        const loss = T.crossEntropy(model.forward(x, model.params), y);
        const grads = T.backward(loss, { targets: model.params }); // as the trainer does
        model.params.forEach((p, i) => be.sgdStep(p.buffer, grads.get(p).buffer, vel[i].buffer, 0.01, 0.9, 0, false));
      }),
    dispose: () => {
      [x, ...vel].forEach((t) => t.dispose());
      disposeModel(model);
    },
  };
}

/**
 * One L-infinity PGD step on the input: x <- clip(x + a sign(g), x0 +- eps, [0,1]). The
 * weights require gradients, as a trained model's do in `ifrlab attack`; backward with
 * targets [x] prunes their gradient kernels away unless prune is false (the _unpruned rows).
 */
function pgdStep(T, be, model, batch, prune = true) {
  const x0 = T.tensor(data(T, batch * 3072, 6, 0, 1), [batch, 3, 32, 32], be);
  const y = labelsFor(batch);
  const eps = 8 / 255,
    alpha = 2 / 255;
  let x = T.add(x0, 0);
  const lo = T.sub(x0, eps),
    hi = T.add(x0, eps);
  for (const p of model.params) p.requiresGrad = true;
  return {
    step: () => {
      const next = T.tidy(() => {
        const xl = T.detach(x);
        xl.requiresGrad = true;
        const loss = T.crossEntropy(model.forward(xl, model.params), y);
        const g = T.backward(loss, { targets: [xl], prune }).get(xl);
        return T.clamp(T.minimum(T.maximum(T.add(x, T.mul(T.sign(g), alpha)), lo), hi), 0, 1);
      });
      x.dispose();
      x = next;
    },
    dispose: () => {
      [x0, x, lo, hi].forEach((t) => t.dispose());
      disposeModel(model);
    },
  };
}

/** A PGD workload and its unpruned twin (same model, full backward), measured side by side. */
function pgd(name, batch, refBatch, model) {
  return [
    { name, unit: 'image-steps/s', batch, refBatch, make: (T, be, b) => pgdStep(T, be, model(T, be), b, true) },
    {
      name: `${name}_unpruned`,
      unit: 'image-steps/s',
      batch,
      refBatch,
      make: (T, be, b) => pgdStep(T, be, model(T, be), b, false),
    },
  ];
}

/**
 * The workload list. `per` = units per step, `flop` = FLOPs per step for GFLOP/s,
 * refBatch = the smaller batch used on the (slow) reference backend; rates are per example.
 */
export const workloads = [
  {
    name: 'sgemm_1024',
    unit: 'GFLOP/s',
    flop: 2 * 1024 ** 3,
    make: (T, be) => sgemm(T, be, 1024, 1024, 1024, false, false),
  },
  {
    name: 'sgemm_128x3072x2700',
    unit: 'GFLOP/s',
    flop: 2 * 128 * 3072 * 2700,
    note: 'x W^T (FC forward)',
    make: (T, be) => sgemm(T, be, 128, 3072, 2700, false, true),
  },
  {
    name: 'sgemm_3072x128x2700',
    unit: 'GFLOP/s',
    flop: 2 * 128 * 3072 * 2700,
    note: 'X^T dY (weight gradient)',
    make: (T, be) => sgemm(T, be, 3072, 128, 2700, true, false),
  },
  {
    name: 'sgemm_128x2700x3072',
    unit: 'GFLOP/s',
    flop: 2 * 128 * 3072 * 2700,
    note: 'dY W (input gradient)',
    make: (T, be) => sgemm(T, be, 128, 2700, 3072, false, false),
  },
  {
    name: 'train_fc_linear',
    unit: 'examples/s',
    batch: 128,
    refBatch: 16,
    make: (T, be, b) => trainStep(T, be, models.fc_linear(T, be), b),
  },
  {
    name: 'train_bwc1',
    unit: 'examples/s',
    batch: 128,
    refBatch: 4,
    make: (T, be, b) => trainStep(T, be, models.bwc(T, be, 1), b),
  },
  {
    name: 'train_bwc3',
    unit: 'examples/s',
    batch: 128,
    refBatch: 1,
    make: (T, be, b) => trainStep(T, be, models.bwc(T, be, 3), b),
  },
  {
    name: 'train_fwc',
    unit: 'examples/s',
    batch: 128,
    refBatch: 8,
    make: (T, be, b) => trainStep(T, be, models.fwc(T, be), b),
  },
  {
    name: 'train_resnet18',
    unit: 'examples/s',
    batch: 32,
    refBatch: 1,
    make: (T, be, b) => trainStep(T, be, models.zoo(T, be, 'resnet18'), b),
  },
  ...pgd('pgd_fc_relu', 128, 16, (T, be) => models.fc_relu(T, be)),
  ...pgd('pgd_bwc1', 128, 4, (T, be) => models.bwc(T, be, 1)),
  ...pgd('pgd_bwc3', 128, 1, (T, be) => models.bwc(T, be, 3)),
  ...pgd('pgd_resnet18', 32, 1, (T, be) => models.zoo(T, be, 'resnet18')),
  {
    name: 'fft2_32',
    unit: 'FFT2/s',
    batch: 384,
    refBatch: 384,
    note: '32x32 complex, batch 128x3',
    make: (T, be, b) => {
      const x = T.tensor(data(T, b * 32 * 32 * 2, 9), [b, 32, 32, 2], be);
      return { step: () => T.fft2(x).dispose(), dispose: () => x.dispose() };
    },
  },
];
