// Node-only: worker_threads for the WASM thread pool. Imported dynamically, only under Node.
import { Worker } from 'node:worker_threads';
import { WORKER_MAIN, type WorkerSpawner } from './threads.ts';

export const spawnNodeWorker: WorkerSpawner = (module, memory, ctrl, names) =>
  new Promise((resolve, reject) => {
    const src = `${WORKER_MAIN}
const { parentPort, workerData } = require('node:worker_threads');
const loop = ifrlabWorkerMain(workerData.module, workerData.memory, workerData.ctrl, workerData.names);
parentPort.postMessage('ready');
loop();`;
    const w = new Worker(src, { eval: true, workerData: { module, memory, ctrl, names } });
    w.once('message', () => {
      w.unref();
      resolve({
        terminate: () => {
          void w.terminate();
        },
      });
    });
    w.once('error', (e) => reject(new Error(`wasm backend: worker failed to start: ${e.message}`)));
  });
