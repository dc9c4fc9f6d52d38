// Learning curves of one or more training runs (TrainLog) as a standalone SVG:
// accuracy per epoch (test solid, train dashed; one colour per run) beside the
// training loss. `ifrlab train` rewrites DIR/curve.svg after every epoch and
// `ifrlab report` draws all the runs it is given on one figure.
import { PALETTE, grid, linePlot, type Series } from '../report/svg.ts';
import type { TrainLog } from './trainer.ts';

/** A training log with the label its curve gets. */
export interface LabelledLog {
  label: string;
  log: TrainLog;
}

/** Short default label: model spec, plus data set and seed when they differ from CIFAR-10 / 0. */
export function runLabel(log: TrainLog): string {
  const c = log.config;
  return [c.model, c.data !== 'cifar10' ? c.data : '', c.seed ? `seed ${c.seed}` : ''].filter(Boolean).join(', ');
}

/** Accuracy (test solid, train dashed) and training loss per epoch of one or more runs, as one SVG figure. */
export function learningCurveSvg(runs: LabelledLog[], title?: string): string {
  const acc: Series[] = [],
    loss: Series[] = [];
  runs.forEach(({ label, log }, k) => {
    const color = PALETTE[k % PALETTE.length];
    const h = log.history;
    acc.push({ label: `${label} test`, color, x: h.map((e) => e.epoch), y: h.map((e) => 100 * e.testAccuracy) });
    const trained = h.filter((e) => e.trainAccuracy !== null);
    acc.push({
      label: runs.length === 1 ? `${label} train` : '',
      color,
      dashed: true,
      x: trained.map((e) => e.epoch),
      y: trained.map((e) => 100 * (e.trainAccuracy as number)),
    });
    loss.push({ label: '', color, x: trained.map((e) => e.epoch), y: trained.map((e) => e.trainLoss as number) });
  });
  const accPlot = linePlot(acc, {
    title: 'accuracy (test solid, train dashed)',
    xlabel: 'epoch',
    ylabel: 'accuracy (%)',
    width: 560,
    height: 360 + 16 * Math.ceil(runs.length / 2),
  });
  const lossPlot = linePlot(loss, {
    title: 'training loss (mean over the epoch)',
    xlabel: 'epoch',
    ylabel: 'cross-entropy',
    width: 420,
    height: 360 + 16 * Math.ceil(runs.length / 2),
  });
  return grid([accPlot, lossPlot], 2, title ?? (runs.length === 1 ? runs[0].label : 'learning curves'));
}
