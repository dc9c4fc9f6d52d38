// The page: views, controls and charts. All tensor work is sent to the
// engine worker (worker.ts); this file only draws.
import 'uplot/dist/uPlot.min.css';
import './style.css';
import { LineChart, histogram } from './charts.ts';
import { imageMap, nonBlankPixels, scalarMap } from './heatmap.ts';
import { renderGraph } from './graphview.ts';
import { renderResults } from './results.ts';
import type {
  AttackResult,
  BackendChoice,
  DataInfo,
  DynamicsResult,
  FourierMapResult,
  GraphNodeView,
  InitResult,
  ProgressEvent,
  Request,
  TrainDone,
} from './protocol.ts';

const $ = <T extends HTMLElement = HTMLElement>(id: string): T => {
  const el = document.getElementById(id);
  if (!el) throw new Error(`page has no #${id}`);
  return el as T;
};
const num = (id: string): number => Number($<HTMLInputElement>(id).value);

// ---------------------------------------------------------------- worker RPC
const worker = new Worker(new URL('./worker.ts', import.meta.url), { type: 'module' });
let nextId = 1;
const pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
const listeners: ((e: { event: string } & Record<string, unknown>) => void)[] = [];
worker.onmessage = (e: MessageEvent) => {
  const m = e.data;
  if (m.memory) lab.memory = m.memory;
  if (m.id !== undefined) {
    const p = pending.get(m.id);
    pending.delete(m.id);
    if (m.ok) p?.resolve(m.result);
    else p?.reject(new Error(m.error));
  } else listeners.forEach((l) => l(m));
};
worker.onerror = (e) => {
  $('backend-why').textContent = `worker error: ${e.message}`;
};
function call<T>(req: Request, transfer: Transferable[] = []): Promise<T> {
  const id = nextId++;
  return new Promise<T>((resolve, reject) => {
    pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
    worker.postMessage({ id, req }, transfer);
  });
}

/** State the end-to-end test reads (and a console handle for users). */
const lab = {
  backend: '',
  init: null as InitResult | null,
  data: null as DataInfo | null,
  loss: [] as number[],
  trainDone: null as TrainDone | null,
  attack: null as null | {
    n: number;
    success: number;
    correct: number;
    nonBlank: number;
    meanLinf: number;
    meanL2: number;
  },
  errors: [] as string[],
  memory: null as null | { tensors: number; buffers: number; bytes: number },
  graphNodes: 0,
  minNorm: null as null | number[],
  dynamics: null as null | {
    step: number;
    legend: string[];
    adversarial: { reluChange: number[]; roughness: number[] };
    random: { reluChange: number[]; roughness: number[] };
    bars: { relu: (number | null)[][]; rough: (number | null)[][] };
  },
  results: null as null | { charts: number; tables: number; maps: number; figures: number },
};
(window as unknown as { __ifrlab: typeof lab }).__ifrlab = lab;
function fail(where: string, e: unknown, out?: HTMLElement): void {
  const msg = `${where}: ${(e as Error).message ?? e}`;
  lab.errors.push(msg);
  if (out) out.textContent = msg;
  console.error(msg);
}

// ---------------------------------------------------------------- tabs (WAI-ARIA tabs pattern)
const tabs = [...document.querySelectorAll<HTMLButtonElement>('[role=tab]')];
function showTab(t: HTMLButtonElement, focus = true): void {
  for (const o of tabs) {
    const sel = o === t;
    o.setAttribute('aria-selected', String(sel));
    o.tabIndex = sel ? 0 : -1;
    $(o.getAttribute('aria-controls')!).hidden = !sel;
  }
  if (focus) t.focus();
  history.replaceState(null, '', `${location.search}#${t.id.replace('tab-', '')}`);
  document.dispatchEvent(new CustomEvent('tabshown', { detail: t.id }));
}
tabs.forEach((t, i) => {
  t.addEventListener('click', () => showTab(t));
  t.addEventListener('keydown', (e) => {
    const k = e.key;
    const j =
      k === 'ArrowRight'
        ? (i + 1) % tabs.length
        : k === 'ArrowLeft'
          ? (i - 1 + tabs.length) % tabs.length
          : k === 'Home'
            ? 0
            : k === 'End'
              ? tabs.length - 1
              : -1;
    if (j >= 0) {
      e.preventDefault();
      showTab(tabs[j]);
    }
  });
});
const initial = tabs.find((t) => t.id === `tab-${location.hash.slice(1)}`);
if (initial) showTab(initial, false);

