/**
 * The same frames for several ffmpeg processes at once. The source refills one buffer for each
 * frame (runFfmpeg's stdin contract), so it is asked for the next frame only once every reader
 * has asked too, which means each has handed the last one to its pipe. A reader that stops (its
 * process ended) no longer holds the others back; when all have stopped, the source is closed.
 */
export function teeFrames<T>(source: AsyncIterable<T>, readers: number): AsyncIterable<T>[] {
  const iterator = source[Symbol.asyncIterator]();
  const active = new Set<number>(Array.from({ length: readers }, (_, index) => index));
  let waiting = new Map<number, { resolve(result: IteratorResult<T>): void; reject(error: unknown): void }>();
  let finished = false;

  const pullWhenAllWait = () => {
    if (active.size === 0 || waiting.size < active.size) return;
    const round = waiting;
    waiting = new Map();
    iterator.next().then(
      (result) => {
        if (result.done) finished = true;
        for (const reader of round.values()) reader.resolve(result);
      },
      (error: unknown) => {
        finished = true;
        for (const reader of round.values()) reader.reject(error);
      },
    );
  };

  const reader = (index: number): AsyncIterable<T> => ({
    [Symbol.asyncIterator]: () => ({
      next: () => {
        if (finished || !active.has(index)) return Promise.resolve({ done: true, value: undefined });
        return new Promise<IteratorResult<T>>((resolve, reject) => {
          waiting.set(index, { resolve, reject });
          pullWhenAllWait();
        });
      },
      return: async () => {
        active.delete(index);
        waiting.delete(index);
        if (active.size === 0 && !finished) {
          finished = true;
          await iterator.return?.();
        } else pullWhenAllWait();
        return { done: true, value: undefined };
      },
    }),
  });
  return Array.from({ length: readers }, (_, index) => reader(index));
}
