import { counterWindow, type WindowOptions } from './counter-window';
import type { Queryable } from './queryable';

export interface TempConsumer {
  pid: number;
  role: string;
  superuser: boolean;
  bytes: number;
  query: string;
}

/** Bytes this database has written to temp files since the statistics reset (sorts and hashes that spilled). */
export async function readTempBytes(db: Queryable): Promise<number> {
  const { rows } = await db.query<{ b: number }>(
    'SELECT temp_bytes::float8 AS b FROM pg_stat_database WHERE datname = current_database()',
  );
  return rows[0]?.b ?? 0;
}

/**
 * Sessions of this database holding temp files now, largest first (file names carry the pid).
 * pg_ls_tmpdir needs superuser or pg_monitor: without it the list is empty, the rate still works.
 */
export async function readTempConsumers(db: Queryable): Promise<TempConsumer[]> {
  try {
    const { rows } = await db.query<TempConsumer>(
      `SELECT a.pid, coalesce(a.usename::text, '') AS role, coalesce(r.rolsuper, false) AS superuser,
         sum(f.size)::float8 AS bytes, left(coalesce(a.query, ''), 200) AS query
         FROM pg_ls_tmpdir() f
         JOIN pg_stat_activity a ON a.pid = substring(f.name FROM '^pgsql_tmp(\\d+)')::int
         LEFT JOIN pg_roles r ON r.oid = a.usesysid
        WHERE a.datname = current_database()
        GROUP BY a.pid, a.usename, r.rolsuper, a.query ORDER BY sum(f.size) DESC LIMIT 5`,
    );
    return rows;
  } catch {
    return [];
  }
}

export async function readWorkMemBytes(db: Queryable): Promise<number> {
  // current_setting shows it in whole units (4MB, 1536kB): the bytes pg_settings has in kB, without
  // pg_settings putting every setting of the server together first.
  const { rows } = await db.query<{ b: number }>("SELECT pg_size_bytes(current_setting('work_mem'))::float8 AS b");
  return rows[0]?.b ?? 4 * 1024 * 1024;
}

/** This database's temp-file write rate (bytes/s) between two samples of the collection. */
export async function tempSpillRate(
  db: Queryable,
  collectionId: number,
  opts: WindowOptions = {},
): Promise<{ per_s: number; window_ms: number; waited_ms: number }> {
  const r = await counterWindow(
    db,
    collectionId,
    'temp_bytes',
    async () => ({ temp_bytes: await readTempBytes(db) }),
    opts,
  );
  return { per_s: r.per_s.get('temp_bytes') ?? 0, window_ms: r.window_ms, waited_ms: r.waited_ms };
}