// ---------------------------------------------------------------- backend
const params = new URLSearchParams(location.search);
const ready = (async () => {
  const prefer = (params.get('backend') ?? 'auto') as BackendChoice;
  const r = await call<InitResult>({ op: 'init', prefer });
  lab.init = r;
  lab.backend = r.backend;
  $('backend-name').textContent = r.backend;
  const skipped = r.tried.filter((t) => t.error).map((t) => `${t.name}: ${t.error}`);
  $('backend-why').textContent = skipped.length ? `(skipped ${skipped.join('; ')})` : '';
  $('spec-list').innerHTML = r.specs.map((s) => `<option value="${s}"></option>`).join('');
  $('attack-kind').innerHTML = r.attacks.map((a) => `<option value="${a}">${a}</option>`).join('');
  document.body.dataset.backend = r.backend;
  const soft = r.tried.find((t) => t.name === r.backend)?.software;
  if (soft) $('backend-why').textContent = `(software adapter) ${$('backend-why').textContent}`;
  $<HTMLSelectElement>('backend-pick').value = params.get('backend') ?? 'auto';
  return r;
})().catch((e) => {
  fail('backend', e, $('backend-name'));
  throw e;
});

$<HTMLSelectElement>('backend-pick').addEventListener('change', (e) => {
  const v = (e.target as HTMLSelectElement).value;
  const u = new URL(location.href);
  if (v === 'auto') u.searchParams.delete('backend');
  else u.searchParams.set('backend', v);
  location.href = u.toString();
});

// ---------------------------------------------------------------- data
const source = $<HTMLSelectElement>('data-source');
const drop = $('drop-zone'),
  fileInput = $<HTMLInputElement>('data-files');
let dropped: File[] = [];
source.addEventListener('change', () => {
  drop.hidden = source.value !== 'files';
  $('data-url-label').hidden = source.value !== 'url';
});
drop.addEventListener('keydown', (e) => {
  if (e.key === 'Enter' || e.key === ' ') {
    e.preventDefault();
    fileInput.click();
  }
});
drop.addEventListener('click', () => fileInput.click());
drop.addEventListener('dragover', (e) => {
  e.preventDefault();
  drop.classList.add('over');
});
drop.addEventListener('dragleave', () => drop.classList.remove('over'));
drop.addEventListener('drop', (e) => {
  e.preventDefault();
  drop.classList.remove('over');
  dropped = [...(e.dataTransfer?.files ?? [])];
  $('data-info').textContent =
    `${dropped.length} file(s): ${dropped.map((f) => f.name).join(', ')}. Press "Load data".`;
});
fileInput.addEventListener('change', () => {
  dropped = [...(fileInput.files ?? [])];
  $('data-info').textContent = `${dropped.length} file(s) picked. Press "Load data".`;
});

async function loadData(): Promise<DataInfo> {
  await ready;
  const n = num('data-n');
  let info: DataInfo;
  $('data-info').textContent = 'loading…';
  if (source.value === 'synthetic')
    info = await call<DataInfo>({ op: 'loadData', source: 'synthetic', n, seed: num('seed') });
  else {
    let files: { name: string; bytes: Uint8Array }[];
    if (source.value === 'files') {
      if (!dropped.length) throw new Error('drop or pick CIFAR-10 / MNIST files first');
      files = await Promise.all(
        dropped.map(async (f) => ({ name: f.name, bytes: new Uint8Array(await f.arrayBuffer()) })),
      );
    } else {
      const urls = $<HTMLInputElement>('data-url')
        .value.split(',')
        .map((s) => s.trim())
        .filter(Boolean);
      if (!urls.length) throw new Error('enter the URL of a CIFAR-10 batch or of an MNIST images and a labels file');
      files = await Promise.all(
        urls.map(async (u) => {
          const r = await fetch(u);
          if (!r.ok) throw new Error(`GET ${u}: HTTP ${r.status}`);
          return { name: u, bytes: new Uint8Array(await r.arrayBuffer()) };
        }),
      );
    }
    info = await call<DataInfo>(
      { op: 'loadData', source: 'files', n, files },
      files.map((f) => f.bytes.buffer as ArrayBuffer),
    );
  }
  lab.data = info;
  $('data-info').textContent =
    `${info.name}: ${info.train} training + ${info.test} held-out images of [${info.shape.join('×')}]; training images per class ${info.classes.join(' ')}`;
  return info;
}
$('data-load').addEventListener('click', () => loadData().catch((e) => fail('data', e, $('data-info'))));

