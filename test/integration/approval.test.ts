import { WorkflowUpdateFailedError } from '@temporalio/client';
import { triggerHealing } from '../../src/temporal/guardian-client';
import { approveUpdate, attemptStatusQuery, rejectUpdate } from '../../workflows/attempt-messages';
import type { TriggerAnswer } from '../../workflows/guardian-messages';
import type { healingAttempt } from '../../workflows/healing-attempt';
import { bloat, indexDensity, testCollection } from '../support/collections';
import { maybeRecordHistory } from '../support/histories';
import { useCliSystem } from '../support/test-harness';
import { waitFor } from '../support/test-system';

describe('human approval', () => {
  const sys = useCliSystem('approval');
  const cli = (...argv: string[]) => sys.cli(...argv);

  /** A bloated collection whose compact_indexes needs approval; returns the waiting attempt. */
  async function waitingAttempt(extra: Record<string, unknown> = {}) {
    const collection = await testCollection(sys.db.pool, {
      require_approval_strategies: ['compact_indexes'],
      stabilization_wait: 3,
      check_interval: 3600,
      ...extra,
    });
    await bloat(sys.db.pool, collection);
    const answer: TriggerAnswer = await triggerHealing(sys.w.client, sys.db.key, collection, sys.w.taskQueue, {
      by: 'test',
    });
    if (answer.kind === 'Deferred') throw new Error(answer.reason);
    const handle = sys.w.client.workflow.getHandle<typeof healingAttempt>(answer.workflow_id, answer.run_id);
    const st = await waitFor('the approval phase', async () => {
      const s = await handle.query(attemptStatusQuery);
      return s.awaiting_approval ? s : undefined;
    });
    return { collection, handle, actionId: st.attempt_id! };
  }

  it('waits; `selfheal pending` lists it; approve lets it proceed and records who approved and why', async () => {
    const { collection, handle, actionId } = await waitingAttempt();
    const pending = await waitFor('pending to list the action', async () => {
      const r = await cli('pending', '--json');
      const rows = JSON.parse(r.out) as { action_id: number }[];
      return rows.some((x) => x.action_id === actionId) ? rows : undefined;
    });
    expect(pending.find((x) => x.action_id === actionId)).toMatchObject({
      collection,
      strategy: 'compact_indexes',
      problem_class: 'IndexFragmentation',
    });
    // Nothing was done while waiting.
    expect(await indexDensity(sys.db.pool, collection)).toBeLessThan(25);

    const approved = await cli('approve', String(actionId), '--comment', 'looks safe', '--by', 'alice', '--json');
    expect({ code: approved.code, err: approved.err }).toEqual({ code: 0, err: '' });
    expect(JSON.parse(approved.out)).toMatchObject({ decision: 'approved', by: 'alice', comment: 'looks safe' });

    // Approving twice is refused by the update validator, and changes nothing.
    const again = await cli('approve', String(actionId), '--by', 'bob');
    expect(again).toMatchObject({ code: 5, err: expect.stringMatching(/already approved by alice/) });

    const outcome = await handle.result();
    expect(outcome).toMatchObject({ kind: 'Completed', strategy: 'compact_indexes', verified: true });
    const { rows } = await sys.db.pool.query(
      'SELECT a.approval, o.strategy_params FROM ruvector.healing_attempts a ' +
        'JOIN ruvector.healing_outcomes o ON o.id = a.outcome_id WHERE a.id = $1',
      [actionId],
    );
    expect(rows[0].approval).toMatchObject({ decision: 'approved', by: 'alice', comment: 'looks safe' });
    expect(rows[0].strategy_params.approval).toMatchObject({ decision: 'approved', by: 'alice' });
    await maybeRecordHistory('compact-indexes-approved', handle);
  });

  it('reject ends it Deferred and nothing is changed; unknown, wrong, finished and malformed ids are refused', async () => {
    const { collection, handle, actionId } = await waitingAttempt();
    // Wrong id for this attempt, malformed payload: refused before anything is written.
    await expect(
      handle.executeUpdate(approveUpdate, { args: [{ action_id: actionId + 1000, by: 'x' }] }),
    ).rejects.toThrow(WorkflowUpdateFailedError);
    await expect(
      handle.executeUpdate(approveUpdate, { args: [{ action_id: 'seven', by: 'x' } as never] }),
    ).rejects.toThrow(WorkflowUpdateFailedError);
    await expect(
      handle.executeUpdate(approveUpdate, { args: [{ action_id: actionId, by: 'x', extra: true } as never] }),
    ).rejects.toThrow(WorkflowUpdateFailedError);
    expect((await handle.query(attemptStatusQuery)).approval).toBeNull();
    expect(await cli('approve', '99999999')).toMatchObject({
      code: 3,
      err: expect.stringMatching(/no action 99999999/),
    });
    expect(await cli('approve', 'abc')).toMatchObject({ code: 2, err: expect.stringMatching(/action id/) });

    const rejected = await handle.executeUpdate(rejectUpdate, {
      args: [{ action_id: actionId, by: 'carol', comment: 'not during peak' }],
    });
    expect(rejected.decision).toBe('rejected');
    expect(await handle.result()).toMatchObject({ kind: 'Deferred', reason: 'rejected by carol: not during peak' });
    expect(await indexDensity(sys.db.pool, collection)).toBeLessThan(25);
    // A finished action is refused clearly.
    expect(await cli('approve', String(actionId))).toMatchObject({
      code: 5,
      err: expect.stringMatching(/already finished \(Deferred\)/),
    });
  });

  it('trigger --no-wait prints the action id; history and pending show what the waiting attempt is about', async () => {
    const collection = await testCollection(sys.db.pool, {
      require_approval_strategies: ['compact_indexes'],
      stabilization_wait: 3,
      check_interval: 3600,
    });
    await bloat(sys.db.pool, collection);
    const t = await cli('trigger', collection, '--no-wait');
    expect({ code: t.code, err: t.err }).toEqual({ code: 0, err: '' });
    const id = Number(
      /^action (\d+): `selfheal follow \1` follows it, `selfheal abort \1` stops it$/m.exec(t.out)?.[1],
    );
    expect(id).toBeGreaterThan(0);
    const json = await cli('trigger', collection, '--no-wait', '--json');
    expect(JSON.parse(json.out)).toMatchObject({ answer: { kind: 'Joined' }, action_id: id });
    const listed = await waitFor('pending to list it', async () => {
      const out = (await cli('pending')).out;
      return out.includes(`action ${id}:`) ? out : undefined;
    });
    const { rows } = await sys.db.pool.query<{ name: string }>(
      `SELECT c.relname::text AS name FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
        WHERE i.indrelid = to_regclass($1) AND i.indisprimary`,
      [`public.${collection}`],
    );
    expect(listed).toContain(
      `action ${id}: ${collection} IndexFragmentation on index ${rows[0]!.name} → compact_indexes`,
    );
    // The store learns class and strategy when the attempt ends; the workflow knows them now.
    const history = await cli('history', '--collection', collection);
    expect(history.out).toMatch(
      new RegExp(
        `^#${id} \\S+ ${collection} IndexFragmentation → compact_indexes: waits for approval ` +
          `\\(\`selfheal approve ${id}\`\\)$`,
        'm',
      ),
    );
    expect((await cli('reject', String(id), '--by', 'erin')).code).toBe(0);
  });

  it('a strategy above max_auto_heal_impact waits for a person instead of being dropped; approved, it runs', async () => {
    // compact_indexes (impact 0.5) is the only strategy for IndexFragmentation, above this cap.
    const { collection, handle, actionId } = await waitingAttempt({
      require_approval_strategies: [],
      max_auto_heal_impact: 0.4,
    });
    const st = await handle.query(attemptStatusQuery);
    expect(st).toMatchObject({
      phase: 'approval',
      strategy: 'compact_indexes',
      approval_reason: 'impact 0.5 is above max_auto_heal_impact 0.4',
    });
    const pending = await cli('pending');
    expect(pending.out).toMatch(
      new RegExp(`action ${actionId}: ${collection} IndexFragmentation on index \\S+ → compact_indexes`),
    );
    expect(pending.out).toContain('(impact 0.5 is above max_auto_heal_impact 0.4)');
    expect(await indexDensity(sys.db.pool, collection)).toBeLessThan(25);

    expect(await cli('approve', String(actionId), '--by', 'dana')).toMatchObject({ code: 0 });
    expect(await handle.result()).toMatchObject({ kind: 'Completed', strategy: 'compact_indexes', verified: true });
    expect(await indexDensity(sys.db.pool, collection)).toBeGreaterThan(80);
    const { rows } = await sys.db.pool.query('SELECT status, approval FROM ruvector.healing_attempts WHERE id = $1', [
      actionId,
    ]);
    expect(rows[0]).toMatchObject({ status: 'Completed', approval: { decision: 'approved', by: 'dana' } });
  });

  it('times out into Deferred when nobody decides', async () => {
    const { collection, handle } = await waitingAttempt({ approval_timeout: 2 });
    expect(await handle.result()).toMatchObject({ kind: 'Deferred', reason: 'approval timed out after 2 s' });
    expect(await indexDensity(sys.db.pool, collection)).toBeLessThan(25);
  });
});
