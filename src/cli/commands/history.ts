import { z } from 'zod';
import { isProblemClassName, PROBLEM_CLASS_NAMES, type ProblemClassName } from '../../domain/problem-class';
import { MIN_PATTERN_OCCURRENCES, recoveryPatterns } from '../../domain/recovery-patterns';
import { isStrategyName, STRATEGY_NAMES } from '../../domain/strategy-names';
import { faultScope } from '../../guardian/fault-scope';
import { collectionNameSchema } from '../../postgres/collections';
import { ATTEMPT_STATUSES, type AttemptStatus, type HistoryFilter } from '../../postgres/history-filter';
import { loadHistory, type HistoryEntry } from '../../postgres/outcome-store';
import type { Pool } from '../../postgres/pool';
import {
  loadPatternOccurrences,
  loadRecoveryStats,
  loadTrends,
  type TrendPeriod,
} from '../../postgres/recovery-history';
import { onlyFlags, type ParsedArgs, UsageError } from '../args';
import { liveAttemptStatus } from '../attempt-live';
import type { CommandResult } from '../command';
import { parseSince, parseWholeNumber } from '../durations';
import { percent, recoveryTimeText } from '../recovery-time';
import type { SystemHandles } from '../system-connection';
import { counted } from '../../domain/counted';

const USAGE =
  'usage: selfheal history [--patterns | --trends [--by day|week] | --stats] [--since 24h|2026-01-01T00:00:00Z] ' +
  '[--limit 20] [--collection name] [--class ProblemClass] [--strategy name] [--status status] [--json]';

const VIEWS = ['patterns', 'trends', 'stats'] as const;
type View = (typeof VIEWS)[number] | 'list';

const oneOf = (flag: string, valid: readonly string[]) => (v: string) => ({
  message: `--${flag} takes one of ${valid.join(', ')}; not "${v}"`,
});

const TREND_PERIODS = ['day', 'week'] as const;

const argsSchema = z.object({
  since: z.date(),
  collection: collectionNameSchema.optional(),
  problem_class: z
    .string()
    .refine((v): v is ProblemClassName => isProblemClassName(v), oneOf('class', PROBLEM_CLASS_NAMES))
    .optional(),
  strategy: z.string().refine(isStrategyName, oneOf('strategy', STRATEGY_NAMES)).optional(),
  status: z
    .string()
    .refine(
      (v): v is AttemptStatus => (ATTEMPT_STATUSES as readonly string[]).includes(v),
      oneOf('status', ATTEMPT_STATUSES),
    )
    .optional(),
  by: z
    .string()
    .refine((v): v is TrendPeriod => (TREND_PERIODS as readonly string[]).includes(v), oneOf('by', TREND_PERIODS)),
});

const text = (v: string | true | undefined): string | undefined => (v === undefined ? undefined : String(v));

/**
 * `selfheal history`: ruvector_healing_history, newest first, and three views of the same attempts:
 * `--patterns` (a class recurring on one part, and what healed it best there), `--trends` (per day or
 * week) and `--stats`. Every view takes the listing's filters. It writes nothing.
 */
export async function historyCommand(
  args: ParsedArgs,
  sys: SystemHandles,
  out: (l: string) => void,
): Promise<CommandResult> {
  onlyFlags(args, ['json', 'since', 'limit', 'collection', 'class', 'strategy', 'status', ...VIEWS, 'by']);
  if (args.positionals.length) throw new UsageError(USAGE);
  const views = VIEWS.filter((v) => args.flags[v] !== undefined);
  if (views.length > 1) throw new UsageError(`--${views.join(', --')}: one view at a time`);
  for (const v of views) if (args.flags[v] !== true) throw new UsageError(`--${v} takes no value`);
  const view: View = views[0] ?? 'list';
  if (args.flags.by !== undefined && view !== 'trends') throw new UsageError('--by goes with --trends');
  if (args.flags.limit !== undefined && view === 'stats') throw new UsageError('--stats takes no --limit');
  const parsed = argsSchema.safeParse({
    // A view summarises: a day of attempts says little, so it looks back further unless told.
    since: parseSince(text(args.flags.since) ?? (view === 'list' ? '24h' : '30d')),
    collection: text(args.flags.collection),
    problem_class: text(args.flags.class),
    strategy: text(args.flags.strategy),
    status: text(args.flags.status),
    by: text(args.flags.by) ?? 'day',
  });
  if (!parsed.success) throw new UsageError(parsed.error.issues.map((i) => i.message).join('; '));
  const { by, ...filter } = parsed.data;
  // The listing shows 20 unless told; a view shows all it finds unless told.
  const limitText = text(args.flags.limit);
  const limit = limitText === undefined ? undefined : parseWholeNumber('limit', limitText, 1, 10_000);
  const pool = await sys.pool();
  switch (view) {
    case 'list':
      return listing(sys, pool, filter, limit ?? 20, out);
    case 'patterns':
      return patterns(pool, filter, limit, out);
    case 'trends':
      return trends(pool, filter, by, limit, out);
    case 'stats':
      return stats(pool, filter, out);
  }
}

