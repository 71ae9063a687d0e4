/** One line of the benchmark table: a measurement of ours against a baseline measured in the same run. */
export interface BenchRow {
  /** Measured operation, e.g. "commit of a 200 MB checkpoint". */
  what: string;
  /** The baseline and its figure, e.g. "cp -r + sync: 410 MB/s"; "—" when there is none. */
  baseline: string;
  /** Our figure, e.g. "372 MB/s". */
  ours: string;
  /** The headline number compared with the target, e.g. 0.91 (a ratio) or 38 (milliseconds). */
  value: number;
  /** The target as text, e.g. "≥ 0.8×" or "≤ 150 ms". */
  target: string;
  met: boolean;
  /** Machine and backend the figure was measured on, e.g. "2 cores, wasm". */
  machine: string;
}

/** A benchmark module exports `measure()`; bench/run.mjs runs them all and prints one table. */
export type Measure = () => Promise<BenchRow[]>;
