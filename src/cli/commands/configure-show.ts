import { withKnownStrategiesOnly } from '../../domain/healing-config';
import { getCollection } from '../../postgres/collections';
import { loadHealingConfigs } from '../../postgres/guardian-store';
import { loadScopeConfig } from '../../postgres/outcome-store';
import type { Pool } from '../../postgres/pool';
import type { CommandResult } from '../command';

/** Where an effective setting comes from: the default, the '*' scope, or the collection's own. */
export type ConfigLevel = 'default' | '*' | 'collection';

/**
 * `selfheal configure --show [--collection c]`: the configuration a guardian uses (defaults under
 * '*' under the collection's own), each setting with the level it comes from. It writes nothing.
 */
export async function showConfiguration(
  pool: Pool,
  collection: string | undefined,
  out: (l: string) => void,
): Promise<CommandResult> {
  if (collection !== undefined) await getCollection(pool, collection);
  const { base, own } = await loadHealingConfigs(pool, collection === undefined ? [] : [collection]);
  const effective = (collection === undefined ? base : (own.get(collection) ?? base)) as Record<string, unknown>;
  // Stored names the schema no longer takes are not applied: they are not shown as where a value comes from.
  const star = withKnownStrategiesOnly(await loadScopeConfig(pool, '*')) as Record<string, unknown>;
  const mine =
    collection === undefined
      ? {}
      : (withKnownStrategiesOnly(await loadScopeConfig(pool, collection)) as Record<string, unknown>);
  const settings = Object.fromEntries(
    Object.entries(effective).map(([key, value]) => {
      const from: ConfigLevel = key in mine ? 'collection' : key in star ? '*' : 'default';
      return [key, { value, from }];
    }),
  );
  const scope = collection ?? '*';
  out(`configuration of ${collection === undefined ? "all collections ('*')" : `collection ${collection}`}:`);
  const width = Math.max(...Object.keys(settings).map((k) => k.length));
  for (const [key, { value, from }] of Object.entries(settings))
    out(`  ${key.padEnd(width)}  ${JSON.stringify(value)}${from === 'default' ? '' : `  (${levelName(from, scope)})`}`);
  out('(unmarked: the default; `selfheal configure \'{"key": value}\' [--collection c]` changes one)');
  return { data: { scope, settings }, exitCode: 0 };
}

function levelName(from: ConfigLevel, scope: string): string {
  return from === '*' ? "set for all collections ('*')" : `set for ${scope}`;
}
