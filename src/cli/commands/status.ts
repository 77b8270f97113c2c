import { z } from 'zod';
import { counted } from '../../domain/counted';
import { collectionNameSchema, listCollections, UnknownCollectionError } from '../../postgres/collections';
import { displayQualifiedName } from '../../postgres/quote-ident';
import { attemptStatsOf } from '../../postgres/attempt-stats';
import { loadHealingConfigs } from '../../postgres/guardian-store';
import { sampleDatabase } from '../../probes/sample-database';
import { integrityOf } from '../../sensor/integrity-sample';
import { databaseGuardianStatus } from '../../temporal/guardian-client';
import { healingAttemptWorkflowId } from '../../domain/workflow-ids';
import { attemptStatusQuery } from '../../../workflows/attempt-messages';
import { onlyFlags, type ParsedArgs, UsageError } from '../args';
import type { CommandResult } from '../command';
import type { SystemHandles } from '../system-connection';

/**
 * `selfheal status [collection]`: ruvector_healing_status per collection, with λ from the guardian's
 * last pass (or measured now, where no guardian has). It writes nothing.
 */
export async function statusCommand(
  args: ParsedArgs,
  sys: SystemHandles,
  out: (l: string) => void,
): Promise<CommandResult> {
  onlyFlags(args, ['json']);
  if (args.positionals.length > 1) throw new UsageError('usage: selfheal status [collection] [--json]');
  const only =
    args.positionals[0] === undefined
      ? undefined
      : z.object({ c: collectionNameSchema }).parse({ c: args.positionals[0] }).c;
  const pool = await sys.pool();
  const client = await sys.temporal();
  const collections = (await listCollections(pool)).filter((c) => !only || c.name === only);
  if (only && collections.length === 0) throw new UnknownCollectionError(only);
  const result = [];
  const view = await databaseGuardianStatus(client, await sys.database());
  const guardians = new Map((view?.collections ?? []).map((g) => [g.collection, g]));
  const { base, own } = await loadHealingConfigs(
    pool,
    collections.map((c) => c.name),
  );
  const stats = await attemptStatsOf(
    pool,
    collections.map((c) => c.id),
  );
  // λ as the guardian measured it at its last pass; a look of our own only where no guardian has
  // (one pass for all of them, which records nothing).
  const unseen = collections.filter((c) => c.table_oid !== null && !guardians.get(c.name)?.last_sample_at);
  const look = unseen.length
    ? await sampleDatabase(
        pool,
        unseen,
        { ...base, per_collection: Object.fromEntries(own) },
        { noWait: true, readOnly: true },
      )
    : null;
  const measured = new Map(
    (look?.collections ?? []).map((st) => [st.collection, integrityOf(st, own.get(st.collection) ?? base)]),
  );
  for (const c of collections) {
    const config = own.get(c.name) ?? base;
    const guardian = guardians.get(c.name) ?? null;
    const integrity = measured.get(c.name) ?? null;
    const st = stats.get(c.id)!;
    let active: { workflow_id: string; run_id: string; phase: string } | null = null;
    const running =
      guardian?.active?.workflow_id ?? st.running_workflow_id ?? (only ? healingAttemptWorkflowId(c.name) : null);
    if (running) {
      try {
        const h = client.workflow.getHandle(running);
        const d = await h.describe();
        if (d.status.name === 'RUNNING')
          active = { workflow_id: d.workflowId, run_id: d.runId, phase: (await h.query(attemptStatusQuery)).phase };
      } catch {
        // Finished meanwhile, or never started.
      }
    }
    const state = integrity?.state ?? (guardian?.last_sample_at ? guardian.state : 'unknown');
    const lambda = integrity?.lambda ?? guardian?.lambda ?? null;
    const baseline = integrity?.baseline_lambda ?? guardian?.baseline_lambda ?? null;
    const entry = {
      collection: c.name,
      table: `${c.table_schema}.${c.table_name}`,
      enabled: config.enabled && (guardian?.enabled ?? true),
      guardian: guardian
        ? {
            running: true,
            state: guardian.state,
            paused_by: guardian.paused_by,
            needs_person: guardian.needs_person,
            attempts_in_window: guardian.attempts_in_window,
            last_sample_at: guardian.last_sample_at,
          }
        : { running: false },
      state,
      lambda,
      baseline_lambda: baseline,
      witness_edges: integrity?.witness_edges.length ?? null,
      sample_cost_ms:
        integrity?.stats.sample_cost_ms ??
        (view?.last_pass_cost ? view.last_pass_cost.cost_ms / Math.max(1, view.last_pass_cost.sampled) : null),
      covered_by: guardian?.covered_by ?? null,
      /** The running attempt's fault and where it lives: a server's is healed once for every collection. */
      active_problem: guardian?.active?.problem ?? null,
      active_scope: guardian?.active?.scope ?? null,
      last_healing: st.last_healing,
      total_healings_24h: st.total_healings_24h,
      success_rate: st.completed_24h ? st.verified_24h / st.completed_24h : null,
      active_remediations: active ? [active] : [],
      cooldown_until: guardian?.cooldown_until ?? null,
      backoff_until: guardian?.backoff_until ?? null,
      /** Why the guardian starts no attempt on its own although the collection is degraded. */
      held: guardian?.held ?? null,
    };
    result.push(entry);
    const shown = displayQualifiedName(c.table_schema, c.table_name);
    out(
      `${entry.collection} (${shown}): ${entry.state}, λ ${entry.lambda?.toFixed(3) ?? '?'} of ` +
        `${entry.baseline_lambda?.toFixed(3) ?? '?'}; ` +
        `${counted(entry.total_healings_24h, 'attempt')} in 24 h, ` +
        `success rate ${entry.success_rate === null ? '-' : entry.success_rate.toFixed(2)}` +
        (active
          ? `; attempt running (${active.phase})` +
            (entry.active_scope === 'server'
              ? `, healing the server's ${entry.active_problem} for every collection`
              : '')
          : '') +
        `${entry.covered_by ? `; ${entry.covered_by}` : ''}` +
        (entry.held && !guardian?.needs_person
          ? `; no automatic attempt: ${entry.held.reason}` +
            (entry.held.trigger_ok ? ` (\`selfheal trigger ${entry.collection}\` starts one now)` : '')
          : `${entry.cooldown_until ? `; cooling down until ${entry.cooldown_until}` : ''}` +
            (entry.backoff_until
              ? `; the last attempts could not act, next automatic one after ${entry.backoff_until}`
              : '')) +
        `${guardian ? '' : '; no guardian running'}${guardian?.paused_by ? `; paused by ${guardian.paused_by}` : ''}` +
        `${guardian?.needs_person ? `; NEEDS A PERSON: ${guardian.needs_person}` : ''}` +
        `${config.enabled ? '' : '; healing disabled'}`,
    );
  }
  return { data: result, exitCode: 0 };
}
