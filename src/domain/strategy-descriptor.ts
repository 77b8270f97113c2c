import { z } from 'zod';
import { collectionKindSchema } from './collection-kind';
import { problemClassNameSchema } from './problem-class';

export const SANDBOX_LEVELS = ['complete', 'read_only', 'prerequisites'] as const;
/**
 * role: a role's settings or connection limit; server: a server-wide setting or slot; standbys; deployment: a
 * Kubernetes deployment.
 */
export const SHARED_TARGETS = ['role', 'server', 'standbys', 'deployment'] as const;
export type SharedTarget = (typeof SHARED_TARGETS)[number];

export const sandboxLevelSchema = z.enum(SANDBOX_LEVELS);
export type SandboxLevel = z.infer<typeof sandboxLevelSchema>;

/** What the registry knows of a strategy without touching any system: pure data, safe in workflows. */
export const strategyDescriptorSchema = z
  .object({
    name: z.string().regex(/^[a-z][a-z0-9_]*$/),
    handles: z.array(problemClassNameSchema).min(1),
    /** 0–1, higher is more disruptive. */
    impact: z.number().min(0).max(1),
    estimated_duration_seconds: z.number().positive(),
    reversible: z.boolean(),
    requires_approval: z.boolean(),
    sandbox_levels: z.array(sandboxLevelSchema).min(1),
    /**
     * What it changes beyond its own collection, which other collections' attempts may want to change
     * too: an attempt holds a lease on that target (one attempt at a time) from before approval to its end.
     */
    shared_target: z.enum(SHARED_TARGETS).optional(),
    /** The kinds of collection it may act on: the row movers only where rows are declared movable (ivf). */
    collection_kinds: z.array(collectionKindSchema).min(1).default(['table', 'ivf']),
    /** Narrower kinds for one class it handles (a lever fit for one fault but not for another there). */
    kinds_by_class: z.record(problemClassNameSchema, z.array(collectionKindSchema).min(1)).optional(),
    /**
     * A stopgap, not a fix (autovacuum paused, ingestion throttled): once verified it stands for
     * HealingConfig.temporary_hold seconds, then a durable hold restores the previous setting. Reversible.
     */
    temporary: z.boolean().optional(),
    description: z.string(),
  })
  .refine((s) => !s.temporary || s.reversible, {
    message: 'a temporary strategy must be reversible: its hold restores the previous setting',
    path: ['temporary'],
  });
export type StrategyDescriptor = z.infer<typeof strategyDescriptorSchema>;
