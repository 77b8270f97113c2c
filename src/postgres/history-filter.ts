import type { ProblemClassName } from '../domain/problem-class';

/** Every status an attempt row can have (the check constraint of ruvector.healing_attempts). */
export const ATTEMPT_STATUSES = [
  'Completed',
  'Deferred',
  'NoStrategy',
  'Aborted',
  'DryRun',
  'RolledBack',
  'Failed',
  'running',
] as const;
export type AttemptStatus = (typeof ATTEMPT_STATUSES)[number];

/** Which attempts a history read looks at: the listing and every view take the same filters. */
export interface HistoryFilter {
  since: Date;
  collection?: string | undefined;
  problem_class?: ProblemClassName | undefined;
  strategy?: string | undefined;
  status?: AttemptStatus | undefined;
}

/**
 * The WHERE clause of a read over `ruvector.healing_attempts a JOIN ruvector.collections c`, taking
 * $1 to $5 from filterParams; a filter not given is a NULL that matches every row, so the text is the
 * same whichever filters are used.
 */
export const FILTER_SQL = `a.started_at >= $1 AND ($2::text IS NULL OR c.name = $2)
        AND ($3::text IS NULL OR a.problem_class = $3) AND ($4::text IS NULL OR a.strategy_name = $4)
        AND ($5::text IS NULL OR a.status = $5)`;

export function filterParams(f: HistoryFilter): [Date, string | null, string | null, string | null, string | null] {
  return [f.since, f.collection ?? null, f.problem_class ?? null, f.strategy ?? null, f.status ?? null];
}
