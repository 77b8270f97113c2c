import { Context } from '@temporalio/activity';
import type { CollectionReading, DatabasePass, DatabasePassInput } from '../../activities/database-pass';
import type { HealingConfigInput } from '../../src/domain/healing-config';
import type { ProblemClassName } from '../../src/domain/problem-class';
import { faultScope } from '../../src/guardian/fault-scope';
import { gateConfigOf } from '../../src/guardian/gate-config';
import type { IntegritySample } from '../../src/sensor/integrity-sample';
import { attemptActivities, config } from './attempt-fixtures';
import type { MockActivities } from './time-skipping';

/** λ 0.6 of 2 (critical) with its class, or normal. */
export const degraded = (problem: ProblemClassName = 'IndexFragmentation'): CollectionReading => ({
  lambda: 0.6,
  baseline: 2,
  problem,
  scope: faultScope(problem),
});
export const normal: CollectionReading = { lambda: 2, baseline: 2, problem: null, scope: null };

/**
 * A database whose pass reads what `readings` says now (the test changes it between passes);
 * every pass and every attempt's start is logged with its workflow time.
 */
export function guardedDatabase(o: {
  gate?: HealingConfigInput;
  readings: Record<string, CollectionReading>;
  attempt: (collection: string) => {
    samples: IntegritySample[];
    strategy: string;
    verified?: boolean;
    over?: MockActivities;
  };
}) {
  const passes: { at: number; input: DatabasePassInput }[] = [];
  const attempts: { at: number; collection: string }[] = [];
  const base = gateConfigOf(config(o.gate));
  const state = { readings: o.readings };
  const mocks: MockActivities = {
    guardDatabase: async (input): Promise<DatabasePass> => {
      const at = Context.current().info.currentAttemptScheduledTimestampMs;
      passes.push({ at, input });
      const paused = new Set(input.paused ?? []);
      // As the real pass: what is due (or new) and not paused is sampled; nothing else.
      const known = new Set(input.known ?? []);
      const due = (n: string): boolean => input.due === 'all' || input.due.includes(n) || !known.has(n);
      const readings = Object.fromEntries(Object.entries(state.readings).filter(([n]) => !paused.has(n) && due(n)));
      return {
        database: 'db',
        sampled_at: new Date(at).toISOString(),
        base,
        own: {},
        collections: Object.keys(state.readings),
        readings,
        errors: {},
        gone: [],
        ended: [],
        sync: { watched: [], renamed: [], skipped: [] },
        cost: { round_trips: 3, cost_ms: 1, sampled: Object.keys(readings).length, index_bytes_read: 0 },
      };
    },
    // The attempts the guardian starts run for real, on these mocks, one collection at a time.
    prepareAttempt: async (input) => {
      attempts.push({ at: Context.current().info.currentAttemptScheduledTimestampMs, collection: input.collection });
      fresh(input.collection);
      return {
        attempt_id: attempts.length,
        collection_id: 1,
        config: config({ ...o.gate, stabilization_wait: 0 }),
        kind: 'table',
      };
    },
  };
  // One collection has one attempt at a time: each attempt gets fresh mocks (its own samples).
  const perCollection = new Map<string, MockActivities>();
  const fresh = (collection: string): MockActivities => {
    const a = o.attempt(collection);
    const m = attemptActivities(
      { samples: a.samples, strategy: a.strategy, ...(a.verified === undefined ? {} : { verified: a.verified }) },
      a.over,
    );
    perCollection.set(collection, m);
    return m;
  };
  const attemptMock = (collection: string): MockActivities => perCollection.get(collection) ?? fresh(collection);
  // Each attempt activity goes to its collection's mocks (one attempt's samples are its own).
  for (const name of [
    'sampleIntegrity',
    'loadLearnedSelection',
    'sandboxTest',
    'planStrategy',
    'executeStrategy',
    'verifyStrategy',
    'compensateStrategy',
    'cleanupStrategy',
    'recordOutcome',
  ] as const) {
    (mocks as Record<string, unknown>)[name] = (input: { collection?: string; attempt_id?: number }) => {
      const collection = input.collection ?? attempts[(input.attempt_id ?? 1) - 1]!.collection;
      return (attemptMock(collection)[name] as (i: unknown) => Promise<unknown>)(input);
    };
  }
  return { mocks, passes, attempts, state, perCollection };
}
