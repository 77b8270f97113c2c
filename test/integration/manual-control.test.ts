import { userInfo } from 'node:os';
import { ApplicationFailure } from '@temporalio/common';
import { WorkflowUpdateFailedError } from '@temporalio/client';
import { MockActivityEnvironment } from '@temporalio/testing';
import { createActivities } from '../../activities';
import { DEFAULT_HEALING_CONFIG } from '../../src/domain/healing-config';
import { databaseGuardianWorkflowId, guardianStatus, triggerHealing } from '../../src/temporal/guardian-client';
import { healingAttemptWorkflowId } from '../../src/domain/workflow-ids';
import type { healingAttempt } from '../../workflows/healing-attempt';
import { scheduledActivities } from '../support/history-events';
import { bloat, indexDensity, reloptionsOf, tableUnderSlowAutovacuum, testCollection } from '../support/collections';
import { useCliSystem } from '../support/test-harness';

describe('manual execute, rollback and configure from the CLI', () => {
  const sys = useCliSystem('manual');
  const cli = (...argv: string[]) => sys.cli(...argv);
  const statusOf = async (id: number) =>
    (await sys.db.pool.query('SELECT status FROM ruvector.healing_attempts WHERE id = $1', [id])).rows[0].status;

  it('execute --dry-run classifies, selects and sandboxes only; execute runs the strategy; wrong strategies are refused', async () => {
    const collection = await testCollection(sys.db.pool, {
      stabilization_wait: 0,
      check_interval: 3600,
      min_healing_interval: 0,
    });
    // Auto-healing off: only what we ask for runs.
    expect(await cli('pause', collection)).toMatchObject({ code: 0 });
    await bloat(sys.db.pool, collection);
    const dry = await cli('execute', collection, 'compact_indexes', '--dry-run', '--json');
    expect({ code: dry.code, err: dry.err }).toEqual({ code: 0, err: '' });
    const dryOutcome = JSON.parse(dry.out).outcome;
    expect(dryOutcome).toMatchObject({ kind: 'DryRun', strategy: 'compact_indexes', sandbox_passed: true });
    expect(await statusOf(dryOutcome.attempt_id)).toBe('DryRun');
    expect(await indexDensity(sys.db.pool, collection)).toBeLessThan(25);

    expect(await cli('execute', collection, 'no_such_strategy')).toMatchObject({
      code: 2,
      err: expect.stringMatching(/no strategy "no_such_strategy" \(known: .*compact_indexes, /),
    });
    expect(await cli('execute', collection, 'compact_indexes', '--param', 'novalue')).toMatchObject({
      code: 2,
      err: expect.stringMatching(/--param takes k=v/),
    });
    const wrong = await cli('execute', collection, 'pause_maintenance', '--json');
    expect(wrong.code).toBe(4);
    expect(JSON.parse(wrong.out).outcome.reason).toBe(
      'pause_maintenance handles MaintenanceContention, but the problem now is IndexFragmentation',
    );

    // compact_indexes takes no parameters: refused before anything starts.
    expect(await cli('execute', collection, 'compact_indexes', '--param', 'note=by-hand')).toMatchObject({
      code: 2,
      err: expect.stringContaining('--param note: no parameter "note": compact_indexes takes no parameters'),
    });
    const run = await cli('execute', collection, 'compact_indexes', '--json');
    expect({ code: run.code, err: run.err }).toEqual({ code: 0, err: '' });
    expect(JSON.parse(run.out).outcome).toMatchObject({
      kind: 'Completed',
      strategy: 'compact_indexes',
      verified: true,
    });
    expect(await indexDensity(sys.db.pool, collection)).toBeGreaterThan(80);

    // compact_indexes cannot be undone: rollback refuses clearly.
    expect(await cli('rollback', collection)).toMatchObject({
      code: 5,
      err: expect.stringMatching(/ran compact_indexes, which is irreversible/),
    });
  });

  it("execute --param is checked against the strategy's own parameter schema by the CLI, the guardian, the workflow and the activities", async () => {
    const collection = await testCollection(sys.db.pool, { stabilization_wait: 0, check_interval: 3600 });
    expect(await cli('pause', collection)).toMatchObject({ code: 0 });
    const attempts = async () =>
      (
        await sys.db.pool.query(
          'SELECT count(*)::int AS n FROM ruvector.healing_attempts a ' +
            'JOIN ruvector.collections c ON c.id = a.collection_id WHERE c.name = $1',
          [collection],
        )
      ).rows[0].n;

    // The CLI: an unknown parameter names the ones the strategy takes; a bad value says what it must be.
    const unknown = await cli('execute', collection, 'scale_replicas', '--param', 'replicas=3', '--json');
    expect(unknown.code).toBe(2);
    expect(JSON.parse(unknown.out).error).toMatch(
      /^--param replicas: no parameter "replicas": scale_replicas takes target \(the replica count .*\)$/,
    );
    expect(await cli('execute', collection, 'scale_replicas', '--param', 'target=lots')).toMatchObject({
      code: 2,
      err: expect.stringMatching(/--param target: target is a whole number from 1 to 1000 \(.*\), not "lots"/),
    });
    expect(
      await cli('execute', collection, 'scale_replicas', '--param', 'target=3', '--param', 'target=4'),
    ).toMatchObject({ code: 2, err: expect.stringMatching(/--param target is given twice/) });
    expect(await attempts()).toBe(0);

    // The guardian's update validator, for a client that skips the CLI: refused, nothing started.
    await expect(
      triggerHealing(sys.w.client, sys.db.key, collection, sys.w.taskQueue, {
        by: 'api',
        strategy: 'compact_indexes',
        params: { note: 'x' },
      }),
    ).rejects.toThrow(WorkflowUpdateFailedError);
    expect(await attempts()).toBe(0);

    // An attempt started directly: refused by the workflow before it sandboxes or changes anything.
    await bloat(sys.db.pool, collection);
    const handle = await sys.w.client.workflow.start<typeof healingAttempt>('healingAttempt', {
      taskQueue: sys.w.taskQueue,
      workflowId: healingAttemptWorkflowId(collection),
      args: [{ collection, trigger: 'api', strategy: 'compact_indexes', params: { note: 'x' } }],
    });
    const outcome = await handle.result();
    expect(outcome).toMatchObject({
      kind: 'Deferred',
      reason: 'invalid parameters: no parameter "note": compact_indexes takes no parameters',
    });
    expect(await scheduledActivities(handle)).not.toHaveProperty('sandboxTest');

    // And the activities themselves refuse them, without retrying.
    const acts = createActivities({ pool: sys.db.pool });
    const step = {
      strategy: 'scale_replicas',
      collection,
      state: 'stress' as const,
      config: DEFAULT_HEALING_CONFIG,
      params: { target: '0' },
      problem: { class: 'HotspotCongestion' as const, partition_ids: [0], load_ratio: 3 },
    };
    const err = await new MockActivityEnvironment().run(acts.sandboxTest, step).then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(ApplicationFailure);
    expect(err).toMatchObject({
      type: 'InvalidInput',
      nonRetryable: true,
      message: expect.stringContaining('target is a whole number from 1 to 1000'),
    });
  });

  it('rollback undoes the last reversible change from its snapshot, once', async () => {
    const t = await tableUnderSlowAutovacuum(sys.db.pool, {
      maintenance_long_running_seconds: 1,
      stabilization_wait: 0,
      check_interval: 3600,
    });
    expect(await cli('pause', t.collection)).toMatchObject({ code: 0 });
    const healed = await cli('execute', t.collection, 'pause_maintenance', '--json');
    expect(JSON.parse(healed.out).outcome).toMatchObject({ kind: 'Completed', verified: true });
    expect(await reloptionsOf(sys.db.pool, t.oid)).toEqual([...t.reloptions, 'autovacuum_enabled=false']);

    const rb = await cli('rollback', t.collection, '--json');
    expect({ code: rb.code, err: rb.err }).toEqual({ code: 0, err: '' });
    const r = JSON.parse(rb.out);
    expect(r).toMatchObject({
      kind: 'RolledBack',
      strategy: 'pause_maintenance',
      rolled_back: JSON.parse(healed.out).outcome.attempt_id,
    });
    expect(await reloptionsOf(sys.db.pool, t.oid)).toEqual(t.reloptions);
    expect(await statusOf(r.attempt_id)).toBe('RolledBack');
    expect(await cli('rollback', t.collection)).toMatchObject({
      code: 5,
      err: expect.stringMatching(/no completed attempt whose change still stands/),
    });
  });

  it('configure validates, stores and applies to the running guardian without restarting it', async () => {
    const collection = await testCollection(sys.db.pool, { check_interval: 3600 });
    expect(await cli('pause', collection, '--comment', 'testing')).toMatchObject({ code: 0 });
    const before = await sys.w.client.workflow.getHandle(databaseGuardianWorkflowId(sys.db.key)).describe();

    const ok = await cli(
      'configure',
      '{"min_healing_interval_seconds": 42, "max_attempts_per_hour": 5}',
      '--collection',
      collection,
      '--json',
    );
    expect({ code: ok.code, err: ok.err }).toEqual({ code: 0, err: '' });
    expect(JSON.parse(ok.out).applied_to).toEqual([collection]);
    const st = (await guardianStatus(sys.w.client, sys.db.key, collection))!;
    expect(st.config).toMatchObject({
      min_healing_interval: 42,
      max_attempts_per_window: 5,
      attempt_window: 3600,
      check_interval: 3600,
    });
    expect(st.paused_by).toBe(`${process.env.USER ?? userInfo().username}: testing`);
    const after = await sys.w.client.workflow.getHandle(databaseGuardianWorkflowId(sys.db.key)).describe();
    expect(after.runId).toBe(before.runId);

    const stored = async () =>
      (await sys.db.pool.query('SELECT config FROM ruvector.healing_config WHERE scope = $1', [collection])).rows[0]
        .config;
    const was = await stored();
    expect(await cli('configure', '{"max_auto_heal_impact": 2}', '--collection', collection)).toMatchObject({
      code: 2,
      err: expect.stringMatching(/max_auto_heal_impact/),
    });
    expect(await cli('configure', '{"bogus": 1}', '--collection', collection)).toMatchObject({
      code: 2,
      err: expect.stringMatching(/bogus/),
    });
    expect(await cli('configure', 'not json')).toMatchObject({
      code: 2,
      err: expect.stringMatching(/neither a file nor JSON/),
    });
    expect(await stored()).toEqual(was);
    expect((await guardianStatus(sys.w.client, sys.db.key, collection))!.config.min_healing_interval).toBe(42);

    const status = await cli('status', collection, '--json');
    expect(JSON.parse(status.out)[0]).toMatchObject({ collection, enabled: false, guardian: { running: true } });
  });
});
