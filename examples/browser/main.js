// The lab in a browser page, bundled by Vite from the package's public exports
// (`npx vite build examples/browser`; the page needs no server-side code).
import {
  setFastestBackend,
  loadDataset,
  buildModel,
  examples,
  pgd,
  summarize,
  averageSpectrum,
  radialEnergy,
} from 'ifrlab';

async function main() {
  const backend = await setFastestBackend();
  const data = await loadDataset('synthetic:train=200,test=100');
  const model = buildModel('bwc-k3-c4-d1-relu', { inputShape: data.shape, numClasses: data.numClasses, seed: 1 });
  const { x, y } = examples(data.test, data.shape, 0, 20);
  const adv = await pgd({ model, x, labels: y }, { norm: 'l2', eps: 0.5, steps: 5 });
  const power = averageSpectrum({ data: adv.perturbation, shape: adv.shape }, { scale: 'power' });
  return {
    runtime: 'browser',
    backend: backend.name,
    success: summarize(adv).successRate,
    maxL2: Math.max(...adv.norms.l2),
    energy: [...radialEnergy(power.data, 32, 32).energy],
  };
}

const out = document.querySelector('#out');
main().then(
  (r) => {
    out.textContent = JSON.stringify(r);
    window.__example = r;
  },
  (e) => {
    out.textContent = `error: ${e.message}`;
    window.__example = { error: String(e.stack ?? e) };
  },
);
