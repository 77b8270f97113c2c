/** One drill, measured: how long the guardian took to notice the fault and to heal it. */
export interface DrillMeasurement {
  problem_class: string;
  strategy: string | null;
  classified_as: string | null;
  verified: boolean;
  /** From the moment the fault became detectable to the guardian's sample that saw it. */
  detect_s: number;
  /** From that sample to the attempt's start (workflow and activity scheduling). */
  start_s: number;
  /** From the moment the fault became detectable to the recorded outcome. */
  recover_s: number;
  initial_lambda: number | null;
  final_lambda: number | null;
  check_interval_s: number;
  /** The sensor's own cost for the sample that found the fault. */
  sample_cost_ms: number | null;
}

export function formatDrillTable(rows: DrillMeasurement[]): string {
  const f = (x: number | null, d = 2): string => (x === null ? '–' : x.toFixed(d));
  const lines = [
    '| class | classified as | strategy | verified | detect (s) | attempt start (s) | recover (s) | check ' +
      'interval (s) | λ before → after | improvement | sensor cost (ms) |',
    '|---|---|---|---|---|---|---|---|---|---|---|',
  ];
  for (const r of rows) {
    const imp =
      r.initial_lambda === null || r.final_lambda === null
        ? '–'
        : r.initial_lambda === 0
          ? r.final_lambda > 0
            ? 'from 0'
            : '–'
          : `${(((r.final_lambda - r.initial_lambda) / r.initial_lambda) * 100).toFixed(0)} %`;
    lines.push(
      `| ${r.problem_class} | ${r.classified_as ?? '–'} | ${r.strategy ?? '–'} | ${r.verified ? 'yes' : 'no'} | ` +
        `${f(r.detect_s, 1)} | ${f(r.start_s, 1)} | ${f(r.recover_s, 1)} | ${r.check_interval_s} | ` +
        `${f(r.initial_lambda, 3)} → ${f(r.final_lambda, 3)} | ${imp} | ${f(r.sample_cost_ms, 1)} |`,
    );
  }
  return lines.join('\n');
}
