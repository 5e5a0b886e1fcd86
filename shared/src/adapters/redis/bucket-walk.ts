/**
 * Reads a set of index keys (one per bucket, plus any previous-layout index being drained) round-robin:
 * each `collect` starts where the last one stopped, asks up to `concurrency` keys at once, and stops
 * once it has `limit` ids or has asked every key. So a backlog in one bucket never starves the others,
 * and an idle Redis costs one small read per key per pass. Each instance starts at a random key, so
 * several pods spread over the buckets.
 */
export class BucketWalk {
  private cursor: number;

  constructor(
    private readonly keys: readonly string[],
    private readonly concurrency = 16,
  ) {
    if (keys.length === 0) throw new Error('BucketWalk: no keys');
    this.cursor = Math.floor(Math.random() * keys.length);
  }

  /** At most `limit` ids, each with the index key it came from; `read(key, n)` answers at most n ids. */
  async collect(
    limit: number,
    read: (key: string, n: number) => Promise<string[]>,
  ): Promise<Array<{ key: string; id: string }>> {
    const found: Array<{ key: string; id: string }> = [];
    const total = this.keys.length;
    let asked = 0;
    let next: number | null = null;
    while (asked < total && found.length < limit) {
      const group: string[] = [];
      for (let i = 0; i < this.concurrency && asked + i < total; i++) {
        group.push(this.keys[(this.cursor + asked + i) % total]!);
      }
      const want = limit - found.length;
      const answers = await Promise.all(group.map((key) => read(key, want)));
      for (let i = 0; i < answers.length; i++) {
        for (const id of answers[i]!) {
          if (found.length < limit) found.push({ key: group[i]!, id });
          // The first key with ids left over is where the next pass starts.
          else next ??= asked + i;
        }
      }
      asked += group.length;
    }
    this.cursor = (this.cursor + (next ?? asked)) % total;
    return found;
  }
}
