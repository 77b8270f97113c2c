import { z } from 'zod';

/** A table by schema and name, as a snapshot records it to find it again. */
export const tableRefSchema = z.object({ schema: z.string(), table: z.string() });

/** Where a partitioned collection's rows live (src/postgres/placement-snapshot.ts): recorded before rows move. */
export const rowPlacementSchema = z.object({
  schema: z.string(),
  table: z.string(),
  id_column: z.string(),
  key_column: z.string(),
});