// ---------------------------------------------------------------- train
const lossChart = new LineChart($('chart-loss'), {
  title: 'Loss',
  x: 'training step',
  y: 'cross-entropy (nats)',
  series: [
    { label: 'train batch', color: '#2457c5' },
    { label: 'held out', color: '#c53b24', points: true },
  ],
});
const accChart = new LineChart($('chart-acc'), {
  title: 'Accuracy',
  x: 'training step',
  y: 'accuracy (fraction)',
  series: [
    { label: 'train batch', color: '#2457c5' },
    { label: 'held out', color: '#c53b24', points: true },
  ],
});
const btnStart = $<HTMLButtonElement>('train-start'),
  btnPause = $<HTMLButtonElement>('train-pause'),
  btnStop = $<HTMLButtonElement>('train-stop'),
  btnSave = $<HTMLButtonElement>('ckpt-save');
let isPaused = false;
let checkpointSteps: number[] = [];

listeners.push((m) => {
  if (m.event === 'progress') {
    const p = m as unknown as ProgressEvent;
    lab.loss.push(p.loss);
    lossChart.push(p.step, [p.loss, p.testLoss]);
    accChart.push(p.step, [p.acc, p.testAcc]);
    $('train-status').textContent =
      `step ${p.step}: loss ${p.loss.toFixed(4)}, batch accuracy ${(100 * p.acc).toFixed(1)}%${p.testAcc !== undefined ? `, held-out ${(100 * p.testAcc).toFixed(1)}%` : ''}; ${p.checkpoints} checkpoint(s)`;
  }
});

btnStart.addEventListener('click', async () => {
  try {
    if (!lab.data) await loadData();
    lab.loss = [];
    lab.trainDone = null;
    lossChart.clear();
    accChart.clear();
    btnStart.disabled = true;
    btnPause.disabled = false;
    btnStop.disabled = false;
    isPaused = false;
    btnPause.textContent = 'Pause';
    $('train-status').textContent = `training ${$<HTMLInputElement>('model-spec').value} on ${lab.backend}…`;
    const done = await call<TrainDone>({
      op: 'train',
      spec: $<HTMLInputElement>('model-spec').value.trim(),
      lr: num('lr'),
      momentum: num('momentum'),
      batch: num('batch'),
      steps: num('steps'),
      checkpointEvery: num('ckpt-every'),
      seed: num('seed'),
    });
    lab.trainDone = done;
    checkpointSteps = done.checkpoints.map((c) => c.step);
    updateSlider();
    if (done.reason === 'error') fail('train', new Error(done.error), $('train-status'));
    else
      $('train-status').textContent +=
        ` — ${done.reason} after ${done.steps} steps (${done.parameters.toLocaleString('en')} parameters, ${done.checkpoints.length} checkpoints)`;
    btnSave.disabled = false;
  } catch (e) {
    fail('train', e, $('train-status'));
  }
  btnStart.disabled = false;
  btnPause.disabled = true;
  btnStop.disabled = true;
});
btnPause.addEventListener('click', async () => {
  isPaused = !isPaused;
  await call({ op: isPaused ? 'pause' : 'resume' });
  btnPause.textContent = isPaused ? 'Resume' : 'Pause';
  if (isPaused) $('train-status').textContent += ' (paused)';
});
btnStop.addEventListener('click', () => void call({ op: 'stop' }));
btnSave.addEventListener('click', async () => {
  try {
    const { bytes, name } = await call<{ bytes: Uint8Array; name: string }>({ op: 'saveCheckpoint' });
    const a = document.createElement('a');
    a.href = URL.createObjectURL(new Blob([bytes as BlobPart], { type: 'application/octet-stream' }));
    a.download = name;
    a.click();
    setTimeout(() => URL.revokeObjectURL(a.href), 10_000);
  } catch (e) {
    fail('save', e, $('train-status'));
  }
});
$<HTMLInputElement>('ckpt-load').addEventListener('change', async (e) => {
  const fs = [...((e.target as HTMLInputElement).files ?? [])];
  if (!fs.length) return;
  try {
    if (!lab.data) await loadData();
    const files = await Promise.all(
      fs.map(async (f) => ({ name: f.name, bytes: new Uint8Array(await f.arrayBuffer()) })),
    );
    const r = await call<{ spec: string; tensors: number; step: number }>({ op: 'loadCheckpoint', files });
    $<HTMLInputElement>('model-spec').value = r.spec;
    $('train-status').textContent =
      `loaded ${fs.map((f) => f.name).join(' + ')}: ${r.spec}, ${r.tensors} tensors, step ${r.step}`;
    btnSave.disabled = false;
    checkpointSteps = [r.step];
    updateSlider();
  } catch (err) {
    fail('load checkpoint', err, $('train-status'));
  }
});

