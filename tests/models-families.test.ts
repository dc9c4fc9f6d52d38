// The model zoo is a table (MODEL_FAMILIES): each entry's grammar, canonical form,
// learning rate and builder are checked here, so a new family is one entry plus
// its line in these tables.
import { describe, expect, it } from 'vitest';
import '../src/index.ts'; // sets the reference backend
import {
  MODEL_FAMILIES,
  MODEL_GRAMMAR,
  buildModel,
  countParameters,
  defaultLearningRate,
  formatSpec,
  parseSpec,
} from '../src/lab/nn/models.ts';

// family -> [a short spec, its canonical form, its default learning rate, parameters for [3, 8, 8] inputs, 10 classes]
const CASES: Record<string, [string, string, number, number]> = {
  fc: ['fc-w16-relu', 'fc-w16-d1-relu', 0.01, 3 * 64 * 16 + 16 + 16 * 10 + 10],
  fwc: ['fwc', 'fwc-c3-d1-linear', 0.002, 3 * 3 * 64 + 3 + 3 * 64 * 10 + 10],
  lc: ['lc-c2-k3', 'lc-k3-c2-d1-linear', 0.01, 2 * 3 * 64 * 9 + 2 * 64 * 10 + 10],
  bwc: ['bwc-c4-pzero', 'bwc-k3-c4-d1-linear-pzero', 0.002, 4 * 3 * 9 + 4 + 4 * 64 * 10 + 10],
  resnet: ['resnet8', 'resnet8', 0.01, -1],
  vgg: ['vgg11', 'vgg11', 0.01, -1],
};

describe('MODEL_FAMILIES', () => {
  it('every family has a case here, a grammar line and an example that parses to it', () => {
    expect(Object.keys(CASES).sort()).toEqual(Object.keys(MODEL_FAMILIES).sort());
    expect(MODEL_GRAMMAR.split('\n')).toHaveLength(Object.keys(MODEL_FAMILIES).length);
    for (const [name, f] of Object.entries(MODEL_FAMILIES)) expect(parseSpec(f.example).family).toBe(name);
  });

  it.each(Object.entries(CASES))(
    '%s: canonical form, round trip, learning rate, parameter count',
    (fam, [short, canonical, lr, params]) => {
      const m = parseSpec(short);
      expect(m.family).toBe(fam);
      expect(formatSpec(m)).toBe(canonical);
      expect(parseSpec(canonical)).toEqual(m);
      expect(defaultLearningRate(short)).toBe(lr);
      if (params > 0) {
        const model = buildModel(short, { inputShape: [3, 8, 8], numClasses: 10 });
        expect(model.spec).toBe(canonical);
        expect(countParameters(model)).toBe(params);
        model.dispose?.();
      }
    },
  );

  it('the ReLU bounded-width conv trains at 0.01, the linear one at 0.002 (paper Table 7)', () => {
    expect(defaultLearningRate('bwc-k3-c32-d3-relu')).toBe(0.01);
    expect(defaultLearningRate(parseSpec('bwc-k3-c32-d1-linear'))).toBe(0.002);
  });

  it('rejects unknown families and bad tokens with the examples of every family', () => {
    expect(() => parseSpec('cnn-k3')).toThrow(/unknown family 'cnn'.*fc-w2700-d1-linear.*vgg11/);
    expect(() => parseSpec('fc-k3')).toThrow(/unexpected token 'k3' for fc/);
    expect(() => parseSpec('fwc-pzero')).toThrow(/padding applies to lc and bwc only/);
    expect(() => parseSpec('resnet10')).toThrow(/6n\+2/);
  });
});
