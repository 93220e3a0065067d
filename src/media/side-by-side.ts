import { MediaAbortedError } from './errors.ts';
import type { MediaRunOptions } from './types.ts';

/** One piece of media work, run with the shared signal and its own progress sink. */
export type SideBySideWork<T> = (options: MediaRunOptions) => Promise<T>;

/**
 * Media work that runs at once and stands or falls together, such as the encoders one set of
 * frames feeds: one that stops leaves the frames' tee to the others, but its output is lost, so
 * a failure aborts the rest rather than letting them run on to a result nobody can use. Progress
 * is the slowest one's; the error is the one that started it, not an abort it caused.
 */
export async function sideBySide<T extends readonly unknown[]>(
  work: { readonly [K in keyof T]: SideBySideWork<T[K]> },
  options: MediaRunOptions = {},
): Promise<T> {
  if (options.signal?.aborted) throw new MediaAbortedError(options.signal.reason);
  const sibling = new AbortController();
  const signal = options.signal ? AbortSignal.any([options.signal, sibling.signal]) : sibling.signal;
  const fractions = work.map(() => 0);
  const progressOf = (index: number) => (fraction: number) => {
    fractions[index] = fraction;
    options.onProgress?.(Math.min(...fractions));
  };
  const results = await Promise.allSettled(
    work.map((run, index) =>
      run({ ...options, signal, onProgress: progressOf(index) }).catch((error: unknown) => {
        sibling.abort(error);
        throw error;
      }),
    ),
  );
  if (results.every((result) => result.status === 'fulfilled')) return results.map((result) => result.value) as unknown as T;
  throw firstCause(results, options.signal);
}

/** The error that stopped the work: not a sibling's abort it caused, unless the caller aborted them all. */
function firstCause(results: PromiseSettledResult<unknown>[], callerSignal: AbortSignal | undefined): unknown {
  const errors = results.flatMap((result) => (result.status === 'rejected' ? [result.reason as unknown] : []));
  if (callerSignal?.aborted) return errors.find((error) => error instanceof MediaAbortedError) ?? errors[0];
  return errors.find((error) => !(error instanceof MediaAbortedError)) ?? errors[0];
}
