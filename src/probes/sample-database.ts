import type { HealingConfig } from '../domain/healing-config';
import type { Collection } from '../postgres/collections';
import type { CollectionStats, IndexStats } from '../sensor/collection-stats';
import { chooseConfirmations, estimateLeafDensity, needsConfirmation, readingStillHolds } from '../sensor/index-bloat';
import { staleStatisticsThreshold } from '../sensor/parts/planner-statistics';
import { readConnectionUsage } from './connection-usage';
import {
  chooseBase,
  MIN_WINDOW_MS,
  ratesBetween,
  shiftsLatest,
  type Reading,
  type WindowOptions,
} from './counter-window';
import { readBlockingChainsOf } from './database/blocking-chains';
import { measureIndexDensity } from './database/index-density';
import { readIndexesOf, type IndexCatalogRow } from './database/index-stats';
import { readMaintenanceJobsOf } from './database/maintenance-jobs';
import { readPartitionedTables, type PartitionedTable } from './database/partitions';
import { readRunawayQueriesOf } from './database/runaway-queries';
import {
  readSensorState,
  writeSensorState,
  type DensityWrite,
  type SensorState,
  type WindowWrite,
} from './database/sensor-state';
import { readTablesStats, type NamedTableStats } from './database/table-stats';
import type { Queryable } from './queryable';
import { readReplicationSlots } from './replication-slots';
import { RoundTripCounter } from './round-trip-counter';
import { readStandbys } from './standbys';
import type { TableStats } from './table-stats';
import { readTempBytes, readTempConsumers, readWorkMemBytes } from './temp-spill';

/** What a collection's own configuration may set differently from the pass's. */
export type CollectionSamplerSettings = Pick<
  HealingConfig,
  | 'index_candidate_min_bytes'
  | 'index_fragmentation_threshold_pct'
  | 'blocked_session_min_seconds'
  | 'runaway_query_seconds'
  | 'stale_statistics_ratio'
>;

export type SamplerSettings = CollectionSamplerSettings & Pick<HealingConfig, 'index_confirm_budget_bytes'>;

export interface DatabaseSamplerSettings extends SamplerSettings {
  /**
   * A collection's own settings, by collection name, where its stored configuration differs; the rest take the pass's.
   */
  per_collection?: Readonly<Record<string, CollectionSamplerSettings>>;
}

/** A watched collection the pass could not sample: its table is gone, or its OID now names another table. */
export interface MissingCollection {
  id: number;
  name: string;
  table: string;
  reason: string;
}

export interface ConfirmedIndex {
  oid: number;
  name: string;
  size_bytes: number;
  estimated_density: number | null;
  /** What pgstatindex read; null when it found no leaf pages (or the index went away meanwhile). */
  avg_leaf_density: number | null;
}

/** pgstatindex work of the pass. */
export interface IndexConfirmations {
  budget_bytes: number;
  /** Bytes of index pgstatindex read: at most the budget. */
  bytes_read: number;
  /** Candidates read in this pass, worst estimate first. */
  confirmed: ConfirmedIndex[];
  /** Candidates that did not fit in the budget: a later pass reads them (those confirmed are cached meanwhile). */
  deferred: Omit<ConfirmedIndex, 'avg_leaf_density'>[];
  /** Indexes whose earlier reading still holds, reused without reading them. */
  reused: number;
}

export interface DatabaseSample {
  /** One per sampled collection, in the order given. */
  collections: CollectionStats[];
  missing: MissingCollection[];
  /** Statements the pass sent: a fixed number whatever the number of collections. */
  round_trips: number;
  index_confirmations: IndexConfirmations;
  sampled_at: string;
  /** Wall time of the pass without its waits for counter windows: the sensor's cost. */
  cost_ms: number;
  /** Time spent waiting for a counter window to reach MIN_WINDOW_MS (never in a periodic pass). */
  waited_ms: number;
}

const PARTITION_OPS = 'partition_ops';
const TEMP_BYTES = 'temp_bytes';
const STALE_STATISTICS = 'stale_statistics';

const ms = (since: bigint): number => Number(process.hrtime.bigint() - since) / 1e6;
const round2 = (x: number): number => Math.round(x * 100) / 100;

/**
 * One sampling pass over every given collection of one database: a fixed number of statements
 * whatever their number. Per-table parts (table and leaf statistics, indexes, maintenance jobs,
 * lock chains, runaway statements, partition layout and counters) are each read for all tables
 * at once; the server-wide parts (connections, temp files, work_mem, slots, standbys) once, shared.
 * Btree bloat is estimated from the statistics for every index; pgstatindex reads only candidates
 * the estimate picks, within `index_confirm_budget_bytes`, and its readings are reused until the
 * index changes. Rates come from counter readings earlier passes stored (two per collection and
 * family); a periodic pass (`noWait`) never waits. The sensor's own bookkeeping is read first and
 * written last, each in one statement (src/probes/database/sensor-state.ts). A collection whose
 * table is gone is reported in `missing`, and the others are sampled.
 */
