import { TtlCache } from '../../shared/ttlCache';

describe('TtlCache', () => {
  let now = 0;
  const cache = () => new TtlCache<string, number>(2, 100, () => now);
  beforeEach(() => {
    now = 0;
  });

  test('returns what was set until it expires', () => {
    const c = cache();
    c.set('a', 1);
    now = 99;
    expect(c.get('a')).toBe(1);
    now = 200;
    expect(c.get('a')).toBeUndefined();
  });

  test('evicts the least recently used beyond its size', () => {
    const c = cache();
    c.set('a', 1);
    c.set('b', 2);
    c.get('a'); // a is now more recent than b
    c.set('c', 3);
    expect([c.get('a'), c.get('b'), c.get('c')]).toEqual([1, undefined, 3]);
  });

  test('forgets deleted entries', () => {
    const c = cache();
    c.set('a', 1);
    c.delete('a');
    expect(c.get('a')).toBeUndefined();
  });
});
