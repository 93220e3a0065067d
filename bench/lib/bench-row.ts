/** One figure of a benchmark, as `bench/results.json` holds it (an array of these). */
export interface BenchRow {
  /** What was measured, e.g. "reads: workflow(id) @100 conns: rps". */
  name: string;
  value: number;
  /** rps, ms, us, jobs/s, calls/s, MB, s, count. */
  unit: string;
  /** What the figure is compared with, measured in the same run; null when it stands alone. */
  baseline: string | null;
  baselineValue: number | null;
  /** value / baselineValue; null without a baseline. */
  ratio: number | null;
}

export function row(name: string, value: number, unit: string, baseline?: { name: string; value: number }): BenchRow {
  const rounded = roundFigure(value);
  if (!baseline) return { name, value: rounded, unit, baseline: null, baselineValue: null, ratio: null };
  const ratio = baseline.value === 0 ? null : Math.round((value / baseline.value) * 1000) / 1000;
  return { name, value: rounded, unit, baseline: baseline.name, baselineValue: roundFigure(baseline.value), ratio };
}

function roundFigure(value: number): number {
  return Math.abs(value) >= 100 ? Math.round(value) : Math.round(value * 100) / 100;
}
