// The paper's numbers, copied from its text (../shared/paper/000_cab4fc4071eaca4c.txt),
// keyed by model family / depth / activation, for side-by-side reports, with where
// each item is in the paper. The stored text has no page numbers, so SOURCES gives the
// section (main text or Appendix A/B) and the line of the stored text.

/** Where each quantitative item is: section of the paper and line in 000_cab4fc4071eaca4c.txt. */
export const SOURCES: Record<string, { where: string; line: number; what: string }> = {
  'Table 1': {
    where: 'Sec. 4.2.1',
    line: 542,
    what: 'Spearman correlation of beta_hat and delta_hat (PGD Linf), 7 families, linear and nonlinear',
  },
  'Table 2': { where: 'Sec. 4.2.2', line: 601, what: 'steganography: test accuracy, mean ± std over 5 trials' },
  'Table 3': {
    where: 'Appendix A',
    line: 786,
    what: 'Fourier norms of delta_hat and beta_hat, linear models (mean ± std over images)',
  },
  'Table 4': { where: 'Appendix A', line: 798, what: 'Fourier norms of delta_hat, nonlinear models' },
  'Table 6': { where: 'Appendix B.2', line: 826, what: 'test accuracy of the trained models' },
  'Fig 2': {
    where: 'Sec. 4.1.1',
    line: 282,
    what: 'ReLU changes and roughness along adversarial vs random directions, initial and final ResNet18',
  },
  'Fig 3': {
    where: 'Sec. 4.1.1-4.1.2',
    line: 486,
    what: 'minimal perturbation norms (top) and spectra (bottom) over training, ResNet18',
  },
  'Fig 4': { where: 'Sec. 4.1.2', line: 495, what: 'radial and angular energy of delta_hat over training' },
  'Fig 5': {
    where: 'Sec. 4.2.1',
    line: 537,
    what: 'average spectra of delta_hat and beta_hat, FC, FWC, LC, BWC (PGD Linf)',
  },
  'Fig 6': { where: 'Appendix A', line: 727, what: 'roughness at epochs 0, 5, 10, 20, 25, 40' },
  'Fig 7': { where: 'Appendix A', line: 734, what: 'fraction of ReLU changes at epochs 0, 5, 10, 20, 25, 40' },
  'Fig 8': {
    where: 'Appendix A',
    line: 744,
    what: 'adversarial spectra on MNIST (a) and CIFAR-100 (b, c); "no difference between MNIST models"',
  },
};

/** The claims the reproduction gives a verdict (issue 17), with the paper's wording and where it is. */
export const CLAIMS: Record<string, { text: string; source: string }> = {
  C1: {
    text: 'adversarial directions become rougher and cross more ReLU boundaries than random ones during training',
    source: 'Fig 2, 6, 7 (Sec. 4.1.1, line 361)',
  },
  C2: { text: 'minimal adversarial norms fall during training', source: 'Fig 3 top (Sec. 4.1.1, line 383)' },
  C3: {
    text: 'perturbation spectra move from low to high frequency during training',
    source: 'Fig 3 bottom, Fig 4 (Sec. 4.1.2, line 412)',
  },
  C4: {
    text: '||beta_hat||_1 of full-width conv < fully connected, linear models',
    source: 'Table 3, Fig 11 (Sec. 4.2.1, line 519)',
  },
  C5: {
    text: 'bounded-width conv perturbations carry the most high-frequency energy',
    source: 'Fig 5, 10 (Sec. 4.2.1, line 524)',
  },
  C6: {
    text: 'beta_hat and delta_hat are positively correlated',
    source: 'Table 1, Remark 4 (Sec. 3, line 263; Sec. 4.2.1, line 542)',
  },
  C7: {
    text: 'steganography: conv models exploit the sparse Fourier signal, FC models do not',
    source: 'Table 2 (Sec. 4.2.2, line 665)',
  },
  C8: { text: 'MNIST shows no difference between the model families', source: 'Fig 8a (Sec. 5, line 694)' },
};

/** One row of the paper's norm tables (Tables 3, 4): ||delta_hat||_2, ||delta_hat||_1 and, where given, ||beta_hat||_2, ||beta_hat||_1, each as [mean, std]. */
export interface NormRow {
  d2: [number, number];
  d1: [number, number];
  b2?: [number, number];
  b1?: [number, number];
}

/** Table 1: Spearman correlation of beta_hat and delta_hat (PGD Linf, CIFAR-10). */
export const TABLE1: Record<string, { linear: number; relu: number; name: string }> = {
  fc: { name: 'Fully Connected', linear: 0.353, relu: 0.439 },
  dfc: { name: 'Deep Fully Connected', linear: 0.343, relu: 0.504 },
  fwc: { name: 'Full Width Convolutional', linear: 0.276, relu: 0.327 },
  dfwc: { name: 'Deep Full Width Convolutional', linear: 0.272, relu: 0.452 },
  lc: { name: 'Locally Connected', linear: 0.24, relu: 0.275 },
  bwc: { name: 'Bounded Width Convolutional', linear: 0.266, relu: 0.371 },
  dbwc: { name: 'Deep Bounded Width Convolutional', linear: 0.306, relu: 0.344 },
};