export async function sampleDatabase(
  db: Queryable,
  collections: readonly Collection[],
  settings: DatabaseSamplerSettings,
  /** How rates are windowed: after a change, or (periodic samples) without waiting. */
  window: WindowOptions = {},
): Promise<DatabaseSample> {
  const q = new RoundTripCounter(db);
  const started = process.hrtime.bigint();
  const settingsOf = (c: Collection): CollectionSamplerSettings => settings.per_collection?.[c.name] ?? settings;
  const missing: MissingCollection[] = [];
  const seen = new Set<number>();
  const listed: (Collection & { table_oid: number })[] = [];
  for (const c of collections) {
    if (seen.has(c.id)) continue;
    seen.add(c.id);
    if (c.table_oid === null) missing.push(missingOf(c, 'table does not exist'));
    else listed.push(c as Collection & { table_oid: number });
  }
  const confirmations: IndexConfirmations = {
    budget_bytes: settings.index_confirm_budget_bytes,
    bytes_read: 0,
    confirmed: [],
    deferred: [],
    reused: 0,
  };
  const finish = (stats: CollectionStats[], waited: number): DatabaseSample => ({
    collections: stats,
    missing,
    round_trips: q.round_trips,
    index_confirmations: confirmations,
    sampled_at: new Date().toISOString(),
    cost_ms: round2(Math.max(0, ms(started) - waited)),
    waited_ms: Math.round(waited),
  });
  if (listed.length === 0) return finish([], 0);

  const state = await readSensorState(
    q,
    listed.map((c) => c.id),
    [PARTITION_OPS, TEMP_BYTES],
    unique(listed.map((c) => c.table_oid)),
  );
  const stateAt = Date.now();
  const tables = await readTablesStats(q, unique(listed.map((c) => c.table_oid)));
  const present = listed.filter((c) => {
    const t = tables.get(c.table_oid);
    if (!t) missing.push(missingOf(c, 'table no longer exists'));
    else if (t.schema_name !== c.table_schema || t.table_name !== c.table_name)
      missing.push(missingOf(c, `its table's OID now names ${t.name}`));
    else return true;
    return false;
  });
  if (present.length === 0) return finish([], 0);
  const oids = unique(present.map((c) => c.table_oid));

  const indexRows = await readIndexesOf(q, oids);
  const maintenance = await readMaintenanceJobsOf(q, oids);
  const chains = await readBlockingChainsOf(
    q,
    present.map((c) => ({
      key: c.id,
      table_oid: c.table_oid,
      min_wait_seconds: settingsOf(c).blocked_session_min_seconds,
    })),
  );
  const runaway = await readRunawayQueriesOf(
    q,
    present.map((c) => ({ key: c.id, table_oid: c.table_oid, min_seconds: settingsOf(c).runaway_query_seconds })),
  );
  const connections = await readConnectionUsage(q);
  const consumers = await readTempConsumers(q);
  const workMem = await readWorkMemBytes(q);
  const slots = await readReplicationSlots(q);
  const replicas = await readStandbys(q);

  const judged = await judgeIndexes(
    q,
    indexRows,
    state,
    present,
    settingsOf,
    settings.index_confirm_budget_bytes,
    confirmations,
  );

  let partitioned = await readPartitionedTables(q, oids);
  let partitionsAt = Date.now();
  let tempBytes = await readTempBytes(q);
  let tempBytesAt = Date.now();
  const firstRead = { partitioned, partitionsAt, tempBytesAt };
  const sampledAt = new Date().toISOString();

  // Counter windows: one per collection and family, all waited on together when one must wait.
  const valuesOf = (c: Collection & { table_oid: number }, family: string): Record<string, number> | null => {
    if (family === TEMP_BYTES) return { temp_bytes: tempBytes };
    const p = partitioned.get(c.table_oid) ?? firstRead.partitioned.get(c.table_oid);
    return p ? Object.fromEntries(p.leaves.map((l) => [String(l.oid), l.ops])) : null;
  };
  const windows = present.flatMap((c) =>
    [PARTITION_OPS, TEMP_BYTES].flatMap((family) => {
      const values = valuesOf(c, family);
      if (!values) return [];
      const stored = state.windows.get(c.id)?.get(family);
      let base: Reading | null = chooseBase(stored, window);
      let fresh = false;
      if (!base && !window.noWait) {
        base = { values, age_ms: 0, at: '' };
        fresh = true;
      }
      return [{ c, family, stored, base, fresh }];
    }),
  );
  let waited = 0;
  if (!window.noWait && windows.length > 0) {
    const readAt = (family: string): number => (family === TEMP_BYTES ? firstRead.tempBytesAt : firstRead.partitionsAt);
    const now = Date.now();
    waited = Math.max(
      0,
      ...windows.map((w) =>
        !w.base
          ? 0
          : w.fresh
            ? MIN_WINDOW_MS - (now - readAt(w.family))
            : MIN_WINDOW_MS - w.base.age_ms - (now - stateAt),
      ),
    );
    if (waited > 0) await new Promise((r) => setTimeout(r, waited));
    if (waited > 0 || windows.some((w) => w.fresh)) {
      partitioned = await readPartitionedTables(q, oids);
      partitionsAt = Date.now();
      tempBytes = await readTempBytes(q);
      tempBytesAt = Date.now();
    }
  }
  const rates = new Map<string, { per_s: Map<string, number>; window_ms: number }>();
  const windowWrites: WindowWrite[] = [];
  for (const w of windows) {
    const values = valuesOf(w.c, w.family)!;
    const at = w.family === TEMP_BYTES ? tempBytesAt : partitionsAt;
    const firstAt = w.family === TEMP_BYTES ? firstRead.tempBytesAt : firstRead.partitionsAt;
    const windowMs = !w.base ? 0 : w.fresh ? at - firstAt : w.base.age_ms + (at - stateAt);
    rates.set(`${w.c.id}/${w.family}`, {
      per_s: ratesBetween(w.base?.values, values, windowMs),
      window_ms: Math.round(windowMs),
    });
    windowWrites.push({ collection_id: w.c.id, family: w.family, values, age_ms: 0, shift: shiftsLatest(w.stored) });
  }

  // Condition history: how long each part has been past the stale threshold (autovacuum gets its chance first).
  const analysed = new Map<number, TableStats>();
  const conditionWrites = present.map((c) => {
    const { schema_name: _s, table_name: _t, ...t } = tables.get(c.table_oid)! as NamedTableStats;
    const staleNow = t.analysis
      .filter((p) => p.mods_since_analyze > staleStatisticsThreshold(p, settingsOf(c)))
      .map((p) => p.name);
    const since = state.conditions.get(c.id)?.get(STALE_STATISTICS);
    const staleSet = new Set(staleNow);
    analysed.set(c.id, {
      ...t,
      analysis: t.analysis.map((p) => ({
        ...p,
        stale_for_seconds: staleSet.has(p.name) ? (since?.get(p.name) ?? 0) : 0,
      })),
    });
    return { collection_id: c.id, condition: STALE_STATISTICS, parts: staleNow };
  });

  const writeAt = Date.now();
  for (const w of windowWrites) w.age_ms = writeAt - (w.family === TEMP_BYTES ? tempBytesAt : partitionsAt);
  if (!window.readOnly)
    await writeSensorState(q, { windows: windowWrites, conditions: conditionWrites, densities: judged.densityWrites });

  const sample = finish([], waited);
  const share = round2(sample.cost_ms / present.length);
  sample.collections = present.map((c): CollectionStats => {
    const layout: PartitionedTable | undefined = partitioned.get(c.table_oid) ?? firstRead.partitioned.get(c.table_oid);
    const load = rates.get(`${c.id}/${PARTITION_OPS}`);
    const spill = rates.get(`${c.id}/${TEMP_BYTES}`)!;
    return {
      collection: c.name,
      table: analysed.get(c.id)!,
      indexes: judged.byTable.get(c.table_oid) ?? [],
      maintenance: maintenance.get(c.table_oid) ?? [],
      blocking_chains: chains.get(c.id) ?? [],
      runaway_queries: runaway.get(c.id) ?? [],
      connections,
      partitioning:
        layout && load
          ? {
              key: layout.key,
              centroids_table: layout.centroids_table,
              archive_table: layout.archive_table,
              partitions: layout.leaves.map((p) => ({ ...p, ops_per_s: load.per_s.get(String(p.oid)) ?? 0 })),
              window_ms: load.window_ms,
            }
          : null,
      memory: {
        temp_bytes_per_s: spill.per_s.get('temp_bytes') ?? 0,
        window_ms: spill.window_ms,
        work_mem_bytes: workMem,
        consumers,
      },
      slots,
      replicas,
      sampled_at: sampledAt,
      // The pass's cost, shared by the collections it sampled.
      sample_cost_ms: share,
    };
  });
  return sample;
}

