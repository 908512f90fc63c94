/**
 * A small benchmark harness: each case runs in batches, the median per-operation time of the
 * batches is reported, and a ratio against a baseline case measured in the same run.
 */
export interface BenchResult {
  name: string;
  median_us: number;
  baseline: string | null;
  ratio: number | null;
  /** Extra figures (requests/s, p99, CPU µs, …) a case wants to report. */
  [extra: string]: unknown;
}

export interface CaseOptions {
  /** Name of the case this one is compared with (must have run before). */
  baseline?: string;
  /** Operations per batch (default: calibrated to ~20 ms). */
  batch?: number;
  /** Number of batches (default 15). */
  rounds?: number;
  /** A target to print next to the result, e.g. `ratio <= 2.0`. */
  target?: string;
}

export class Bench {
  readonly results: BenchResult[] = [];
  readonly filter: RegExp | undefined;

  constructor(filter?: string) {
    this.filter = filter ? new RegExp(filter) : undefined;
  }

  wants(name: string): boolean {
    return !this.filter || this.filter.test(name);
  }

  /** Measures `fn` (sync or async) and records the median µs per call. */
  async run(
    name: string,
    fn: () => unknown,
    options: CaseOptions = {},
  ): Promise<BenchResult | undefined> {
    if (!this.wants(name) && !this.isBaselineNeeded(name)) return undefined;
    const rounds = options.rounds ?? 15;
    let batch = options.batch ?? 0;
    // Warm up and calibrate.
    const warmEnd = performance.now() + 150;
    let warmCalls = 0;
    while (performance.now() < warmEnd) {
      await fn();
      warmCalls++;
    }
    if (!batch) batch = Math.max(1, Math.round(warmCalls / 7.5));
    const samples: number[] = [];
    for (let r = 0; r < rounds; r++) {
      const start = performance.now();
      for (let i = 0; i < batch; i++) await fn();
      samples.push(((performance.now() - start) * 1000) / batch);
    }
    return this.record(name, median(samples), options);
  }

  /** Records a figure measured elsewhere (e.g. an HTTP benchmark). */
  record(
    name: string,
    medianUs: number,
    options: CaseOptions = {},
    extra: Record<string, unknown> = {},
  ): BenchResult {
    const base = options.baseline
      ? this.results.find((r) => r.name === options.baseline)
      : undefined;
    const result: BenchResult = {
      name,
      median_us: round(medianUs),
      baseline: base ? base.name : null,
      ratio: base ? round(medianUs / base.median_us, 3) : null,
      ...(options.target ? { target: options.target } : {}),
      ...extra,
    };
    this.results.push(result);
    return result;
  }

  // Baselines run even when filtered out, so ratios stay meaningful.
  readonly #baselineNames = new Set<string>();
  needBaseline(name: string): void {
    this.#baselineNames.add(name);
  }
  private isBaselineNeeded(name: string): boolean {
    return this.#baselineNames.has(name);
  }
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

function round(value: number, digits = 3): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

/** A bench module: `bench/*.bench.ts` default-exports one of these. */
export type BenchModule = (bench: Bench) => Promise<void>;