/** Table 3: Fourier norms of delta_hat and beta_hat, linear models (mean ± std). */
export const TABLE3: Record<string, NormRow & { name: string }> = {
  fc: { name: 'Fully Connected', d2: [20.77, 1.23], d1: [505.95, 32.22], b2: [546.89, 43.37], b1: [2232.46, 166.27] },
  fwc: {
    name: 'Full Width Convolution',
    d2: [17.52, 1.56],
    d1: [376.31, 32.66],
    b2: [544.83, 42.4],
    b1: [1598.37, 181.44],
  },
  bwc: {
    name: 'Bounded Width Convolution',
    d2: [20.65, 1.09],
    d1: [556.32, 32.64],
    b2: [500.67, 47.46],
    b1: [2623.04, 331.42],
  },
  dfc: {
    name: 'Deep Fully Connected',
    d2: [20.83, 1.25],
    d1: [503.92, 32.62],
    b2: [554.16, 38.95],
    b1: [2168.06, 134.07],
  },
  dfwc: {
    name: 'Deep Full Width Convolution',
    d2: [17.13, 1.68],
    d1: [265.4, 41.72],
    b2: [522.99, 39.72],
    b1: [1417.68, 213.91],
  },
  dbwc: {
    name: 'Deep Bounded Width Convolution',
    d2: [20.57, 0.94],
    d1: [550.3, 29.71],
    b2: [498.52, 47.15],
    b1: [2392.09, 278.55],
  },
};

/** Table 4: Fourier norms of delta_hat, nonlinear models. */
export const TABLE4: Record<string, NormRow & { name: string }> = {
  fc: { name: 'Fully Connected', d2: [22.06, 1.35], d1: [534.34, 35.93] },
  lc: { name: 'Locally Connected', d2: [22.32, 1.13], d1: [587.61, 29.89] },
  fwc: { name: 'Full Width Convolution', d2: [20.57, 1.11], d1: [405.49, 34.16] },
  bwc: { name: 'Bounded Width Convolution', d2: [24.63, 1.36], d1: [665.22, 38.55] },
  resnet8: { name: 'Shallow ResNet', d2: [26.36, 0.74], d1: [709.06, 20.76] },
  vgg: { name: 'VGG19', d2: [23.32, 0.99], d1: [650.73, 27.87] },
  resnet18: { name: 'ResNet18', d2: [22.42, 0.91], d1: [626.6, 25.4] },
};

/** Table 2: test accuracy (%) mean ± std over 5 trials: baseline, (eps .25, rho .2), (eps .25, rho .1). */
export const TABLE2: Record<
  string,
  { name: string; base: [number, number]; rho2: [number, number]; rho1: [number, number] }
> = {
  'fc-linear': { name: 'Fully Connected Linear', base: [40.8, 0.07], rho2: [46.1, 0.075], rho1: [61.6, 1.14] },
  'fc-relu': { name: 'Fully Connected Nonlinear', base: [48.5, 0.084], rho2: [83.8, 0.223], rho1: [62.2, 0.497] },
  'bwc-linear': {
    name: 'Bounded Width Convolutional Linear',
    base: [41.8, 0.046],
    rho2: [74.1, 0.604],
    rho1: [99.3, 0.679],
  },
  'bwc-relu': {
    name: 'Bounded Width Convolutional Nonlinear',
    base: [56.7, 0.489],
    rho2: [99.8, 0.85],
    rho1: [99.8, 0.475],
  },
  'fwc-linear': {
    name: 'Full Width Convolutional Linear',
    base: [41.8, 0.124],
    rho2: [80.3, 0.805],
    rho1: [85.4, 1.35],
  },
  'fwc-relu': {
    name: 'Full Width Convolutional Nonlinear',
    base: [41.4, 2.89],
    rho2: [98.5, 0.912],
    rho1: [97.2, 1.26],
  },
};

/** Table 6: test accuracy (%) of the trained models. */
export const TABLE6: Record<string, number> = {
  'fc-linear': 41,
  'lc-linear': 35,
  'fwc-linear': 41,
  'bwc-linear': 41,
  'dfc-linear': 41,
  'dfwc-linear': 36,
  'dbwc-linear': 41,
  'fc-relu': 52,
  'fwc-relu': 52,
  'lc-relu': 54,
  'bwc-relu': 63,
  resnet18: 92,
};

/** The paper's row key of a model spec: family, 'd' prefix for 3 hidden layers ('dfc'), plus the activation. */
export function paperKey(spec: string): { key: string; act: 'linear' | 'relu' } {
  const s = spec.toLowerCase();
  if (s.startsWith('resnet') || s.startsWith('vgg')) return { key: s.startsWith('vgg') ? 'vgg' : s, act: 'relu' };
  const fam = s.split('-')[0];
  const deep = /-d([2-9]|\d\d)\b/.test(s);
  return { key: `${deep ? 'd' : ''}${fam}`, act: s.includes('relu') ? 'relu' : 'linear' };
}
