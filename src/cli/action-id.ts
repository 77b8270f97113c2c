import { z } from 'zod';

/** PostgreSQL's bigint range: the action id column's. */
const BIGINT_MAX = 9_223_372_036_854_775_807n;

/**
 * An action id as typed (`selfheal approve 7`): a whole number from 1 to the bigint maximum, checked
 * before it reaches the database. Ids of this system stay far below 2^53; a larger one (still a
 * valid bigint) names no action, so it becomes null and is answered "no action" without a query.
 */
export const actionIdSchema = z
  .string()
  .refine(
    (t) => /^[1-9][0-9]{0,18}$/.test(t) && BigInt(t) <= BIGINT_MAX,
    (t) => ({
      message:
        `the action id is a whole number from 1 to ${BIGINT_MAX} (as \`selfheal pending\` lists them), not "` + `${t}"`,
    }),
  )
  .transform((t) => ({ text: t, id: Number.isSafeInteger(Number(t)) ? Number(t) : null }));
