import { z } from 'zod';

/**
 * What a running strategy step reports in its heartbeats, one shape for every strategy: the
 * activities write it, `selfheal follow` reads it back from the workflow's pending activities.
 */
export const strategyProgressSchema = z
  .object({
    /** What the step does now, in a few words: `reindex`, `move rows`, `wait for replicas`. */
    step: z.string().min(1).max(200),
    /** What it works on: an index, partitions, a deployment, a session. */
    target: z.string().max(500).optional(),
    /** The phase PostgreSQL reports for the statement (pg_stat_progress_create_index). */
    phase: z.string().max(200).optional(),
    /** Work done of the total, in `unit` (blocks, tuples, rows moved, replicas ready). */
    done: z.number().nonnegative().optional(),
    total: z.number().nonnegative().optional(),
    unit: z.string().max(40).optional(),
    /** Which of several items this is: the 2nd of 3 indexes. */
    item: z.number().int().positive().optional(),
    items: z.number().int().positive().optional(),
    detail: z.string().max(1000).optional(),
  })
  .strict();
export type StrategyProgress = z.infer<typeof strategyProgressSchema>;

/** Heartbeat details as they come back from Temporal: the progress, or null for anything else. */
export function parseProgress(details: unknown): StrategyProgress | null {
  const r = strategyProgressSchema.safeParse(details);
  return r.success ? r.data : null;
}

/** done / total in 0..1, or null when the step does not count its work. */
export function progressFraction(p: StrategyProgress): number | null {
  if (p.done === undefined || p.total === undefined || p.total <= 0) return null;
  return Math.min(1, Math.max(0, p.done / p.total));
}

/** One line: `reindex public.items_pkey (1 of 2): building index: scanning table, 120 of 480 blocks (25 %)`. */
export function describeProgress(p: StrategyProgress): string {
  const item = p.item && p.items && p.items > 1 ? ` (${p.item} of ${p.items})` : '';
  const f = progressFraction(p);
  const count =
    p.done === undefined
      ? ''
      : p.total === undefined
        ? `${p.done}${p.unit ? ` ${p.unit}` : ''}`
        : `${p.done} of ${p.total}${p.unit ? ` ${p.unit}` : ''}${f === null ? '' : ` (${Math.round(f * 100)} %)`}`;
  const parts = [p.phase, count, p.detail].filter((x): x is string => !!x);
  return `${p.step}${p.target ? ` ${p.target}` : ''}${item}${parts.length ? `: ${parts.join(', ')}` : ''}`;
}
