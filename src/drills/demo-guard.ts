import type { Collection } from '../postgres/collections';
import type { Pool } from '../postgres/pool';
import { isDemoTable } from '../demo/demo-collection';

/** Drills break things for real: on a selfheal demo table, or anywhere with --force (staging). */
export async function requireDrillTarget(
  pool: Pool,
  c: Collection,
  force: boolean | undefined,
  what: string,
): Promise<boolean> {
  const demo = await isDemoTable(pool, c.table_schema, c.table_name);
  if (!demo && !force) {
    throw new Error(
      `${c.table_schema}.${c.table_name} is not a selfheal demo table: the drill ${what}; ` +
        `pass --force on a staging database`,
    );
  }
  return demo;
}