// the spec is checked as it is typed: its canonical form and the paper's learning rate for it
const specInput = $<HTMLInputElement>('model-spec');
async function checkSpec(): Promise<void> {
  try {
    const r = await call<{ canonical: string; lr: number }>({ op: 'specInfo', spec: specInput.value });
    $('spec-hint').textContent = `${r.canonical}; paper learning rate ${r.lr}`;
    specInput.setCustomValidity('');
  } catch (e) {
    $('spec-hint').textContent = (e as Error).message;
    specInput.setCustomValidity((e as Error).message);
  }
}
specInput.addEventListener('change', () => void checkSpec());
void ready.then(checkSpec);

// ---------------------------------------------------------------- attack
const radialChart = new LineChart($('chart-radial'), {
  title: 'Radial energy',
  x: 'radial frequency k_r (cycles / image)',
  y: 'Σ|F|² (a.u., log)',
  logY: true,
  series: [
    { label: 'δ', color: '#c53b24' },
    { label: 'β', color: '#2457c5' },
    { label: 'x', color: '#888', dash: [4, 4] },
  ],
});
const angularChart = new LineChart($('chart-angular'), {
  title: 'Angular energy',
  x: 'frequency angle φ (degrees)',
  y: 'Σ|F|² (a.u., log)',
  logY: true,
  series: [
    { label: 'δ', color: '#c53b24' },
    { label: 'β', color: '#2457c5' },
    { label: 'x', color: '#888', dash: [4, 4] },
  ],
});
let lastAttack: AttackResult | null = null;
const SPEC_NOTE = 'ln |F(k)| of the grey image (unitary DFT), DC centred; axes k_x →, k_y ↓ in cycles / image';
function drawAttack(): void {
  const r = lastAttack;
  if (!r) return;
  const i = Math.min(r.n - 1, Math.max(0, num('attack-index')));
  const avg = $<HTMLInputElement>('attack-avg').checked;
  const im = r.images[i],
    sp = avg ? r.average : r.spectra[i];
  const imgs = $('attack-images'),
    specs = $('attack-spectra');
  imgs.replaceChildren(
    imageMap(`image x #${i}`, 'attack-img-x', im.x, false, 'pixel values in [0, 1]'),
    imageMap('adversarial x + δ', 'attack-img-xadv', im.xadv, false, 'pixel values in [0, 1]'),
    imageMap('perturbation δ', 'attack-img-delta', im.delta, true, 'channel mean of δ (pixel units)'),
    imageMap('saliency β = ∂max logit/∂x', 'attack-img-beta', im.beta, true, 'channel mean of β (logit / pixel unit)'),
  );
  specs.replaceChildren(
    scalarMap(`spectrum of x${avg ? ' (mean of ln over batch)' : ''}`, 'attack-spec-x', sp.x, SPEC_NOTE),
    scalarMap('spectrum of x + δ', 'attack-spec-xadv', sp.xadv, SPEC_NOTE),
    scalarMap('spectrum of δ', 'attack-spec-delta', sp.delta, SPEC_NOTE),
    scalarMap('spectrum of β', 'attack-spec-beta', sp.beta, SPEC_NOTE),
  );
  const rad = avg ? r.radialAvg : r.radial[i],
    ang = avg ? r.angularAvg : r.angular[i];
  const pos = (a: number[]): (number | null)[] => a.map((v) => (v > 0 ? v : null));
  radialChart.set(rad.k, [pos(rad.delta), pos(rad.beta), pos(rad.x)]);
  angularChart.set(ang.deg, [pos(ang.delta), pos(ang.beta), pos(ang.x)]);
}
$('attack-run').addEventListener('click', async () => {
  const info = $('attack-info');
  try {
    info.textContent = 'attacking…';
    const t0 = performance.now();
    const r = await call<AttackResult>({
      op: 'attack',
      attack: $<HTMLSelectElement>('attack-kind').value,
      eps: num('attack-eps'),
      steps: num('attack-steps'),
      rel: num('attack-rel'),
      batch: num('attack-batch'),
    });
    lastAttack = r;
    $<HTMLInputElement>('attack-index').max = String(r.n - 1);
    drawAttack();
    const nonBlank = nonBlankPixels($<HTMLCanvasElement>('attack-spec-delta'));
    lab.attack = { n: r.n, success: r.success, correct: r.correct, nonBlank, meanLinf: r.meanLinf, meanL2: r.meanL2 };
    info.textContent = `${r.attack}: ${r.n} held-out images, ${r.correct} classified correctly, attack succeeded on ${r.success} of them; mean ‖δ‖∞ ${r.meanLinf.toFixed(4)}, mean ‖δ‖₂ ${r.meanL2.toFixed(3)} (${((performance.now() - t0) / 1000).toFixed(1)} s on ${lab.backend})`;
  } catch (e) {
    fail('attack', e, info);
  }
});
$('attack-index').addEventListener('input', drawAttack);
// each held-out image perturbed along every 2-D Fourier basis image (cos phase, random sign per channel), clipped to [0, 1]
$('fmap-run').addEventListener('click', async () => {
  const info = $('fmap-info');
  try {
    info.textContent = 'perturbing along every frequency…';
    const t0 = performance.now();
    const r = await call<FourierMapResult>({ op: 'fourierMap', eps: num('fmap-eps'), n: num('fmap-n') });
    const note = 'centred frequencies: (0, 0) in the middle, k_y down, k_x right';
    $('fmap-maps').replaceChildren(
      scalarMap(`error rate, ‖δ_c‖₂ = ${r.eps}`, 'fmap-error', r.error, note, [0, 1]),
      scalarMap('mean ‖Δ logits‖₂', 'fmap-logit', r.logit, note),
    );
    info.textContent = `${r.n} held-out images, clean error ${(100 * r.cleanError).toFixed(1)}% (${((performance.now() - t0) / 1000).toFixed(1)} s on ${lab.backend})`;
  } catch (e) {
    fail('fourier map', e, info);
  }
});
$('attack-avg').addEventListener('change', drawAttack);