async function listing(sys: SystemHandles, pool: Pool, filter: HistoryFilter, limit: number, out: (l: string) => void) {
  const stored = await withLiveFacts(sys, await loadHistory(pool, { ...filter, limit }));
  // A server's fault (its connection slots, replication slots, standbys, a role's sort memory) is
  // healed by one attempt in whichever collection saw it first: say so, or the row reads as that collection's.
  const rows = stored.map((r) => ({
    ...r,
    scope: r.problem_class !== null && isProblemClassName(r.problem_class) ? faultScope(r.problem_class) : null,
  }));
  if (rows.length === 0) out(`no healing attempts since ${filter.since.toISOString()}${filtersText(filter)}`);
  for (const r of rows) {
    const result =
      r.status === 'Completed'
        ? `${r.success ? 'success' : 'failed'}, ${r.verified ? 'verified' : 'not verified'}`
        : r.awaiting_approval
          ? `waits for approval (\`selfheal approve ${r.attempt_id}\`)`
          : r.phase
            ? `${r.status} (${r.phase})`
            : r.status;
    const lambda =
      r.initial_lambda !== null ? ` λ ${r.initial_lambda.toFixed(3)} → ${r.final_lambda?.toFixed(3) ?? '?'}` : '';
    const imp = r.improvement !== null ? ` (${(r.improvement * 100).toFixed(1)} %)` : '';
    out(
      `#${r.attempt_id} ${r.started_at} ${r.collection} ${r.problem_class ?? '-'}` +
        `${r.scope === 'server' ? ' (server-wide: one attempt for every collection on the server)' : ''} → ` +
        `${r.strategy ?? '-'}: ${result}${lambda}${imp}${r.reason && r.status !== 'Completed' ? ` — ${r.reason}` : ''}`,
    );
    const why = r.selection?.why;
    if (typeof why === 'string') out(`  chose: ${why}`);
  }
  return { data: rows, exitCode: 0 };
}

async function patterns(
  pool: Pool,
  filter: HistoryFilter,
  limit: number | undefined,
  out: (l: string) => void,
): Promise<CommandResult> {
  const found = recoveryPatterns(await loadPatternOccurrences(pool, filter));
  const shown = found.slice(0, limit);
  const since = `since ${filter.since.toISOString()}${filtersText(filter)}`;
  if (found.length === 0)
    out(
      `no patterns ${since}: no class recurred on one part ${MIN_PATTERN_OCCURRENCES} times in attempts that ran ` +
        'a strategy',
    );
  else
    out(
      `${found.length} ${found.length === 1 ? 'pattern' : 'patterns'} ${since} (a class on one part, in at least ` +
        `${MIN_PATTERN_OCCURRENCES} attempts that ran a strategy)` +
        `${shown.length < found.length ? `, ${shown.length} shown` : ''}:`,
    );
  for (const p of shown) {
    const best = p.strategies[0]!;
    const others = p.strategies
      .slice(1)
      .map((s) => `${s.strategy} ${percent(s.success_rate)} of ${s.occurrences}`)
      .join(', ');
    out(
      `${p.problem_class} on ${p.component}: ${counted(p.occurrences, 'occurrence')}, best ${p.best_strategy} ` +
        `${percent(p.success_rate)} (${best.healed} of ${best.occurrences} healed)${others ? `; also ${others}` : ''}` +
        `; last ${p.last_seen}`,
    );
  }
  return {
    data: { since: filter.since.toISOString(), min_occurrences: MIN_PATTERN_OCCURRENCES, patterns: shown },
    exitCode: 0,
  };
}

