// The lab under Deno, through the package's public exports:
//   deno run -A examples/deno.ts     (from a checkout: 'ifrlab' resolves through package.json)
// or, with the package installed from npm, the same file with `from 'npm:ifrlab'`.
import * as ifr from 'ifrlab';
import type { Classifier } from 'ifrlab/lab';

const backend = await ifr.setBackend('wasm');
const data = await ifr.loadDataset('synthetic:train=400,test=100');
const model: Classifier = ifr.buildModel('fc-w64-d1-relu', { inputShape: data.shape, numClasses: data.numClasses });
const { x, y } = ifr.examples(data.test, data.shape, 0, 50);
const beta = ifr.saliency(model, x, { logit: 'label', labels: y }); // d logit_y / d x
const adv = await ifr.fgsm({ model, x, labels: y }, { eps: 4 / 255 });
const norms = ifr.fourierNorms({ data: adv.perturbation, shape: adv.shape }); // per example
console.log(
  JSON.stringify({
    runtime: 'deno',
    backend: backend.name,
    params: ifr.countParameters(model),
    betaShape: beta.shape,
    linf: Math.max(...adv.norms.linf),
    fourierL2: norms[0].l2,
  }),
);
backend.terminate?.(); // the WASM worker threads would keep Deno running
