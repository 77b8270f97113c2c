import type { Client } from '@temporalio/client';
import { configureErrorMap, normalizeConfigureRequest } from '../domain/configure-request';
import { DATABASE_WIDE_KEYS, healingConfigSchema, type HealingConfig } from '../domain/healing-config';
import { listCollections, UnknownCollectionError } from '../postgres/collections';
import { loadScopeConfig } from '../postgres/outcome-store';
import type { Pool } from '../postgres/pool';
import { refreshGuardian } from './guardian-client';

/** A configuration change refused as asked (a key for another scope). */
export class ConfigureRefusedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigureRefusedError';
  }
}

export interface ConfigurePlan {
  /** '*' or a collection name. */
  scope: string;
  /** The keys given, in HealingConfig's spelling. */
  change: Record<string, unknown>;
  /** The scope's stored row after the change: what is stored. */
  stored: Record<string, unknown>;
  /** Every collection it touches, with its whole configuration after the change. */
  effective: Map<string, HealingConfig>;
}

/**
 * ruvector_healing_configure, before anything is stored: the request in either spelling (HealingConfig
 * fields or the SQL interface's), validated whole (bounds, unknown keys) for every collection it
 * touches. Throws a ZodError naming the field, UnknownCollectionError, or ConfigureRefusedError.
 */
export async function planConfigure(pool: Pool, request: unknown, scope: string): Promise<ConfigurePlan> {
  const change = normalizeConfigureRequest(request);
  // Stored per collection it would be read by nothing: say so rather than store it.
  const wide = Object.keys(change).filter((k) => DATABASE_WIDE_KEYS.includes(k));
  if (scope !== '*' && wide.length)
    throw new ConfigureRefusedError(`${wide.join(', ')} applies to the whole database: set it without --collection`);
  const collections = (await listCollections(pool)).filter((c) => scope === '*' || c.name === scope);
  if (scope !== '*' && collections.length === 0) throw new UnknownCollectionError(scope);
  const stored = { ...(await loadScopeConfig(pool, scope)), ...change };
  const global = scope === '*' ? stored : await loadScopeConfig(pool, '*');
  const effective = new Map<string, HealingConfig>();
  for (const c of collections) {
    const own = scope === '*' ? await loadScopeConfig(pool, c.name) : stored;
    effective.set(c.name, healingConfigSchema.parse({ ...global, ...own }, { errorMap: configureErrorMap }));
  }
  healingConfigSchema.parse(global, { errorMap: configureErrorMap });
  return { scope, change, stored, effective };
}

/**
 * After the plan is stored: the guardian reads configuration from the store at every pass, and asking
 * it to pass now applies it at once. Returns the collections it was applied to (none without a guardian).
 */
export async function applyConfigure(client: Client, database: string, plan: ConfigurePlan): Promise<string[]> {
  return (await refreshGuardian(client, database)) ? [...plan.effective.keys()] : [];
}
