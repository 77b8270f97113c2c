import { z } from 'zod';
import { classifyProblem } from '../src/classifier/classify-problem';
import type { ProblemClassName } from '../src/domain/problem-class';
import { integrityStateFor } from '../src/domain/integrity-state';
import { faultScope, type FaultScope } from '../src/guardian/fault-scope';
import { gateConfigOf, sameGateConfig, type GateConfig } from '../src/guardian/gate-config';
import { collectionNameSchema } from '../src/postgres/collections';
import { attemptEnds, loadHealingConfigs, type AttemptEnd } from '../src/postgres/guardian-store';
import type { Pool } from '../src/postgres/pool';
import { syncWatched, type WatchSync } from '../src/postgres/sync-watched';
import { sampleDatabase, type CollectionSamplerSettings } from '../src/probes/sample-database';
import { integrityOf } from '../src/sensor/integrity-sample';
import { classified } from './activity-errors';
import type { AuditSigner } from '../src/postgres/audit-log';

const passInput = z
  .object({
    /** Collections to sample now: 'all' (every watched one not paused), or by name; new ones are always sampled. */
    due: z.union([z.literal('all'), z.array(collectionNameSchema)]),
    /** Known collections the guardian keeps paused: not sampled. */
    paused: z.array(collectionNameSchema).default([]),
    /** Every collection the guardian knows, so the pass can tell a new one. */
    known: z.array(collectionNameSchema).default([]),
    /** Attempts the guardian still counts as running: the pass says which have ended. */
    active: z
      .array(z.object({ workflow_id: z.string().min(1), run_id: z.string().min(1) }))
      .max(10_000)
      .default([]),
  })
  .strict();
export type DatabasePassInput = z.input<typeof passInput>;

/** What one pass measured, compact: it is kept in the guardian's history every interval. */
export interface CollectionReading {
  lambda: number;
  baseline: number;
  /** The class of the fault when the sample is degraded; null when normal. */
  problem: ProblemClassName | null;
  scope: FaultScope | null;
}

export interface DatabasePass {
  database: string;
  sampled_at: string;
  /** The database-wide gate configuration, and the collections whose own differs from it. */
  base: GateConfig;
  own: Record<string, GateConfig>;
  /** Every watched collection, sampled now or not. */
  collections: string[];
  readings: Record<string, CollectionReading>;
  errors: Record<string, string>;
  /** Collections no longer watched: unwatched by a person, or their table dropped. */
  gone: { collection: string; reason: string }[];
  ended: AttemptEnd[];
  sync: Omit<WatchSync, 'unwatched'>;
  cost: { round_trips: number; cost_ms: number; sampled: number; index_bytes_read: number };
}

/**
 * The database guardian's one activity per interval: watch rules and renames applied, every due
 * collection sampled in one pass (a fixed number of statements), each one's λ, state and fault
 * class computed, and the attempts that ended read back from the store.
 */
export function createDatabasePassActivities(pool: Pool, audit: AuditSigner) {
  return {
    async guardDatabase(raw: DatabasePassInput): Promise<DatabasePass> {
      return classified(async () => {
        const input = passInput.parse(raw);
        // The sync has the watched collections at hand: they are not read again.
        const { sync, collections: all } = await syncWatched(pool, audit);
        const database = (await pool.query<{ db: string }>('SELECT current_database() AS db')).rows[0]!.db;
        const names = all.map((c) => c.name);
        const { base, own } = await loadHealingConfigs(pool, names);
        const configOf = (name: string) => own.get(name) ?? base;
        const known = new Set(input.known);
        const paused = new Set(input.paused);
        const due = input.due === 'all' ? null : new Set(input.due);
        const toSample = all.filter(
          (c) =>
            configOf(c.name).enabled && !paused.has(c.name) && (due === null || due.has(c.name) || !known.has(c.name)),
        );
        const perCollection: Record<string, CollectionSamplerSettings> = {};
        for (const [name, c] of own) perCollection[name] = c;
        const sample = await sampleDatabase(
          pool,
          toSample,
          { ...base, per_collection: perCollection },
          { noWait: true },
        );
        const readings: Record<string, CollectionReading> = {};
        const errors: Record<string, string> = {};
        for (const stats of sample.collections) {
          const config = configOf(stats.collection);
          try {
            const s = integrityOf(stats, config);
            const degraded = integrityStateFor(s.lambda, s.baseline_lambda, config) !== 'normal';
            const problem = degraded ? classifyProblem(s, config).class : null;
            readings[stats.collection] = {
              lambda: s.lambda,
              baseline: s.baseline_lambda,
              problem,
              scope: problem ? faultScope(problem) : null,
            };
          } catch (err) {
            errors[stats.collection] = err instanceof Error ? err.message : String(err);
          }
        }
        for (const m of sample.missing) errors[m.name] = `${m.table}: ${m.reason}`;
        const ownGate: Record<string, GateConfig> = {};
        const baseGate = gateConfigOf(base);
        for (const [name, c] of own) if (!sameGateConfig(gateConfigOf(c), baseGate)) ownGate[name] = gateConfigOf(c);
        const watched = new Set(names);
        const gone = [
          ...sync.unwatched,
          ...input.known
            .filter((n) => !watched.has(n) && !sync.unwatched.some((u) => u.collection === n))
            .map((n) => ({ collection: n, reason: 'unwatched' })),
        ];
        return {
          database,
          sampled_at: sample.sampled_at,
          base: baseGate,
          own: ownGate,
          collections: names,
          readings,
          errors,
          gone,
          ended: await attemptEnds(pool, input.active),
          sync: { watched: sync.watched, renamed: sync.renamed, skipped: sync.skipped },
          cost: {
            round_trips: sample.round_trips,
            cost_ms: sample.cost_ms,
            sampled: toSample.length,
            index_bytes_read: sample.index_confirmations.bytes_read,
          },
        };
      });
    },
  };
}
