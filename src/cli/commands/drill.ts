import { z } from 'zod';
import { collectionNameSchema, getCollection, listCollections, type Collection } from '../../postgres/collections';
import { DRILL_REQUIREMENTS, drillMismatch, readTableShape } from '../../drills/drill-requirements';
import { loadHealingConfig } from '../../postgres/outcome-store';
import type { Pool } from '../../postgres/pool';
import { drillBlockingChain } from '../../drills/blocking-chain';
import { drillCentroidSkew } from '../../drills/centroid-skew';
import { drillHotspotCongestion } from '../../drills/hotspot-congestion';
import { drillConnectionExhaustion } from '../../drills/connection-exhaustion';
import type { DrillRun } from '../../drills/held-fault';
import { drillIndexFragmentation } from '../../drills/index-fragmentation';
import { drillInvalidIndex } from '../../drills/invalid-index';
import { drillMaintenanceContention } from '../../drills/maintenance-contention';
import { drillMemoryPressure } from '../../drills/memory-pressure';
import { drillReplicationLag } from '../../drills/replication-lag';
import { drillRunawayQuery } from '../../drills/runaway-query';
import { drillSlotRetention } from '../../drills/slot-retention';
import { drillStaleStatistics } from '../../drills/stale-statistics';
import { drillWraparoundRisk } from '../../drills/wraparound-risk';
import { onlyFlags, type ParsedArgs, UsageError } from '../args';
import type { CommandResult } from '../command';
import { parseSpanMs } from '../durations';
import type { SystemHandles } from '../system-connection';

type Inject = (pool: Pool, databaseUrl: string, c: Collection, force: boolean) => Promise<DrillRun>;

/** One fault injection per problem class, each a reproducible way to cause it on a test server. */
const DRILLS: Record<string, Inject> = {
  HotspotCongestion: (pool, url, c, force) => drillHotspotCongestion(pool, url, c, { force }),
  CentroidSkew: (pool, _url, c, force) => drillCentroidSkew(pool, c, { force }),
  IndexFragmentation: async (pool, _url, c, force) => ({
    problem_class: 'IndexFragmentation',
    collection: c.name,
    report: { ...(await drillIndexFragmentation(pool, c, { force })) },
    held: null,
  }),
  InvalidIndex: async (pool, url, c, force) => ({
    problem_class: 'InvalidIndex',
    collection: c.name,
    report: { ...(await drillInvalidIndex(pool, url, c, { force })) },
    held: null,
  }),
  MaintenanceContention: (pool, _url, c, force) => drillMaintenanceContention(pool, c, { force }),
  MemoryPressure: (pool, url, c, force) => drillMemoryPressure(pool, url, c, { force }),
  BlockingChain: (pool, url, c, force) => drillBlockingChain(pool, url, c, { force }),
  RunawayQuery: (pool, url, c, force) => drillRunawayQuery(pool, url, c, { force }),
  ConnectionExhaustion: (pool, url, c, force) => drillConnectionExhaustion(pool, url, c, { force }),
  WraparoundRisk: async (pool, _url, c, force) =>
    drillWraparoundRisk(pool, c, await loadHealingConfig(pool, c.name), { force }),
  StaleStatistics: (pool, _url, c, force) => drillStaleStatistics(pool, c, { force }),
  SlotRetention: (pool, _url, c, force) => drillSlotRetention(pool, c, { force }),
  ReplicationLag: (pool, _url, c, force) => {
    const standby = (process.env.SELFHEAL_STANDBY_URLS ?? '').split(',')[0]?.trim();
    if (!standby)
      throw new UsageError('the ReplicationLag drill pauses replay on a standby: set SELFHEAL_STANDBY_URLS to its URL');
    return drillReplicationLag(pool, standby, c, { force });
  },
};
const NAMES = Object.keys(DRILLS);

const argsSchema = z.object({
  problemClass: z.string().refine((s) => NAMES.includes(s), { message: `drills exist for: ${NAMES.join(', ')}` }),
  collection: collectionNameSchema,
  force: z.boolean(),
});

/**
 * `selfheal drill <class> <collection> [--force] [--hold 10m]`: injects the fault for real, for
 * staging databases and demos. A fault that lives in sessions (a lock chain, a runaway statement,
 * filled connection slots) is held until selfheal heals it or --hold runs out.
 */
export async function drillCommand(
  args: ParsedArgs,
  sys: SystemHandles,
  out: (l: string) => void,
): Promise<CommandResult> {
  onlyFlags(args, ['json', 'force', 'hold']);
  if (args.positionals.length !== 2)
    throw new UsageError(`usage: selfheal drill <${NAMES.join('|')}> <collection> [--force] [--hold 10m] [--json]`);
  const a = argsSchema.parse({
    problemClass: args.positionals[0],
    collection: args.positionals[1],
    force: args.flags.force === true,
  });
  const holdMs = typeof args.flags.hold === 'string' ? parseSpanMs('hold', args.flags.hold) : 10 * 60_000;
  const pool = await sys.pool();
  const collection = await getCollection(pool, a.collection);
  await requireApplicable(pool, a.problemClass, collection);
  const run = await DRILLS[a.problemClass]!(pool, sys.settings.databaseUrl, collection, a.force);
  out(`${a.problemClass} drill on ${a.collection}: ${JSON.stringify(run.report)}`);
  if (!run.held) {
    out(`now: npx selfheal trigger ${a.collection} (or let its guardian notice)`);
    return { data: run, exitCode: 0 };
  }
  out(`holding the fault until selfheal heals it (at most ${Math.round(holdMs / 1000)} s; Ctrl-C releases it)`);
  const started = Date.now();
  let timer: NodeJS.Timeout | undefined;
  const outcome = await Promise.race([
    run.held.cleared.then(() => 'healed' as const),
    new Promise<'held'>((r) => (timer = setTimeout(() => r('held'), holdMs))),
  ]);
  clearTimeout(timer);
  await run.held.release();
  const seconds = (Date.now() - started) / 1000;
  out(
    outcome === 'healed'
      ? `the fault was cleared after ${seconds.toFixed(1)} s`
      : `not healed within ${seconds.toFixed(0)} s: released`,
  );
  return { data: { ...run, held: undefined, outcome, held_seconds: seconds }, exitCode: outcome === 'healed' ? 0 : 4 };
}

/**
 * Refuses (exit 2) a drill whose fault this collection's table cannot hold, before anything is
 * injected, saying why and which registered collections it does apply to.
 */
async function requireApplicable(pool: Pool, problemClass: string, c: Collection): Promise<void> {
  const why = drillMismatch(problemClass, await readTableShape(pool, c));
  if (why === null) return;
  const fits: string[] = [];
  for (const other of await listCollections(pool)) {
    if (other.name !== c.name && drillMismatch(problemClass, await readTableShape(pool, other)) === null)
      fits.push(other.name);
  }
  throw new UsageError(
    `the ${problemClass} drill does not apply to collection ${c.name} ` +
      `(${why}): it needs ${DRILL_REQUIREMENTS[problemClass]!.needs}. ` +
      (fits.length ? `It applies to: ${fits.join(', ')}` : 'No registered collection fits it'),
  );
}
