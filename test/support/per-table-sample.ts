import type { Collection } from '../../src/postgres/collections';
import { readBlockingChains } from '../../src/probes/blocking-chains';
import { readConnectionUsage } from '../../src/probes/connection-usage';
import { counterWindow, type WindowOptions } from '../../src/probes/counter-window';
import { readMaintenanceJobs } from '../../src/probes/maintenance-jobs';
import { readPartitionCounters, readPartitionLayout, type PartitionCounters } from '../../src/probes/partitions';
import type { Queryable } from '../../src/probes/queryable';
import { readReplicationSlots } from '../../src/probes/replication-slots';
import { readRunawayQueries } from '../../src/probes/runaway-queries';
import type { SamplerSettings } from '../../src/probes/sample-database';
import { readStandbys } from '../../src/probes/standbys';
import { readTableStats } from '../../src/probes/table-stats';
import { readTempConsumers, readWorkMemBytes, tempSpillRate } from '../../src/probes/temp-spill';
import type { CollectionStats, IndexStats } from '../../src/sensor/collection-stats';
import { staleStatisticsThreshold } from '../../src/sensor/parts/planner-statistics';

/**
 * The per-table sampling path as it was before the database pass (sampleCollection of
 * d2ee6ee, with its probes that are gone from src/probes): about 13 statements per collection,
 * and pgstatindex on every btree of index_candidate_min_bytes or more. Kept only as the
 * reference the batched pass is compared with (test/integration/sample-database.test.ts) and
 * measured against (bench/batched-sensor.ts).
 */
export async function samplePerTable(
  db: Queryable,
  collection: Collection,
  settings: SamplerSettings,
  window: WindowOptions = {},
): Promise<CollectionStats> {
  if (collection.table_oid === null) throw new Error(`collection ${collection.name}: table does not exist`);
  const oid = collection.table_oid;
  const started = process.hrtime.bigint();
  const table = await readTableStats(db, oid);
  const staleFor = await conditionSince(
    db,
    collection.id,
    'stale_statistics',
    table.analysis.filter((p) => p.mods_since_analyze > staleStatisticsThreshold(p, settings)).map((p) => p.name),
  );
  table.analysis = table.analysis.map((p) => ({ ...p, stale_for_seconds: staleFor.get(p.name) ?? 0 }));
  const indexes = await readIndexStats(db, oid, settings.index_candidate_min_bytes);
  const maintenance = await readMaintenanceJobs(db, oid);
  const blocking_chains = await readBlockingChains(db, oid, settings.blocked_session_min_seconds);
  const runaway_queries = await readRunawayQueries(db, oid, settings.runaway_query_seconds);
  const connections = await readConnectionUsage(db);
  const layout = await readPartitionLayout(db, oid);
  const consumers = await readTempConsumers(db);
  const workMem = await readWorkMemBytes(db);
  const slots = await readReplicationSlots(db);
  const replicas = await readStandbys(db);
  const sampledAt = new Date().toISOString();
  const probeMs = Number(process.hrtime.bigint() - started) / 1e6;
  const loadStarted = process.hrtime.bigint();
  const [load, spill] = await Promise.all([
    layout ? measurePartitionLoad(db, collection.id, oid, window) : null,
    tempSpillRate(db, collection.id, window),
  ]);
  const loadMs = Number(process.hrtime.bigint() - loadStarted) / 1e6 - Math.max(load?.waited_ms ?? 0, spill.waited_ms);
  return {
    collection: collection.name,
    table,
    indexes,
    maintenance,
    blocking_chains,
    runaway_queries,
    connections,
    partitioning: layout && load ? { ...layout, partitions: load.partitions, window_ms: load.window_ms } : null,
    memory: { temp_bytes_per_s: spill.per_s, window_ms: spill.window_ms, work_mem_bytes: workMem, consumers },
    slots,
    replicas,
    sampled_at: sampledAt,
    sample_cost_ms: Math.round((probeMs + Math.max(0, loadMs)) * 100) / 100,
  };
}

/**
 * The table's indexes with their size and validity; pgstatindex (which reads the whole index) runs
 * only on candidates: valid btrees at least `candidateMinBytes` large (never on a partitioned
 * index, which has no pages of its own).
 */
