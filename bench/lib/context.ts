import type { Stack } from './stack.ts';

/** What every benchmark gets from the dispatcher. */
export interface BenchContext {
  stack: Stack;
  /** Seconds of each measured load run (reads, logError). */
  loadSeconds: number;
  /** Prints a progress line (to stderr, so a piped table stays clean). */
  log(message: string): void;
}
