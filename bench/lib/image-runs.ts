/**
 * IMAGE runs of the pipeline bench and of its plain script alike: warm-ups, then timed runs whose
 * median is the figure. A median of 3 moved by ±15 % from one bench run to the next.
 */
export const IMAGE_RUNS = { warmUp: 3, timed: 10 } as const;
