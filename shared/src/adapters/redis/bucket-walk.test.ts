import { BucketWalk } from './bucket-walk';

/** Index keys holding ids: `k<n>` holds `count(n)` ids named `k<n>-<i>`. */
function indexes(keys: number, count: (n: number) => number) {
  const data = new Map<string, string[]>();
  for (let n = 0; n < keys; n++) {
    data.set(
      `k${n}`,
      Array.from({ length: count(n) }, (_, i) => `k${n}-${i}`),
    );
  }
  const asked: string[] = [];
  const read = async (key: string, n: number) => {
    asked.push(key);
    return data.get(key)!.slice(0, n);
  };
  return { keys: [...data.keys()], data, asked, read };
}

describe('BucketWalk', () => {
  it('asks every key once when they hold fewer ids than the limit, and answers each id with its key', async () => {
    const ix = indexes(40, (n) => (n % 10 === 0 ? 2 : 0));
    const walk = new BucketWalk(ix.keys, 16);
    const found = await walk.collect(100, ix.read);
    expect(new Set(ix.asked)).toEqual(new Set(ix.keys));
    expect(ix.asked).toHaveLength(40);
    expect(found.map((f) => f.id).sort()).toEqual([
      'k0-0',
      'k0-1',
      'k10-0',
      'k10-1',
      'k20-0',
      'k20-1',
      'k30-0',
      'k30-1',
    ]);
    for (const { key, id } of found) expect(id.startsWith(`${key}-`)).toBe(true);
  });

  it('stops at the limit and starts the next pass at the first key it left ids in: every key is served in turn', async () => {
    const ix = indexes(10, () => 5);
    const walk = new BucketWalk(ix.keys, 4);
    const served = new Set<string>();
    for (let pass = 0; pass < 10; pass++) {
      const found = await walk.collect(5, ix.read);
      expect(found).toHaveLength(5);
      for (const { key } of found) served.add(key);
    }
    // A backlog everywhere: ten passes of 5 reach all ten keys, none starved by the one before it.
    expect(served).toEqual(new Set(ix.keys));
  });

  it('answers nothing for a limit of 0 and refuses an empty key list', async () => {
    const ix = indexes(3, () => 1);
    expect(await new BucketWalk(ix.keys).collect(0, ix.read)).toEqual([]);
    expect(() => new BucketWalk([])).toThrow();
  });
});
