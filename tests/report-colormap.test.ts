// The one colour map (viridis, matplotlib's 9 stops) used by SVG reports and the web lab.
import { describe, expect, it } from 'vitest';
import { viridis } from '../src/lab/report/colormap.ts';
import { colormap } from '../src/lab/report/svg.ts';

describe('viridis colour map', () => {
  it('hits matplotlib stops at the ends and the middle, interpolates linearly between, clamps outside [0, 1]', () => {
    expect(viridis(0)).toEqual([68, 1, 84]);
    expect(viridis(0.5)).toEqual([33, 144, 141]);
    expect(viridis(1)).toEqual([253, 231, 37]);
    // halfway between stop 0 (68,1,84) and stop 1 (71,44,122)
    const h = viridis(1 / 16);
    [69.5, 22.5, 103].forEach((v, i) => expect(h[i]).toBeCloseTo(v, 12));
    expect(viridis(-3)).toEqual(viridis(0));
    expect(viridis(7)).toEqual(viridis(1));
    expect(viridis(NaN)).toEqual(viridis(0));
  });
  it('the SVG heat maps use the same map, as rounded hex', () => {
    expect(colormap(0)).toBe('#440154');
    expect(colormap(1)).toBe('#fde725');
    expect(colormap(1 / 16)).toBe('#461767'); // round(69.5)=70=0x46, round(22.5)=23=0x17, 103=0x67
  });
});
