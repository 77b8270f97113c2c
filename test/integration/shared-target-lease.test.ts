import { drillMemoryPressure } from '../../src/drills/memory-pressure';
import { getCollection } from '../../src/postgres/collections';
import { readRoleSetting } from '../../src/postgres/role-settings';
import { guardianStatus } from '../../src/temporal/guardian-client';
import { guard, pauseGuarding } from '../support/guarding';
import { startHealingAttempt } from '../../src/temporal/start-attempt';
import { abortUpdate, approveUpdate, attemptStatusQuery, rejectUpdate } from '../../workflows/attempt-messages';
import type { healingAttempt } from '../../workflows/healing-attempt';
import type { rollbackAttempt } from '../../workflows/rollback-attempt';
import { releaseLeaseSignal, sharedTargetLease } from '../../workflows/shared-target-lease';
import { healingAttemptWorkflowId } from '../../src/domain/workflow-ids';
import { testCollection } from '../support/collections';
import { useCliSystem } from '../support/test-harness';
import { waitFor } from '../support/test-system';
import type { WorkflowHandle } from '@temporalio/client';

/**
 * Two collections in one database see the same spilling role (temp files are counted per database):
 * both guardians would change that role's work_mem. One attempt holds the role's lease; the other
 * defers and changes nothing.
 */
