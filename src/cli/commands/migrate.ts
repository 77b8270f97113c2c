import { migrate, pendingMigrations } from '../../postgres/migrate';
import { createPool } from '../../postgres/pool';
import { onlyFlags, type ParsedArgs, UsageError } from '../args';
import type { CommandResult } from '../command';
import type { SystemHandles } from '../system-connection';

/** `selfheal migrate [--check]`: applies the store's migrations (safe to run from several places at once). */
export async function migrateCommand(
  args: ParsedArgs,
  sys: SystemHandles,
  out: (l: string) => void,
): Promise<CommandResult> {
  onlyFlags(args, ['json', 'check']);
  if (args.positionals.length) throw new UsageError('usage: selfheal migrate [--check]');
  // Its own pool: the shared one refuses to open on a store that is not migrated.
  const pool = createPool(sys.settings.databaseUrl, 1);
  try {
    if (args.flags.check) {
      const pending = await pendingMigrations(pool);
      out(pending.length ? `migrations to apply: ${pending.join(', ')}` : 'the store is up to date');
      return { data: { pending }, exitCode: pending.length ? 4 : 0 };
    }
    const applied = await migrate(pool);
    out(applied.length ? `applied migrations ${applied.join(', ')}` : 'the store is up to date');
    return { data: { applied }, exitCode: 0 };
  } finally {
    await pool.end().catch(() => undefined);
  }
}
