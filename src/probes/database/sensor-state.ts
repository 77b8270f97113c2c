import type { IndexChangeMarker } from '../../sensor/index-bloat';
import type { StoredReadings } from '../counter-window';
import type { MeasuredDensity } from './index-density';
import type { Queryable } from '../queryable';

/**
 * The sensor's own bookkeeping, apart from what it measures: counter readings for rates
 * (ruvector.counter_windows), since when a condition has held (ruvector.condition_since), and
 * pgstatindex readings of unchanged indexes (ruvector.index_density). A pass reads it all in one
 * statement before its probes, and this module's writeSensorState is the one place it is written,
 * in one statement after them: the probes only read.
 */

export interface CachedDensity extends IndexChangeMarker, MeasuredDensity {
  size_bytes: number;
  measured_at: string;
}

export interface SensorState {
  /** Per collection id, then counter family. */
  windows: Map<number, Map<string, StoredReadings>>;
  /** Per collection id, then condition, then part: seconds since it was first seen in the condition. */
  conditions: Map<number, Map<string, Map<string, number>>>;
  /** Per index oid. */
  densities: Map<number, CachedDensity>;
}

export async function readSensorState(
  db: Queryable,
  collectionIds: readonly number[],
  families: readonly string[],
  tableOids: readonly number[],
): Promise<SensorState> {
  // Each row as a JSON array, not an object: the server spells out no keys (a pass reads a row per
  // collection and family), and the objects are put together here.
  const { rows } = await db.query<{
    windows: [
      number,
      string,
      Record<string, number>,
      string,
      number,
      Record<string, number> | null,
      string | null,
      number | null,
    ][];
    conditions: [number, string, string, number][];
    densities: [
      number,
      number,
      number,
      number,
      number,
      number,
      number,
      number | null,
      number | null,
      number | null,
      string,
    ][];
  }>(
    `SELECT
       (SELECT coalesce(json_agg(json_build_array(
                 collection_id, family, latest, latest_at, extract(epoch FROM clock_timestamp() - latest_at) * 1000,
                 older, older_at, extract(epoch FROM clock_timestamp() - older_at) * 1000)), '[]'::json)
          FROM ruvector.counter_windows WHERE collection_id = ANY ($1::int[]) AND family = ANY ($2::text[])) AS windows,
       (SELECT coalesce(json_agg(json_build_array(collection_id, condition, part,
         extract(epoch FROM clock_timestamp() - since)::float8)), '[]'::json)
          FROM ruvector.condition_since WHERE collection_id = ANY ($1::int[])) AS conditions,
       (SELECT coalesce(json_agg(json_build_array(
                 index_oid::int8, table_oid::int8, relfilenode::int8, table_vacuums, table_writes, index_tuples,
                   size_bytes,
                 avg_leaf_density, leaf_fragmentation, leaf_pages, measured_at)), '[]'::json)
          FROM ruvector.index_density WHERE table_oid = ANY ($3::oid[])) AS densities`,
    [collectionIds, families, tableOids],
  );
  const r = rows[0]!;
  const windows = new Map<number, Map<string, StoredReadings>>();
  for (const [collection_id, family, latest, latest_at, latest_age_ms, older, older_at, older_age_ms] of r.windows) {
    if (!windows.has(collection_id)) windows.set(collection_id, new Map());
    windows.get(collection_id)!.set(family, {
      latest: { values: latest, at: latest_at, age_ms: latest_age_ms },
      older: older !== null ? { values: older, at: older_at!, age_ms: older_age_ms! } : null,
    });
  }
  const conditions = new Map<number, Map<string, Map<string, number>>>();
  for (const [collection_id, condition, part, seconds] of r.conditions) {
    if (!conditions.has(collection_id)) conditions.set(collection_id, new Map());
    const byCondition = conditions.get(collection_id)!;
    if (!byCondition.has(condition)) byCondition.set(condition, new Map());
    byCondition.get(condition)!.set(part, seconds);
  }
  const densities = new Map<number, CachedDensity>();
  for (const [
    oid,
    table_oid,
    relfilenode,
    table_vacuums,
    table_writes,
    index_tuples,
    size_bytes,
    avg_leaf_density,
    leaf_fragmentation,
    leaf_pages,
    measured_at,
  ] of r.densities) {
    densities.set(oid, {
      oid,
      table_oid,
      relfilenode,
      table_vacuums,
      table_writes,
      index_tuples,
      size_bytes,
      avg_leaf_density,
      leaf_fragmentation,
      leaf_pages,
      measured_at,
    });
  }
  return { windows, conditions, densities };
}

/** A new counter reading for one collection and family. */
export interface WindowWrite {
  collection_id: number;
  family: string;
  values: Record<string, number>;
  /** How long ago the counters were read: the reading is stored at that time, not at the write. */
  age_ms: number;
  /** Push the latest reading down to `older` (shiftsLatest). */
  shift: boolean;
}

/** The parts of a collection in a condition now; parts of it not listed are out of it. */
export interface ConditionWrite {
  collection_id: number;
  condition: string;
  parts: string[];
}

export interface DensityWrite extends IndexChangeMarker, MeasuredDensity {
  size_bytes: number;
}

export interface SensorStateWrites {
  windows: WindowWrite[];
  conditions: ConditionWrite[];
  densities: DensityWrite[];
}