describe('shared targets: one attempt at a time changes what collections share', () => {
  const sys = useCliSystem('lease');
  const config = { require_approval_strategies: ['tune_work_mem'], stabilization_wait: 1, check_interval: 3600 };

  async function awaitingApproval(handle: WorkflowHandle<typeof healingAttempt>) {
    return waitFor('the approval phase', async () => {
      const s = await handle.query(attemptStatusQuery);
      return s.awaiting_approval ? s : undefined;
    });
  }

  async function leaseStatus(leaseId: string): Promise<string> {
    return (await sys.w.client.workflow.getHandle(leaseId).describe()).status.name;
  }

  it("a second collection's attempt on the same role is Deferred and changes nothing; the first heals and its lease ends with it", async () => {
    const a = await testCollection(sys.db.pool, config);
    const b = await testCollection(sys.db.pool, config);
    const run = await drillMemoryPressure(sys.db.pool, sys.db.url, await getCollection(sys.db.pool, a));
    const role = String(run.report.role);
    const db = (await sys.db.pool.query('SELECT current_database() AS d')).rows[0].d as string;
    try {
      const first = await startHealingAttempt(sys.w.client, {
        collection: a,
        taskQueue: sys.w.taskQueue,
        trigger: 'test',
      });
      const waiting = await awaitingApproval(first);
      expect(waiting.strategy).toBe('tune_work_mem');

      const second = await startHealingAttempt(sys.w.client, {
        collection: b,
        taskQueue: sys.w.taskQueue,
        trigger: 'test',
      });
      const deferred = await second.result();
      expect(deferred).toMatchObject({ kind: 'Deferred', problem: { class: 'MemoryPressure' } });
      const reason = deferred.kind === 'Deferred' ? deferred.reason : '';
      expect(reason).toMatch(new RegExp(`another attempt is changing role ${role}`));
      const leaseId = /lease `([^`]+)`/.exec(reason)![1]!;
      expect(await leaseStatus(leaseId)).toBe('RUNNING');
      // The deferred attempt planned nothing and left the role as the drill set it.
      expect(await readRoleSetting(sys.db.pool, role, db, 'work_mem')).toBe('1MB');
      const { rows } = await sys.db.pool.query(
        "SELECT status, plan FROM ruvector.healing_attempts WHERE workflow_id = $1 AND status <> 'running'",
        [second.workflowId],
      );
      expect(rows).toEqual([{ status: 'Deferred', plan: null }]);

      await first.executeUpdate(approveUpdate, { args: [{ action_id: waiting.attempt_id!, by: 'test' }] });
      expect(await first.result()).toMatchObject({ kind: 'Completed', strategy: 'tune_work_mem', verified: true });
      expect(await readRoleSetting(sys.db.pool, role, db, 'work_mem')).not.toBe('1MB');
      // Released by the holder's signal before the holder closed: completed, not terminated with it.
      expect(await leaseStatus(leaseId)).toBe('COMPLETED');

      // A rollback of that change takes the same lease: refused while someone else holds it.
      const other = await sys.w.client.workflow.start(sharedTargetLease, {
        taskQueue: sys.w.taskQueue,
        workflowId: leaseId,
        args: [{ workflow_id: 'someone-else', collection: b, attempt_id: 0, target: `role ${role}` }],
      });
      const rollback = () =>
        sys.w.client.workflow.execute<typeof rollbackAttempt>('rollbackAttempt', {
          taskQueue: sys.w.taskQueue,
          workflowId: healingAttemptWorkflowId(a),
          args: [{ collection: a, by: 'test' }],
        });
      expect(await rollback()).toMatchObject({
        kind: 'Refused',
        reason: expect.stringMatching(/another attempt is changing role/),
      });
      expect(await readRoleSetting(sys.db.pool, role, db, 'work_mem')).not.toBe('1MB');
      await other.signal(releaseLeaseSignal);
      await other.result();
      expect(await rollback()).toMatchObject({ kind: 'RolledBack', strategy: 'tune_work_mem' });
      expect(await readRoleSetting(sys.db.pool, role, db, 'work_mem')).toBe('1MB');
      expect(await leaseStatus(leaseId)).toBe('COMPLETED');
    } finally {
      await run.held?.release();
    }
  });

  it('an aborted holder releases the lease, and the next attempt on that role takes it', async () => {
    const a = await testCollection(sys.db.pool, config);
    const b = await testCollection(sys.db.pool, config);
    const run = await drillMemoryPressure(sys.db.pool, sys.db.url, await getCollection(sys.db.pool, a));
    try {
      const first = await startHealingAttempt(sys.w.client, {
        collection: a,
        taskQueue: sys.w.taskQueue,
        trigger: 'test',
      });
      const waiting = await awaitingApproval(first);
      await first.executeUpdate(abortUpdate, { args: [{ action_id: waiting.attempt_id!, by: 'test' }] });
      expect(await first.result()).toMatchObject({ kind: 'Aborted' });

      const next = await startHealingAttempt(sys.w.client, {
        collection: b,
        taskQueue: sys.w.taskQueue,
        trigger: 'test',
      });
      const st = await awaitingApproval(next);
      expect(st.strategy).toBe('tune_work_mem');
      await next.executeUpdate(rejectUpdate, { args: [{ action_id: st.attempt_id!, by: 'test' }] });
      expect(await next.result()).toMatchObject({ kind: 'Deferred', reason: 'rejected by test' });
    } finally {
      await run.held?.release();
    }
  });

  it('one spilling role seen by two collections: the database guardian heals it with one attempt, and the other collection is covered by it', async () => {
    const guarded = { check_interval: 2, stabilization_wait: 1, min_healing_interval: 0 };
    const a = await testCollection(sys.db.pool, guarded);
    const b = await testCollection(sys.db.pool, guarded);
    await guard(sys, [a, b]);
    const run = await drillMemoryPressure(sys.db.pool, sys.db.url, await getCollection(sys.db.pool, a));
    try {
      // While one attempt heals the server's fault, the other collection says who heals it.
      const covered = await waitFor(
        'the other collection to be covered by the running attempt',
        async () => {
          const [sa, sb] = await Promise.all([a, b].map((c) => guardianStatus(sys.w.client, sys.db.key, c)));
          const holder = sa?.active ? sb : sb?.active ? sa : null;
          return holder?.covered_by ?? undefined;
        },
        60_000,
        200,
        async () => Promise.all([a, b].map((c) => guardianStatus(sys.w.client, sys.db.key, c))),
      );
      expect(covered).toMatch(/^MemoryPressure of the server: healed by .*'s attempt$/);
      // status says so too: one collection's attempt heals the server's fault, the other is covered by it.
      await waitFor(
        'status to show the server-wide attempt and the covered collection',
        async () => {
          const out = (await sys.cli('status')).out;
          const line = (c: string) => out.split('\n').find((l) => l.startsWith(`${c} (`)) ?? '';
          const [la, lb] = [line(a), line(b)];
          const healing = /attempt running \([a-z]+\), healing the server's MemoryPressure for every collection/;
          const coveredLine = /MemoryPressure of the server: healed by .*'s attempt/;
          return (healing.test(la) && coveredLine.test(lb)) || (healing.test(lb) && coveredLine.test(la))
            ? true
            : undefined;
        },
        30_000,
        200,
      );
      // Healed: the drill's sorts run in memory again.
      await Promise.race([
        run.held!.cleared,
        new Promise((_, reject) => setTimeout(() => reject(new Error('not healed within 60 s')), 60_000)),
      ]);
      for (const c of [a, b]) await pauseGuarding(sys, c);
      // An attempt outlives its guardian's interest: let the last ones finish.
      await waitFor(
        'the last attempts to finish',
        async () => {
          const r = await sys.db.pool.query(
            `SELECT count(*)::int AS n FROM ruvector.healing_attempts a
              JOIN ruvector.collections c ON c.id = a.collection_id WHERE c.name IN ($1, $2) AND a.status = 'running'`,
            [a, b],
          );
          return r.rows[0].n === 0 ? true : undefined;
        },
        60_000,
      );
      const { rows } = await sys.db.pool.query(
        `SELECT c.name, a.status, a.strategy_name, a.reason, a.plan IS NOT NULL AS planned
           FROM ruvector.healing_attempts a JOIN ruvector.collections c ON c.id = a.collection_id
          WHERE c.name IN ($1, $2) AND a.status <> 'running' ORDER BY a.id`,
        [a, b],
      );
      const acted = rows.filter((r) => r.planned);
      expect(acted.map((r) => ({ status: r.status, strategy: r.strategy_name, reason: r.reason }))).toEqual([
        { status: 'Completed', strategy: 'tune_work_mem', reason: 'verified' },
      ]);
      // Any other attempt (the fault's tail seen once more after the heal) ended without acting.
      expect(rows.filter((r) => !r.planned).every((r) => r.status === 'Deferred' || r.status === 'NoStrategy')).toBe(
        true,
      );
      // History says the attempt healed the server, not just the collection it ran in.
      const history = await sys.cli('history', '--collection', acted[0].name, '--json');
      expect(JSON.parse(history.out).find((r: { strategy: string }) => r.strategy === 'tune_work_mem')).toMatchObject({
        problem_class: 'MemoryPressure',
        scope: 'server',
      });
      expect((await sys.cli('history', '--collection', acted[0].name)).out).toMatch(
        /MemoryPressure \(server-wide: one attempt for every collection on the server\) → tune_work_mem: success, verified/,
      );
    } finally {
      await run.held?.release();
      for (const c of [a, b]) await pauseGuarding(sys, c).catch(() => undefined);
    }
  });
});