// ---------------------------------------------------------------- dynamics
const slider = $<HTMLInputElement>('dyn-slider');
const minNormChart = new LineChart($('chart-minnorm'), {
  title: 'Minimal adversarial norm',
  x: 'training step',
  y: 'median min ‖δ‖ (pixel units)',
  series: [{ label: 'median', color: '#2457c5', points: true }],
});
// adversarial direction against the random-direction baseline of the same norm (the paper's contrast)
const DYN_SERIES = [
  { label: 'adversarial δ', color: '#d62728' },
  { label: 'random, same ‖·‖₂', color: '#1f77b4' },
];
const reluChart = new LineChart($('chart-relu'), {
  title: 'ReLU state changes',
  x: 'fraction of ReLU units changed',
  y: 'images (count)',
  bars: true,
  series: DYN_SERIES,
});
const roughChart = new LineChart($('chart-rough'), {
  title: 'Roughness of the logits',
  x: 'roughness (logit units)',
  y: 'images (count)',
  bars: true,
  series: DYN_SERIES,
});
function updateSlider(): void {
  slider.max = String(Math.max(0, checkpointSteps.length - 1));
  slider.value = slider.max;
  $('dyn-label').textContent = checkpointSteps.length
    ? `checkpoint ${slider.value} (step ${checkpointSteps[+slider.value]})`
    : 'none yet: train first';
}
let dynTimer = 0;
slider.addEventListener('input', () => {
  $('dyn-label').textContent = `checkpoint ${slider.value} (step ${checkpointSteps[+slider.value]})`;
  clearTimeout(dynTimer);
  dynTimer = window.setTimeout(drawDynamics, 150);
});
let dynShown = '';
document.addEventListener('tabshown', (e) => {
  // opening the view draws the selected checkpoint once (later: on slider moves)
  const key = `${checkpointSteps.join()}@${slider.value}`;
  if ((e as CustomEvent).detail === 'tab-dynamics' && checkpointSteps.length && dynShown !== key) void drawDynamics();
});
async function drawDynamics(): Promise<void> {
  dynShown = `${checkpointSteps.join()}@${slider.value}`;
  try {
    $('dyn-info').textContent = 'computing…';
    const r = await call<DynamicsResult>({
      op: 'dynamics',
      index: +slider.value,
      attack: $<HTMLSelectElement>('attack-kind').value || 'pgd-linf',
      eps: num('attack-eps'),
      steps: num('attack-steps'),
      rel: num('attack-rel'),
    });
    $('dyn-maps').replaceChildren(
      scalarMap(
        `β spectrum at step ${r.step}`,
        'dyn-spec-beta',
        r.betaSpec,
        SPEC_NOTE + '; mean over 16 training images',
      ),
      scalarMap(
        `δ spectrum at step ${r.step}`,
        'dyn-spec-delta',
        r.deltaSpec,
        SPEC_NOTE + '; mean over 16 training images',
      ),
    );
    const h1 = histogram([r.reluChange, r.random.reluChange], 8),
      h2 = histogram([r.roughness, r.random.roughness], 8);
    reluChart.set(h1.centres, h1.counts);
    roughChart.set(h2.centres, h2.counts);
    const mean = (v: number[]): number => v.reduce((a, b) => a + b, 0) / Math.max(v.length, 1);
    lab.dynamics = {
      step: r.step,
      legend: roughChart.plot.series.slice(1).map((s) => String(s.label)),
      adversarial: { reluChange: r.reluChange, roughness: r.roughness },
      random: r.random,
      bars: { relu: [0, 1].map((i) => reluChart.series(i)), rough: [0, 1].map((i) => roughChart.series(i)) },
    };
    $('dyn-info').textContent =
      `step ${r.step}: mean roughness adversarial ${mean(r.roughness).toPrecision(3)} vs random ${mean(r.random.roughness).toPrecision(3)}; ReLU changes ${mean(r.reluChange).toPrecision(3)} vs ${mean(r.random.reluChange).toPrecision(3)}; ${r.reluUnits} ReLU units per path point; attack ${$<HTMLSelectElement>('attack-kind').value} ε=${num('attack-eps')}`;
  } catch (e) {
    fail('dynamics', e, $('dyn-info'));
  }
}
$('dyn-all').addEventListener('click', async () => {
  try {
    $('dyn-info').textContent = 'bisecting the budget at every checkpoint…';
    const r = await call<{ steps: number[]; median: number[]; n: number[]; norm: string }>({
      op: 'minNormCurve',
      attack: $<HTMLSelectElement>('attack-kind').value || 'pgd-linf',
      steps: num('attack-steps'),
      rel: num('attack-rel'),
    });
    lab.minNorm = r.median;
    minNormChart.set(r.steps, [r.median.map((v) => (Number.isFinite(v) ? v : null))]);
    $('dyn-info').textContent =
      `minimal ${r.norm} norms over ${r.steps.length} checkpoints (images with an adversarial found, per checkpoint: ${r.n.join(' ')})`;
  } catch (e) {
    fail('min-norm', e, $('dyn-info'));
  }
});

