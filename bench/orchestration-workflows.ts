/**
 * The baseline of bench/orchestration.ts: n no-op activities in sequence and nothing else, bundled
 * apart from workflows/ so its worker loads none of the attempt's code. Optionally it mimics one
 * trait of the attempt (its search-attribute upserts, or its payload sizes), so the bench can tell
 * what the attempt's extra time is made of.
 */
import { proxyActivities, upsertSearchAttributes } from '@temporalio/workflow';
import { PHASE_SA } from '../src/domain/search-attributes';
// The attempt's own options, so the two differ in orchestration only, not in timeouts or retries.
import { quickOptions } from '../workflows/activity-options';

export interface BareActivities {
  noop(): Promise<void>;
  /** Takes a payload of the attempt's input size and returns one of its result size. */
  echo(input: string, resultBytes: number): Promise<string>;
}

export interface Mimic {
  /** Upserts before activity i (and, at n, before completing), as the attempt's history has them. */
  upserts?: number[];
  /** Payload bytes of activity i's input and result, as the attempt's history has them. */
  payloads?: { input: number; result: number }[];
}

const { noop, echo } = proxyActivities<BareActivities>(quickOptions);

export async function bareSequence(n: number, mimic: Mimic = {}): Promise<number> {
  const upsert = (step: number): void => {
    for (let k = 0; k < (mimic.upserts?.[step] ?? 0); k++)
      upsertSearchAttributes([{ key: PHASE_SA, value: `step-${step}-${k}` }]);
  };
  for (let i = 0; i < n; i++) {
    upsert(i);
    const p = mimic.payloads?.[i];
    if (p) await echo('x'.repeat(p.input), p.result);
    else await noop();
  }
  upsert(n);
  return n;
}
