import * as ifr from 'ifrlab';

await ifr.setFastestBackend();                                        // WebGPU, else WASM, else reference
const data = await ifr.loadDataset('synthetic:train=1000,test=200'); // CIFAR-shaped generated data
const cfg = ifr.trainConfig({ model: 'bwc-k3-c8-d1-relu', data: data.name, epochs: 3, batchSize: 50 });
const { model, log } = await ifr.train(data, cfg, ifr.memorySink());
const { x, y } = ifr.examples(data.test, data.shape, 0, 100);
const adv = await ifr.pgd({ model, x, labels: y }, { norm: 'linf', eps: 8 / 255, steps: 10 });
const s = ifr.summarize(adv);
const power = ifr.averageSpectrum({ data: adv.perturbation, shape: adv.shape }, { scale: 'power' });
const { energy } = ifr.radialEnergy(power.data, 32, 32);                // energy at |k| = 0, 1, ..., 16
console.log(JSON.stringify({ accuracy: log.bestTestAccuracy, success: s.successRate, maxLinf: s.norms.linf.max, energy: [...energy] }));
