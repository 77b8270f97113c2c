import { z } from 'zod';
import { collectionNameSchema, listCollections } from '../../postgres/collections';
import { attemptStats } from '../../postgres/attempt-stats';
import { loadHealingConfig } from '../../postgres/outcome-store';
import { sampleCollection } from '../../probes/sample-collection';
import { integrityOf } from '../../sensor/integrity-sample';
import { databaseGuardianStatus } from '../../temporal/guardian-client';
import { healingAttemptWorkflowId } from '../../temporal/task-queue';
import { attemptStatusQuery } from '../../../workflows/attempt-messages';
import { onlyFlags, type ParsedArgs, UsageError } from '../args';
import type { CommandResult } from '../command';
import type { SystemHandles } from '../system-connection';

/** `selfheal status [collection]`: ruvector_healing_status per collection, with λ measured now. */
export async function statusCommand(args: ParsedArgs, sys: SystemHandles, out: (l: string) => void): Promise<CommandResult> {
  onlyFlags(args, ['json']);
  if (args.positionals.length > 1) throw new UsageError('usage: selfheal status [collection] [--json]');
  const only = args.positionals[0] === undefined ? undefined : z.object({ c: collectionNameSchema }).parse({ c: args.positionals[0] }).c;
  const pool = await sys.pool();
  const client = await sys.temporal();
  const collections = (await listCollections(pool)).filter((c) => !only || c.name === only);
  if (only && collections.length === 0) throw new Error(`no collection named "${only}"`);
  const result = [];
  const view = await databaseGuardianStatus(client, await sys.database());
  const guardians = new Map((view?.collections ?? []).map((g) => [g.collection, g]));
  for (const c of collections) {
    const config = await loadHealingConfig(pool, c.name);
    const integrity = c.table_oid === null ? null : integrityOf(await sampleCollection(pool, c, config), config);
    const stats = await attemptStats(pool, c.id);
    let active: { workflow_id: string; run_id: string; phase: string } | null = null;
    try {
      const h = client.workflow.getHandle(healingAttemptWorkflowId(c.name));
      const d = await h.describe();
      if (d.status.name === 'RUNNING') active = { workflow_id: d.workflowId, run_id: d.runId, phase: (await h.query(attemptStatusQuery)).phase };
    } catch {
      // No attempt has run for this collection yet.
    }
    const guardian = guardians.get(c.name) ?? null;
    const entry = {
      collection: c.name,
      table: `${c.table_schema}.${c.table_name}`,
      enabled: config.enabled && (guardian?.enabled ?? true),
      guardian: guardian ? { running: true, state: guardian.state, paused_by: guardian.paused_by, needs_person: guardian.needs_person, attempts_in_window: guardian.attempts_in_window, last_sample_at: guardian.last_sample_at } : { running: false },
      state: integrity?.state ?? 'unknown',
      lambda: integrity?.lambda ?? null,
      baseline_lambda: integrity?.baseline_lambda ?? null,
      witness_edges: integrity?.witness_edges.length ?? 0,
      sample_cost_ms: integrity?.stats.sample_cost_ms ?? null,
      last_healing: stats.last_healing,
      total_healings_24h: stats.total_healings_24h,
      success_rate: stats.completed_24h ? stats.verified_24h / stats.completed_24h : null,
      active_remediations: active ? [active] : [],
      cooldown_until: guardian?.cooldown_until ?? null,
      backoff_until: guardian?.backoff_until ?? null,
    };
    result.push(entry);
    out(
      `${entry.collection} (${entry.table}): ${entry.state}, λ ${entry.lambda?.toFixed(3) ?? '?'} of ${entry.baseline_lambda?.toFixed(3) ?? '?'}; ` +
        `${entry.total_healings_24h} attempts in 24 h, success rate ${entry.success_rate === null ? '-' : entry.success_rate.toFixed(2)}` +
        `${active ? `; attempt running (${active.phase})` : ''}${entry.cooldown_until ? `; cooling down until ${entry.cooldown_until}` : ''}` +
        `${entry.backoff_until ? `; the last attempts could not act, next automatic one after ${entry.backoff_until}` : ''}` +
        `${guardian ? '' : '; no guardian running'}${guardian?.paused_by ? `; paused by ${guardian.paused_by}` : ''}` +
        `${guardian?.needs_person ? `; NEEDS A PERSON: ${guardian.needs_person}` : ''}${config.enabled ? '' : '; healing disabled'}`,
    );
  }
  return { data: result, exitCode: 0 };
}