async function trends(
  pool: Pool,
  filter: HistoryFilter,
  by: TrendPeriod,
  limit: number | undefined,
  out: (l: string) => void,
): Promise<CommandResult> {
  const all = await loadTrends(pool, filter, by);
  // The newest periods are the ones a limit keeps; they still read oldest first, as a trend does.
  const rows = limit === undefined ? all : all.slice(-limit);
  if (rows.length === 0) out(`no healing attempts since ${filter.since.toISOString()}${filtersText(filter)}`);
  else {
    out(
      `per ${by} since ${filter.since.toISOString()}${filtersText(filter)}; success: completed, verified, over the ` +
        'attempts that ran a strategy; time to recovery: from detection to the verified outcome',
    );
    out(`${(by === 'day' ? 'day' : 'week of').padEnd(10)}  attempts  ran  success  mean time to recovery`);
  }
  for (const r of rows)
    out(
      `${r.period}  ${String(r.attempts).padStart(8)}  ${String(r.ran).padStart(3)}  ` +
        `${percent(r.success_rate).padStart(7)}  ${recoveryTimeText(r)}`,
    );
  return { data: { since: filter.since.toISOString(), by, periods: rows }, exitCode: 0 };
}

async function stats(pool: Pool, filter: HistoryFilter, out: (l: string) => void): Promise<CommandResult> {
  const s = await loadRecoveryStats(pool, filter);
  const healed = `${s.recovery.recoveries} of ${s.ran}`;
  out(
    `since ${filter.since.toISOString()}${filtersText(filter)}: ${counted(s.attempts, 'attempt')}, ` +
      `${s.ran} ran a strategy, ` +
      `success rate ${percent(s.success_rate)}${s.ran ? ` (${healed} completed and verified)` : ''}`,
  );
  const common = s.most_common_fault;
  out(`most common fault: ${common ? `${common.problem_class} (${counted(common.attempts, 'attempt')})` : '-'}`);
  const best = s.most_effective_strategy;
  out(
    `most effective strategy: ${
      best
        ? `${best.strategy} ${percent(best.success_rate)} (${best.recoveries} of ${best.occurrences})`
        : `none yet (none has run ${MIN_PATTERN_OCCURRENCES} times)`
    }`,
  );
  out(`mean time to recovery (from detection to the verified outcome): ${recoveryTimeText(s.recovery)}`);
  for (const c of s.recovery_by_class) out(`  ${c.problem_class}: ${recoveryTimeText(c)}`);
  return { data: { since: filter.since.toISOString(), ...s }, exitCode: 0 };
}

/**
 * A running attempt's class, strategy and phase from its workflow: the store records them when it
 * ends. Rows Temporal cannot answer for stay as stored.
 */
async function withLiveFacts(
  sys: SystemHandles,
  rows: HistoryEntry[],
): Promise<(HistoryEntry & { phase?: string; awaiting_approval?: boolean })[]> {
  const running = rows.filter((r) => r.status === 'running');
  if (running.length === 0) return rows;
  const client = await sys.temporal().catch(() => null);
  if (!client) return rows;
  return Promise.all(
    rows.map(async (r) => {
      if (r.status !== 'running') return r;
      const s = await liveAttemptStatus(client, r.workflow_id, r.run_id);
      if (!s) return r;
      return {
        ...r,
        problem_class: r.problem_class ?? s.problem?.class ?? null,
        strategy: r.strategy ?? s.strategy,
        phase: s.phase,
        awaiting_approval: s.awaiting_approval,
      };
    }),
  );
}

function filtersText(f: HistoryFilter): string {
  const parts = [
    f.collection && `collection ${f.collection}`,
    f.problem_class && `class ${f.problem_class}`,
    f.strategy && `strategy ${f.strategy}`,
    f.status && `status ${f.status}`,
  ].filter(Boolean);
  return parts.length ? ` (${parts.join(', ')})` : '';
}
