import { z } from 'zod';
import { collectionNameSchema, getCollection } from '../../postgres/collections';
import { drillIndexFragmentation } from '../../drills/index-fragmentation';
import { drillInvalidIndex } from '../../drills/invalid-index';
import { onlyFlags, type ParsedArgs, UsageError } from '../args';
import type { CommandResult } from '../command';
import type { SystemHandles } from '../system-connection';

const DRILLS = ['IndexFragmentation', 'InvalidIndex'] as const;
const argsSchema = z.object({
  problemClass: z.enum(DRILLS, { errorMap: () => ({ message: `drills exist for: ${DRILLS.join(', ')}` }) }),
  collection: collectionNameSchema,
  force: z.boolean(),
});

/** `selfheal drill <class> <collection> [--force]`: injects the fault for real, for staging databases and demos. */
export async function drillCommand(args: ParsedArgs, sys: SystemHandles, out: (l: string) => void): Promise<CommandResult> {
  onlyFlags(args, ['json', 'force']);
  if (args.positionals.length !== 2) throw new UsageError(`usage: selfheal drill <${DRILLS.join('|')}> <collection> [--force] [--json]`);
  const a = argsSchema.parse({ problemClass: args.positionals[0], collection: args.positionals[1], force: args.flags.force === true });
  const pool = await sys.pool();
  const collection = await getCollection(pool, a.collection);
  if (a.problemClass === 'InvalidIndex') {
    const r = await drillInvalidIndex(pool, sys.settings.databaseUrl, collection, { force: a.force });
    out(`InvalidIndex drill on ${a.collection}: ${r.index} is ${r.valid ? 'valid (the drill failed to break it)' : 'INVALID'} (${r.error})`);
    out(`now: npx selfheal trigger ${a.collection}`);
    return { data: r, exitCode: r.valid ? 1 : 0 };
  }
  const report = await drillIndexFragmentation(pool, collection, { force: a.force });
  out(`IndexFragmentation drill on ${a.collection}: deleted ${report.rows_deleted} of ${report.rows_before} rows, then VACUUM`);
  for (const ix of report.indexes) {
    out(`  ${ix.name}: leaf density ${ix.density_before?.toFixed(1) ?? '?'} → ${ix.density_after?.toFixed(1) ?? '?'} (${(ix.size_bytes / 1048576).toFixed(1)} MB)`);
  }
  out(`now: npx selfheal trigger ${a.collection}`);
  return { data: report, exitCode: 0 };
}