/**
 * Each index's density: a reading of the unchanged index reused, else pgstatindex on the
 * candidates the estimate picks (within the budget), else the estimate alone.
 */
async function judgeIndexes(
  q: Queryable,
  rows: readonly IndexCatalogRow[],
  state: SensorState,
  present: readonly (Collection & { table_oid: number })[],
  settingsOf: (c: Collection) => CollectionSamplerSettings,
  budgetBytes: number,
  confirmations: IndexConfirmations,
): Promise<{ byTable: Map<number, IndexStats[]>; densityWrites: DensityWrite[] }> {
  // A table watched by several collections is judged by the most sensitive of their settings.
  const tableSettings = new Map<number, { minBytes: number; thresholdPct: number }>();
  for (const c of present) {
    const s = settingsOf(c);
    const t = tableSettings.get(c.table_oid);
    tableSettings.set(c.table_oid, {
      minBytes: Math.min(t?.minBytes ?? Number.POSITIVE_INFINITY, s.index_candidate_min_bytes),
      thresholdPct: Math.min(t?.thresholdPct ?? Number.POSITIVE_INFINITY, s.index_fragmentation_threshold_pct),
    });
  }
  const judged = rows.map((row) => {
    const estimate = row.measurable ? estimateLeafDensity(row) : null;
    const cached = row.measurable ? state.densities.get(row.oid) : undefined;
    const ts = tableSettings.get(row.table_oid)!;
    const kind: 'cache' | 'candidate' | 'estimate' | 'none' = !row.measurable
      ? 'none'
      : cached && readingStillHolds(cached, row)
        ? 'cache'
        : row.size_bytes >= ts.minBytes && needsConfirmation(estimate, ts.thresholdPct)
          ? 'candidate'
          : 'estimate';
    return { row, estimate, cached, kind };
  });
  const { chosen, deferred } = chooseConfirmations(
    judged
      .filter((j) => j.kind === 'candidate')
      .map((j) => ({ oid: j.row.oid, size_bytes: j.row.size_bytes, estimated_density: j.estimate, j })),
    budgetBytes,
  );
  const measured = await measureIndexDensity(
    q,
    chosen.map((c) => c.oid),
  );
  confirmations.reused = judged.filter((j) => j.kind === 'cache').length;
  confirmations.bytes_read = chosen.reduce((n, c) => n + c.size_bytes, 0);
  confirmations.confirmed = chosen.map((c) => ({
    oid: c.oid,
    name: c.j.row.name,
    size_bytes: c.size_bytes,
    estimated_density: c.estimated_density,
    avg_leaf_density: measured.get(c.oid)?.avg_leaf_density ?? null,
  }));
  confirmations.deferred = deferred.map((c) => ({
    oid: c.oid,
    name: c.j.row.name,
    size_bytes: c.size_bytes,
    estimated_density: c.estimated_density,
  }));
  const densityWrites: DensityWrite[] = [];
  const byTable = new Map<number, IndexStats[]>();
  for (const { row, estimate, cached, kind } of judged) {
    const m = kind === 'candidate' ? measured.get(row.oid) : kind === 'cache' ? cached : undefined;
    if (kind === 'candidate' && m) {
      densityWrites.push({
        oid: row.oid,
        table_oid: row.table_oid,
        relfilenode: row.relfilenode,
        table_vacuums: row.table_vacuums,
        table_writes: row.table_writes,
        index_tuples: row.index_tuples,
        size_bytes: row.size_bytes,
        avg_leaf_density: m.avg_leaf_density,
        leaf_fragmentation: m.leaf_fragmentation,
        leaf_pages: m.leaf_pages,
      });
    }
    const ix: IndexStats = {
      oid: row.oid,
      name: row.name,
      size_bytes: row.size_bytes,
      is_btree: row.is_btree,
      is_valid: row.is_valid,
      avg_leaf_density: m?.avg_leaf_density ?? null,
      leaf_fragmentation: m?.leaf_fragmentation ?? null,
      leaf_pages: m?.leaf_pages ?? null,
      estimated_density: estimate === null ? null : Math.round(estimate * 100) / 100,
      density_source: kind === 'none' ? null : m ? (kind === 'cache' ? 'cache' : 'pgstatindex') : 'estimate',
    };
    if (!byTable.has(row.table_oid)) byTable.set(row.table_oid, []);
    byTable.get(row.table_oid)!.push(ix);
  }
  return { byTable, densityWrites };
}

function missingOf(c: Collection, reason: string): MissingCollection {
  return { id: c.id, name: c.name, table: `${c.table_schema}.${c.table_name}`, reason };
}

function unique(xs: readonly number[]): number[] {
  return [...new Set(xs)];
}
