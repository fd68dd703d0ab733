import { describe, expect, it } from 'vitest';
import { inOrder } from '../../../src/cli/ordered-pool';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('inOrder', () => {
  it('hands results on in the order of the items, whichever worker finishes first', async () => {
    const items = [30, 5, 20, 1, 15, 2, 8];
    const seen: number[] = [];
    const busy = new Set<string>();
    let together = 0;
    await inOrder(
      ['a', 'b', 'c'],
      items,
      async (worker, ms) => {
        expect(busy.has(worker)).toBe(false);
        busy.add(worker);
        together = Math.max(together, busy.size);
        await sleep(ms);
        busy.delete(worker);
        return ms * 10;
      },
      (result, item) => {
        expect(result).toBe(item * 10);
        seen.push(item);
      },
    );
    expect(seen).toEqual(items);
    expect(together).toBe(3);
  });

  it('stops taking items after a failure and rejects with it', async () => {
    const started: number[] = [];
    await expect(
      inOrder(
        [0],
        [1, 2, 3],
        async (_, n) => {
          started.push(n);
          if (n === 2) throw new Error('broken image');
          return n;
        },
        () => {},
      ),
    ).rejects.toThrow('broken image');
    expect(started).toEqual([1, 2]);
  });
});
