// Work on a list with several workers at once, handing each result on in the list's order: a scan
// with visits keeps both cores busy (a visit is mostly drawing camera frames) and still prints
// its lines, and so its JSON, exactly as one worker would.

/**
 * Runs `work` on every item, each worker taking the next item as it finishes one, and calls
 * `emit` with the results in the order of `items`. A failure stops further items and rejects
 * with it once the items under way have ended.
 */
export async function inOrder<W, T, R>(
  workers: readonly W[],
  items: readonly T[],
  work: (worker: W, item: T) => Promise<R>,
  emit: (result: R, item: T) => void,
): Promise<void> {
  if (workers.length === 0) throw new Error('inOrder needs at least one worker.');
  const done = new Map<number, R>();
  let next = 0;
  let emitted = 0;
  const flush = (): void => {
    while (done.has(emitted)) {
      const i = emitted++;
      const result = done.get(i) as R;
      done.delete(i);
      emit(result, items[i]!);
    }
  };
  const errors: unknown[] = [];
  // Every worker ends its item before this returns, so the caller may release what they use.
  await Promise.allSettled(
    workers.map(async (worker) => {
      while (errors.length === 0 && next < items.length) {
        const i = next++;
        try {
          done.set(i, await work(worker, items[i]!));
          flush();
        } catch (err) {
          errors.push(err);
          return;
        }
      }
    }),
  );
  if (errors.length > 0) throw errors[0];
}
