// The attack report's pieces: the PNG encoder (round trip through the decoder)
// and the success-vs-norm curve.
import { describe, expect, test } from 'vitest';
import { encodePng } from '../src/lab/report/png.ts';
import { decodePng } from '../src/lab/data/png.ts';
import { successCurve } from '../src/lab/report/attack.ts';

describe('attack report', () => {
  for (const compress of [true, false]) {
    test(`PNG round trip (${compress ? 'deflate' : 'stored blocks'}), larger than one stored block`, async () => {
      const w = 150,
        h = 160;
      const rgb = Uint8Array.from({ length: w * h * 3 }, (_, i) => (i * 7919) % 251);
      const img = await decodePng(await encodePng(rgb, w, h, { compress }));
      expect([img.width, img.height, img.channels]).toEqual([w, h, 3]);
      expect(Buffer.from(img.data).equals(Buffer.from(rgb))).toBe(true);
    });
  }

  test('success-vs-norm: the share of correctly classified images fooled within each norm', () => {
    const r = {
      shape: [4, 1, 2, 2],
      cleanCorrect: [1, 1, 1, 0],
      success: [1, 0, 1, 0],
      norms: [0.3, 9, 0.1, 0],
    } as never;
    const c = successCurve(r);
    expect(c.t).toEqual([0, 0.1, 0.1, 0.3, 0.3]);
    expect(c.frac).toEqual([0, 0, 1 / 3, 1 / 3, 2 / 3]);
  });
});