async function readIndexStats(db: Queryable, tableOid: number, candidateMinBytes: number): Promise<IndexStats[]> {
  const { rows } = await db.query<IndexStats>(
    `SELECT c.oid::int8 AS oid, c.oid::regclass::text AS name, pg_relation_size(c.oid)::float8 AS size_bytes,
            a.amname = 'btree' AS is_btree, i.indisvalid AS is_valid,
            s.avg_leaf_density::float8 AS avg_leaf_density, s.leaf_fragmentation::float8 AS leaf_fragmentation,
            s.leaf_pages::float8 AS leaf_pages
       FROM pg_index i
       JOIN pg_class c ON c.oid = i.indexrelid
       JOIN pg_am a ON a.oid = c.relam
       -- pgstatindex is strict: a NULL argument (not a candidate) reads nothing. A WHERE clause would
       -- not stop the planner from calling it on an invalid index, which raises an error.
       LEFT JOIN LATERAL pgstatindex(
         CASE WHEN a.amname = 'btree' AND c.relkind = 'i' AND i.indisvalid AND i.indisready
           AND pg_relation_size(c.oid) >= $2
              THEN c.oid::regclass END
       ) s ON true
      WHERE i.indrelid = $1
        -- An index still being built is invalid on purpose: not a part of the collection yet.
        AND (i.indisvalid OR i.indrelid NOT IN (SELECT relid FROM pg_stat_progress_create_index
        WHERE datname = current_database()))
      ORDER BY c.oid`,
    [tableOid, candidateMinBytes],
  );
  return rows.map((r) => ({
    ...r,
    avg_leaf_density: nanToNull(r.avg_leaf_density),
    leaf_fragmentation: nanToNull(r.leaf_fragmentation),
  }));
}

/** pgstatindex reports NaN density for an index with no leaf pages. */
function nanToNull(x: number | null): number | null {
  return x === null || Number.isNaN(x) ? null : x;
}

/**
 * How long a condition has held for each part, as consecutive samples saw it: parts in the
 * condition now keep the time they were first seen (or get now), parts out of it are forgotten.
 * Returns seconds per part in `partsNow`.
 */
async function conditionSince(
  db: Queryable,
  collectionId: number,
  condition: string,
  partsNow: string[],
): Promise<Map<string, number>> {
  const { rows } = await db.query<{ part: string; seconds: number }>(
    `WITH gone AS (
        DELETE FROM ruvector.condition_since WHERE collection_id = $1 AND condition = $2 AND part <> ALL ($3::text[])),
     added AS (
        INSERT INTO ruvector.condition_since (collection_id, condition, part, since)
        SELECT $1, $2, p, clock_timestamp() FROM unnest($3::text[]) p
        ON CONFLICT (collection_id, condition, part) DO NOTHING RETURNING part)
     -- The statement's snapshot does not see its own inserts: those parts start at 0.
     SELECT part, extract(epoch FROM clock_timestamp() - since)::float8 AS seconds
       FROM ruvector.condition_since WHERE collection_id = $1 AND condition = $2 AND part = ANY ($3::text[])
     UNION ALL SELECT part, 0 FROM added`,
    [collectionId, condition, partsNow],
  );
  return new Map(rows.map((r) => [r.part, r.seconds]));
}

interface PartitionLoad extends PartitionCounters {
  /** Operations per second over the window. */
  ops_per_s: number;
}

/**
 * Load per partition as the rate of its row-operation counters between two samples: the counters
 * only ever grow, so one reading says nothing of the load now.
 */
async function measurePartitionLoad(
  db: Queryable,
  collectionId: number,
  tableOid: number,
  opts: WindowOptions = {},
): Promise<{ partitions: PartitionLoad[]; window_ms: number; waited_ms: number }> {
  let now: PartitionCounters[] = [];
  const rates = await counterWindow(
    db,
    collectionId,
    'partition_ops',
    async () => {
      now = await readPartitionCounters(db, tableOid);
      return Object.fromEntries(now.map((p) => [String(p.oid), p.ops]));
    },
    opts,
  );
  const partitions = now.map((p) => ({ ...p, ops_per_s: rates.per_s.get(String(p.oid)) ?? 0 }));
  return { partitions, window_ms: rates.window_ms, waited_ms: rates.waited_ms };
}
