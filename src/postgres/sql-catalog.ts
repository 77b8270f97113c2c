import { z } from 'zod';
import { DATABASE_WIDE_KEYS, DEFAULT_HEALING_CONFIG, healingConfigSchema } from '../domain/healing-config';
import { STRATEGY_SPECS } from '../domain/strategies/strategy-specs';
import { STRATEGY_NAMES } from '../domain/strategy-names';
import type { Queryable } from './queryable';

/**
 * What the SQL functions check their input against (ruvector.known_strategies, ruvector.known_config_keys),
 * written from the registry and the configuration schema by every migrate run. A migration's text never
 * changes once shipped, so a list written into one would fall behind the first new strategy or setting;
 * rewritten at each start, the SQL interface refuses exactly what the CLI refuses.
 */

export interface KnownStrategyRow {
  name: string;
  position: number;
  handles: string[];
  reversible: boolean;
  /** Parameter name → what it is, as `execute --param` describes it. */
  params: Record<string, string>;
}

export function knownStrategyRows(): KnownStrategyRow[] {
  return STRATEGY_SPECS.map((s, i) => ({
    name: s.name,
    position: i + 1,
    handles: [...s.handles],
    reversible: s.reversible,
    params: Object.fromEntries(Object.entries(s.params).map(([k, p]) => [k, p.help])),
  }));
}

export interface KnownConfigKeyRow {
  key: string;
  json_type: 'number' | 'boolean' | 'string' | 'array';
  whole_number: boolean;
  min_value: number | null;
  min_exclusive: boolean;
  max_value: number | null;
  max_exclusive: boolean;
  /** What an array's items may be (problem classes, strategy names). */
  allowed: string[] | null;
  /** The default, merged under the stored scopes; null for an alias. */
  default_value: unknown;
  database_wide: boolean;
  /** A spelling the SQL interface also takes for another key. */
  alias_of: string | null;
}

/** The spellings configure also takes (normalizeConfigureRequest), with the key each one stands for. */
const ALIASES: Record<string, string> = {
  min_healing_interval_seconds: 'min_healing_interval',
  max_attempts_per_hour: 'max_attempts_per_window',
};

function unwrap(t: z.ZodTypeAny): z.ZodTypeAny {
  for (;;) {
    if (t instanceof z.ZodDefault) t = t._def.innerType as z.ZodTypeAny;
    else if (t instanceof z.ZodOptional || t instanceof z.ZodNullable) t = t.unwrap() as z.ZodTypeAny;
    else return t;
  }
}

/** An array's allowed items: an enum's options, or the strategy names its refinement checks. */
function allowedItems(key: string, item: z.ZodTypeAny): string[] | null {
  const inner = unwrap(item);
  if (inner instanceof z.ZodEnum) return [...(inner.options as string[])];
  if (key === 'require_approval_strategies') return [...STRATEGY_NAMES];
  return null;
}

function describeKey(key: string, t: z.ZodTypeAny): Omit<KnownConfigKeyRow, 'key' | 'default_value' | 'alias_of'> {
  const inner = unwrap(t);
  const base = {
    whole_number: false,
    min_value: null,
    min_exclusive: false,
    max_value: null,
    max_exclusive: false,
    allowed: null,
    database_wide: DATABASE_WIDE_KEYS.includes(key),
  };
  if (inner instanceof z.ZodNumber) {
    const row: Omit<KnownConfigKeyRow, 'key' | 'default_value' | 'alias_of'> = { ...base, json_type: 'number' };
    for (const c of inner._def.checks) {
      if (c.kind === 'int') row.whole_number = true;
      else if (c.kind === 'min') Object.assign(row, { min_value: c.value, min_exclusive: !c.inclusive });
      else if (c.kind === 'max') Object.assign(row, { max_value: c.value, max_exclusive: !c.inclusive });
    }
    return row;
  }
  if (inner instanceof z.ZodBoolean) return { ...base, json_type: 'boolean' };
  if (inner instanceof z.ZodString) return { ...base, json_type: 'string' };
  if (inner instanceof z.ZodArray)
    return { ...base, json_type: 'array', allowed: allowedItems(key, inner.element as z.ZodTypeAny) };
  throw new Error(`configuration key ${key}: the SQL interface has no check for its type`);
}

export function knownConfigKeyRows(): KnownConfigKeyRow[] {
  const shape = healingConfigSchema.innerType().shape as Record<string, z.ZodTypeAny>;
  const defaults = DEFAULT_HEALING_CONFIG as Record<string, unknown>;
  const rows: KnownConfigKeyRow[] = Object.entries(shape).map(([key, t]) => ({
    key,
    ...describeKey(key, t),
    default_value: defaults[key] ?? null,
    alias_of: null,
  }));
  for (const [alias, of] of Object.entries(ALIASES)) {
    const target = rows.find((r) => r.key === of);
    if (!target) throw new Error(`alias ${alias} stands for ${of}, which is not a configuration key`);
    rows.push({ ...target, key: alias, default_value: null, alias_of: of });
  }
  return rows;
}

/** Rewrites both lists in the caller's transaction (migrate's), so a reader never sees half of one. */
export async function syncSqlCatalog(db: Queryable): Promise<void> {
  const strategies = knownStrategyRows();
  await db.query('DELETE FROM ruvector.known_strategies WHERE name <> ALL($1::text[])', [
    strategies.map((s) => s.name),
  ]);
  await db.query(
    `INSERT INTO ruvector.known_strategies (name, position, handles, reversible, params)
     SELECT name, position, handles, reversible, params
       FROM jsonb_to_recordset($1::jsonb) AS x(name text, position int, handles text[], reversible bool, params jsonb)
     ON CONFLICT (name) DO UPDATE SET position = EXCLUDED.position, handles = EXCLUDED.handles,
       reversible = EXCLUDED.reversible, params = EXCLUDED.params`,
    [JSON.stringify(strategies)],
  );
  const keys = knownConfigKeyRows();
  await db.query('DELETE FROM ruvector.known_config_keys WHERE key <> ALL($1::text[])', [keys.map((k) => k.key)]);
  await db.query(
    `INSERT INTO ruvector.known_config_keys (key, json_type, whole_number, min_value, min_exclusive, max_value,
       max_exclusive, allowed, default_value, database_wide, alias_of)
     SELECT key, json_type, whole_number, min_value, min_exclusive, max_value, max_exclusive, allowed, default_value,
            database_wide, alias_of
       FROM jsonb_to_recordset($1::jsonb) AS x(key text, json_type text, whole_number bool, min_value float8,
            min_exclusive bool, max_value float8, max_exclusive bool, allowed text[], default_value jsonb,
            database_wide bool, alias_of text)
     ON CONFLICT (key) DO UPDATE SET json_type = EXCLUDED.json_type, whole_number = EXCLUDED.whole_number,
       min_value = EXCLUDED.min_value, min_exclusive = EXCLUDED.min_exclusive, max_value = EXCLUDED.max_value,
       max_exclusive = EXCLUDED.max_exclusive, allowed = EXCLUDED.allowed, default_value = EXCLUDED.default_value,
       database_wide = EXCLUDED.database_wide, alias_of = EXCLUDED.alias_of`,
    [JSON.stringify(keys)],
  );
}
