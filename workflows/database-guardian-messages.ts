import { defineQuery, defineUpdate } from '@temporalio/workflow';
import { z } from 'zod';
import { pauseRequestSchema, triggerRequestSchema, type GuardianStatus, type TriggerAnswer } from './guardian-messages';

const collectionName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_-]{0,62}$/, 'a collection name');

/** Every message to a database's guardian names the collection it is about. */
export const collectionTriggerSchema = z.object({ collection: collectionName, request: triggerRequestSchema }).strict();
export const collectionPauseSchema = z.object({ collection: collectionName, request: pauseRequestSchema }).strict();
/** What a per-collection guardian of an earlier version knew, handed over on upgrade. */
export const adoptedGuardianSchema = z.object({
  enabled: z.boolean(),
  paused_by: z.string().nullable(),
  needs_person: z.string().nullable(),
  attempts: z.array(
    z.object({
      workflow_id: z.string(),
      run_id: z.string(),
      trigger: z.string(),
      started_at_ms: z.number(),
      finished_at_ms: z.number().nullable(),
      outcome: z.string().nullable(),
      raised_lambda: z.boolean().nullable(),
    }),
  ),
});
export type AdoptedGuardian = z.infer<typeof adoptedGuardianSchema>;
export const adoptSchema = z.object({ collections: z.record(collectionName, adoptedGuardianSchema) }).strict();

export interface DatabaseGuardianStatus {
  database: string;
  last_pass_at: string | null;
  last_pass_error: string | null;
  /** The last pass: statements, wall time of the sensor, collections sampled, pgstatindex bytes. */
  last_pass_cost: { round_trips: number; cost_ms: number; sampled: number; index_bytes_read: number } | null;
  collections: GuardianStatus[];
}

/** Start an attempt on one collection now (ruvector_healing_trigger / _execute), or say why not. */
export const collectionTriggerUpdate = defineUpdate<TriggerAnswer, [z.input<typeof collectionTriggerSchema>]>(
  'triggerCollection',
);
export const collectionPauseUpdate = defineUpdate<GuardianStatus, [z.input<typeof collectionPauseSchema>]>(
  'pauseCollection',
);
/** Resumes auto-healing of a collection and clears its "needs a person" stop. */
export const collectionResumeUpdate = defineUpdate<GuardianStatus, [z.input<typeof collectionPauseSchema>]>(
  'resumeCollection',
);
/** Its stored configuration changed: read again now, not at the next interval. */
export const refreshUpdate = defineUpdate<{ collections: number }, []>('refresh');
export const adoptUpdate = defineUpdate<{ adopted: string[] }, [z.input<typeof adoptSchema>]>('adopt');
export const collectionStatusQuery = defineQuery<GuardianStatus | null, [string]>('collectionStatus');
export const databaseStatusQuery = defineQuery<DatabaseGuardianStatus>('databaseStatus');