// ---------------------------------------------------------------- gradient paths
$('graph-run').addEventListener('click', async () => {
  try {
    const nodes = await call<GraphNodeView[]>({ op: 'graph', n: num('graph-n') });
    renderGraph($('graph-view'), $('graph-detail'), nodes);
    lab.graphNodes = nodes.length;
  } catch (e) {
    fail('graph', e, $('graph-detail'));
  }
});

// ---------------------------------------------------------------- results
async function openResults(name: string, text: string, figures: Map<string, string>): Promise<void> {
  try {
    const json = JSON.parse(text);
    lab.results = renderResults($('results-view'), json, name, figures);
    $('results-info').textContent =
      `${name}: ${lab.results.figures} figure(s), ${lab.results.charts} chart(s), ${lab.results.tables} table(s), ${lab.results.maps} map(s)`;
  } catch (e) {
    fail('results', e, $('results-info'));
  }
}
$<HTMLInputElement>('results-file').addEventListener('change', async (e) => {
  const fs = [...((e.target as HTMLInputElement).files ?? [])];
  const j = fs.find((f) => f.name.endsWith('.json'));
  if (!j) {
    $('results-info').textContent = 'pick a result.json (and, optionally, its figure files)';
    return;
  }
  const figs = new Map(fs.filter((f) => f !== j).map((f) => [f.name, URL.createObjectURL(f)]));
  await openResults(j.name, await j.text(), figs);
});
// ?results=URL of a served result.json: its figures are fetched from beside it
const resultsUrl = params.get('results');
if (resultsUrl) {
  fetch(resultsUrl)
    .then(async (r) => {
      if (!r.ok) throw new Error(`GET ${resultsUrl}: HTTP ${r.status}`);
      const text = await r.text();
      const base = new URL(resultsUrl, location.href);
      const figs = new Map<string, string>(
        ((JSON.parse(text).figures ?? []) as { file: string }[]).map((f) => [f.file, new URL(f.file, base).toString()]),
      );
      await openResults(resultsUrl, text, figs);
    })
    .catch((e) => fail('results', e, $('results-info')));
}
