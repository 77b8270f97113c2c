import { Context } from '@temporalio/activity';
import { z } from 'zod';
import { problemClassNameSchema } from '../src/domain/problem-class';
import { learnFromOutcomes } from '../src/learning/learn-from-outcomes';
import { banditModelSchema, DEFAULT_BANDIT_PRIOR, type BanditModel } from '../src/learning/bandit-model';
import { CONTEXT_FEATURE_NAMES } from '../src/learning/selection-context';
import { strategyByName } from '../src/strategies/registry';
import type { SeedWeight } from '../src/learning/seed-rule';
import {
  countRecentAttempts,
  loadLearningOutcomes,
  loadStoredWeights,
  recordWeightUpdate,
} from '../src/postgres/learned-weights';
import { loadHealingConfig } from '../src/postgres/outcome-store';
import type { Pool } from '../src/postgres/pool';
import { classified } from './activity-errors';

const updateInput = z.object({
  trigger: z.string().min(1).max(100),
  window_days: z.number().int().min(1).max(365),
});

const selectionInput = z.object({
  problem_class: problemClassNameSchema,
  collection_id: z.number().int(),
  table_oid: z.number().int().nullable(),
});

export interface WeightUpdateSummary {
  update_id: number;
  /** Why the weights were left as they were (learning off); null when they were recomputed. */
  skipped_reason: string | null;
  outcomes_used: number;
  /** (class, strategy) pairs with a stored weight now. */
  pairs: number;
  /** `strategy for class` of each pair reset because its outcomes fell in a sustained trend. */
  resets: string[];
}

/** What an attempt chooses its strategy by: the stored weights and models of its class, and its own context. */
export interface LearnedSelection {
  seed: SeedWeight[];
  /** The class's fitted model; null before the first update (or after a reset of every pair). */
  model: BanditModel | null;
  /** When the update that computed them ran; null before the first. */
  computed_at: string | null;
  /** The collection's attempts at this class in the last 24 hours, this one included. */
  attempts_so_far: number;
  /** The collection's table, indexes and TOAST, in bytes (its size band); 0 when the table is gone. */
  table_bytes: number;
}

/** The learning of one database: update-weights, and what attempts read of it. */
export function createLearningActivities(pool: Pool) {
  return {
    /**
     * update-weights: the weight rule's weights and the selection models, per (class, strategy), from
     * the outcomes of the window, stored with their history. Learning off (globally): nothing changes
     * but the update's own row, which says so. Running it twice stores the same weights twice.
     */
    async updateStrategyWeights(raw: z.input<typeof updateInput>): Promise<WeightUpdateSummary> {
      return classified(async () => {
        const input = updateInput.parse(raw);
        const config = await loadHealingConfig(pool, '*');
        if (!config.learning_enabled) {
          const { update_id } = await recordWeightUpdate(pool, {
            trigger: input.trigger,
            window_days: input.window_days,
            learning_enabled: false,
            outcomes_used: 0,
            skipped_reason: 'learning_enabled is false',
            weights: [],
            resets: [],
          });
          return { update_id, skipped_reason: 'learning_enabled is false', outcomes_used: 0, pairs: 0, resets: [] };
        }
        const rows = await loadLearningOutcomes(pool, input.window_days);
        Context.current().heartbeat('fitting');
        // An unknown strategy (a newer version's) costs as much as the registry's most careful default.
        const learned = learnFromOutcomes(rows, (name) => strategyByName(name)?.impact ?? 0.5);
        const { update_id } = await recordWeightUpdate(pool, {
          trigger: input.trigger,
          window_days: input.window_days,
          learning_enabled: true,
          outcomes_used: learned.outcomes_used,
          skipped_reason: null,
          weights: learned.weights,
          resets: learned.resets,
        });
        return {
          update_id,
          skipped_reason: null,
          outcomes_used: learned.outcomes_used,
          pairs: learned.weights.length,
          resets: learned.resets.map((r) => `${r.strategy_name} for ${r.problem_class}`),
        };
      });
    },

    /** The stored learning of one class, and the collection's side of the selection context. */
    async loadLearnedSelection(raw: z.input<typeof selectionInput>): Promise<LearnedSelection> {
      return classified(async () => {
        const input = selectionInput.parse(raw);
        const stored = await loadStoredWeights(pool, input.problem_class);
        const arms = stored.weights.filter((w) => w.model !== null);
        const model = arms.length
          ? banditModelSchema.parse({
              version: 1,
              features: [...CONTEXT_FEATURE_NAMES],
              prior: DEFAULT_BANDIT_PRIOR,
              arms: arms.map((w) => w.model),
              skipped_outcomes: 0,
            })
          : null;
        const size =
          input.table_oid === null
            ? 0
            : ((
                await pool.query<{ b: string | null }>('SELECT pg_total_relation_size($1::oid)::text AS b', [
                  input.table_oid,
                ])
              ).rows[0]?.b ?? '0');
        return {
          seed: stored.weights.map((w) => ({
            problem_class: w.problem_class,
            strategy_name: w.strategy_name,
            weight: w.weight,
            success_rate: w.success_rate,
            avg_improvement: w.avg_improvement,
            outcomes: w.outcomes,
            feedback_count: w.feedback_count,
          })) as SeedWeight[],
          model,
          computed_at: stored.weights[0]?.computed_at ?? null,
          attempts_so_far: await countRecentAttempts(pool, input.collection_id, input.problem_class, 24),
          table_bytes: Number(size ?? 0),
        };
      });
    },
  };
}
