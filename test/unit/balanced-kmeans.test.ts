import { balancedAssign, lloyd } from '../../src/vectors/balanced-kmeans';
import { seededRandom } from '../support/random';

describe('balanced k-means', () => {
  it('keeps well-separated clusters together when they fit', () => {
    const rnd = seededRandom(7);
    const centers = [
      [0, 0],
      [10, 0],
      [0, 10],
      [10, 10],
    ];
    const pts = centers.flatMap((c) => Array.from({ length: 50 }, () => [c[0]! + rnd() - 0.5, c[1]! + rnd() - 0.5]));
    const cs = lloyd(
      pts,
      centers.map((c) => [c[0]! + 1, c[1]! - 1]),
      5,
    );
    const a = balancedAssign(pts, cs, 55);
    for (let g = 0; g < 4; g++) expect(new Set(a.slice(g * 50, g * 50 + 50)).size).toBe(1);
  });

  it('splits an oversized cluster so no list exceeds its capacity', () => {
    const rnd = seededRandom(11);
    const pts = [
      ...Array.from({ length: 300 }, () => [rnd(), rnd()]),
      ...Array.from({ length: 100 }, () => [10 + rnd(), 10 + rnd()]),
    ];
    const a = balancedAssign(
      pts,
      lloyd(
        pts,
        [
          [0, 0],
          [1, 1],
          [10, 10],
          [11, 11],
        ],
        10,
      ),
      110,
    );
    const sizes = [0, 1, 2, 3].map((j) => a.filter((x) => x === j).length);
    expect(Math.max(...sizes)).toBeLessThanOrEqual(110);
    expect(sizes.reduce((x, y) => x + y, 0)).toBe(400);
  });
});
