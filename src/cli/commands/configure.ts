import { existsSync, readFileSync } from 'node:fs';
import { collectionNameSchema, listCollections } from '../../postgres/collections';
import { DATABASE_WIDE_KEYS, healingConfigSchema } from '../../domain/healing-config';
import { normalizeConfigureRequest } from '../../domain/configure-request';
import { loadScopeConfig, storeHealingConfig } from '../../postgres/outcome-store';
import { refreshGuardian } from '../../temporal/guardian-client';
import { onlyFlags, type ParsedArgs, UsageError } from '../args';
import type { CommandResult } from '../command';
import type { SystemHandles } from '../system-connection';

/**
 * `selfheal configure <file|json> [--collection c]`: ruvector_healing_configure. Validated whole
 * (bounds, unknown keys refused) for every collection it touches before anything is stored, then
 * stored and handed to the running guardians, which apply it without restarting.
 */
export async function configureCommand(
  args: ParsedArgs,
  sys: SystemHandles,
  out: (l: string) => void,
): Promise<CommandResult> {
  onlyFlags(args, ['json', 'collection']);
  if (args.positionals.length !== 1)
    throw new UsageError(
      'usage: selfheal configure <file.json | \'{"min_healing_interval": 600}\'> [--collection name] [--json]',
    );
  const text = existsSync(args.positionals[0]!) ? readFileSync(args.positionals[0]!, 'utf8') : args.positionals[0]!;
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new UsageError(`configuration is neither a file nor JSON: ${(err as Error).message}`);
  }
  const change = normalizeConfigureRequest(json);
  const scope = args.flags.collection === undefined ? '*' : collectionNameSchema.parse(String(args.flags.collection));
  // Stored per collection it would be read by nothing: say so rather than store it.
  const wide = Object.keys(change).filter((k) => DATABASE_WIDE_KEYS.includes(k));
  if (scope !== '*' && wide.length)
    throw new UsageError(`${wide.join(', ')} applies to the whole database: set it without --collection`);
  const pool = await sys.pool();
  const collections = (await listCollections(pool)).filter((c) => scope === '*' || c.name === scope);
  if (scope !== '*' && collections.length === 0) throw new UsageError(`no collection named "${scope}"`);

  const newScope = { ...(await loadScopeConfig(pool, scope)), ...change };
  const global = scope === '*' ? newScope : await loadScopeConfig(pool, '*');
  const effective = new Map<string, ReturnType<typeof healingConfigSchema.parse>>();
  for (const c of collections) {
    const own = scope === '*' ? await loadScopeConfig(pool, c.name) : newScope;
    effective.set(c.name, healingConfigSchema.parse({ ...global, ...own }));
  }
  healingConfigSchema.parse(global);
  await storeHealingConfig(pool, scope, newScope);

  // The guardian reads configuration from the store at every pass; asking it to pass now applies it at once.
  const refreshed = await refreshGuardian(await sys.temporal(), await sys.database());
  const applied = refreshed ? [...effective.keys()] : [];
  out(`stored for ${scope === '*' ? 'all collections' : scope}: ${JSON.stringify(change)}`);
  out(
    applied.length
      ? `applied to the running guardians of: ${applied.join(', ')}`
      : 'no guardian is running: applied when one starts',
  );
  return { data: { scope, change, applied_to: applied, effective: Object.fromEntries(effective) }, exitCode: 0 };
}