/**
 * Everything a pass learnt for its next one, in one statement: the counter readings (the latest
 * shifted down where due), the condition history (parts out of a condition forgotten, parts new
 * to it starting now), and the pgstatindex readings taken, while readings of indexes that no
 * longer exist are dropped.
 */
export async function writeSensorState(db: Queryable, w: SensorStateWrites): Promise<void> {
  const conditionRows = w.conditions.flatMap((c) =>
    c.parts.map((part) => ({ collection_id: c.collection_id, condition: c.condition, part })),
  );
  const conditionScope = w.conditions.map((c) => ({ collection_id: c.collection_id, condition: c.condition }));
  await db.query(
    `WITH win AS (
        SELECT * FROM jsonb_to_recordset($1::jsonb) AS x(collection_id int, family text, "values" jsonb, age_ms float8,
          shift bool)
     ), updated AS (
        UPDATE ruvector.counter_windows cw SET
          older = CASE WHEN win.shift THEN cw.latest ELSE cw.older END,
          older_at = CASE WHEN win.shift THEN cw.latest_at ELSE cw.older_at END,
          latest = win."values",
          latest_at = clock_timestamp() - make_interval(secs => win.age_ms / 1000)
          FROM win WHERE cw.collection_id = win.collection_id AND cw.family = win.family
        RETURNING cw.collection_id
     ), inserted AS (
        -- Usually every reading had a row and was updated (one per collection and family): then
        -- the rows are not looked for again.
        INSERT INTO ruvector.counter_windows (collection_id, family, latest, latest_at, older, older_at)
        SELECT win.collection_id, win.family, win."values",
          clock_timestamp() - make_interval(secs => win.age_ms / 1000), NULL, NULL
          FROM win
         WHERE (SELECT count(*) FROM updated) < (SELECT count(*) FROM win)
           AND NOT EXISTS (SELECT 1 FROM ruvector.counter_windows cw
           WHERE cw.collection_id = win.collection_id AND cw.family = win.family)
           AND EXISTS (SELECT 1 FROM ruvector.collections c WHERE c.id = win.collection_id)
        ON CONFLICT (collection_id, family) DO NOTHING
        RETURNING collection_id
     ), now_in AS (
        SELECT * FROM jsonb_to_recordset($2::jsonb) AS x(collection_id int, condition text, part text)
     ), scope AS (
        SELECT * FROM jsonb_to_recordset($3::jsonb) AS x(collection_id int, condition text)
     ), gone AS (
        DELETE FROM ruvector.condition_since s USING scope
         WHERE s.collection_id = scope.collection_id AND s.condition = scope.condition
           AND NOT EXISTS (SELECT 1 FROM now_in n
           WHERE n.collection_id = s.collection_id AND n.condition = s.condition AND n.part = s.part)
        RETURNING s.collection_id
     ), added AS (
        INSERT INTO ruvector.condition_since (collection_id, condition, part, since)
        SELECT n.collection_id, n.condition, n.part, clock_timestamp() FROM now_in n
         WHERE EXISTS (SELECT 1 FROM ruvector.collections c WHERE c.id = n.collection_id)
        ON CONFLICT (collection_id, condition, part) DO NOTHING
        RETURNING collection_id
     ), measured AS (
        SELECT * FROM jsonb_to_recordset($4::jsonb) AS x(oid int8, table_oid int8, relfilenode int8,
          table_vacuums float8, table_writes float8,
                                                          index_tuples float8, size_bytes float8,
                                                            avg_leaf_density float8, leaf_fragmentation float8,
                                                              leaf_pages float8)
     ), stored AS (
        INSERT INTO ruvector.index_density (index_oid, table_oid, relfilenode, table_vacuums, table_writes,
          index_tuples, size_bytes,
                                            avg_leaf_density, leaf_fragmentation, leaf_pages, measured_at)
        SELECT oid::oid, table_oid::oid, relfilenode::oid, table_vacuums::int8, table_writes::int8, index_tuples,
          size_bytes::int8,
               avg_leaf_density, leaf_fragmentation, leaf_pages, clock_timestamp()
          FROM measured
        ON CONFLICT (index_oid) DO UPDATE SET
          table_oid = EXCLUDED.table_oid, relfilenode = EXCLUDED.relfilenode, table_vacuums = EXCLUDED.table_vacuums,
          table_writes = EXCLUDED.table_writes, index_tuples = EXCLUDED.index_tuples, size_bytes = EXCLUDED.size_bytes,
          avg_leaf_density = EXCLUDED.avg_leaf_density, leaf_fragmentation = EXCLUDED.leaf_fragmentation,
          leaf_pages = EXCLUDED.leaf_pages, measured_at = EXCLUDED.measured_at
        RETURNING index_oid
     ), pruned AS (
        DELETE FROM ruvector.index_density d
         WHERE NOT EXISTS (SELECT 1 FROM pg_index i WHERE i.indexrelid = d.index_oid AND i.indrelid = d.table_oid)
        RETURNING d.index_oid
     )
     SELECT (SELECT count(*) FROM updated) + (SELECT count(*) FROM inserted) AS windows,
            (SELECT count(*) FROM gone) + (SELECT count(*) FROM added) AS conditions,
            (SELECT count(*) FROM stored) + (SELECT count(*) FROM pruned) AS densities`,
    [
      JSON.stringify(w.windows),
      JSON.stringify(conditionRows),
      JSON.stringify(conditionScope),
      JSON.stringify(w.densities),
    ],
  );
}
