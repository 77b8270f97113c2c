import type { RunawayQuery } from '../collection-stats';
import { addBetween, definePart, diagnosis } from '../sensor-part';

export const QUERIES = 'queries';

export function queryHealth(runaway: readonly RunawayQuery[]): number {
  return 1 / (1 + runaway.length);
}

/** Statements on the collection running past runaway_query_seconds (the probe applies the limit). */
export const runawayQueriesPart = definePart({
  name: 'runaway statements',
  reads: ['runaway_queries'],
  thresholds: [],
  contribute(g, stats) {
    addBetween(
      g,
      { id: QUERIES, kind: 'sessions', label: 'statements on the collection' },
      'query',
      queryHealth(stats.runaway_queries),
    );
  },
  diagnoses: [
    diagnosis({
      class: 'RunawayQuery',
      scope: 'collection',
      witness: 'query',
      precedence: 90,
      diagnose(_w, stats) {
        const q = stats.runaway_queries;
        if (q.length === 0) return null;
        return {
          class: 'RunawayQuery',
          pids: q.map((x) => x.pid),
          longest_seconds: Math.round(Math.max(...q.map((x) => x.running_seconds))),
        };
      },
    }),
  ],
});
