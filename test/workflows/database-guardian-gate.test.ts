import type { WorkflowHandle } from '@temporalio/client';
import { databaseGuardian } from '../../workflows/database-guardian';
import {
  collectionPauseUpdate,
  collectionResumeUpdate,
  collectionStatusQuery,
  collectionTriggerUpdate,
} from '../../workflows/database-guardian-messages';
import type { healingAttempt } from '../../workflows/healing-attempt';
import { rejectUpdate } from '../../workflows/attempt-messages';
import { bloated, healthy, sandboxFailed, sandboxPassed, statusWhen } from '../support/attempt-fixtures';
import { blocker } from '../support/blocker';
import { degraded, guardedDatabase, normal } from '../support/guardian-fixtures';
import { mockActivities, queryWhen, useTimeSkipping } from '../support/time-skipping';

const MIN = 60_000;
/** A compact_indexes attempt that raises λ (bloated → healthy), or one that does not. */
const heals = (c: string) => ({ samples: [bloated(c), healthy(c)], strategy: 'compact_indexes' });
const doesNotHeal = (c: string) => ({ samples: [bloated(c)], strategy: 'compact_indexes', verified: false });
const gaps = (xs: { at: number }[]) => xs.slice(1).map((x, i) => Math.round((x.at - xs[i]!.at) / 1000));

describe('database guardian: the healing gate', () => {
  const ts = useTimeSkipping({ serverPerTest: true });

  async function guard(
    db: ReturnType<typeof guardedDatabase>,
    fn: (h: WorkflowHandle<typeof databaseGuardian>) => Promise<void>,
  ) {
    const m = mockActivities(db.mocks);
    await ts.withWorker(m, async (taskQueue) => {
      const handle = await ts.env.client.workflow.start(databaseGuardian, {
        taskQueue,
        workflowId: `guardian/${taskQueue}`,
        args: [{ database: 'db' }],
      });
      await fn(handle);
    });
    return m;
  }
  const status = (h: WorkflowHandle<typeof databaseGuardian>, c = 'c1') => h.query(collectionStatusQuery, c);

  it('heals a degraded collection once, leaves a normal one alone, then cools down for min_healing_interval of workflow time', async () => {
    const db = guardedDatabase({
      gate: { check_interval: 60, min_healing_interval: 600, ineffective_after: 100 },
      readings: { c1: degraded(), c2: normal },
      attempt: heals,
    });
    await guard(db, async (h) => {
      await ts.env.sleep(20 * MIN);
      // Still degraded after each attempt (the reading says so): one attempt per cooldown, none for c2.
      expect(db.attempts.every((a) => a.collection === 'c1')).toBe(true);
      expect(db.attempts.length).toBe(2);
      expect(gaps(db.attempts)[0]).toBeGreaterThanOrEqual(600);
      expect(gaps(db.attempts)[0]).toBeLessThan(600 + 60);
      const st = await status(h);
      expect(st).toMatchObject({
        state: 'critical',
        last_healing: { outcome: 'Completed', raised_lambda: true },
        cooldown_until: expect.any(String),
        needs_person: null,
      });
      expect((await status(h, 'c2'))?.last_healing).toBeNull();
      // Sampled every check_interval meanwhile.
      expect(db.passes.length).toBeGreaterThanOrEqual(20);
    });
  });

  it('a dry run is not held back by the cooldown (it changes nothing); a plain trigger is', async () => {
    const db = guardedDatabase({
      gate: { check_interval: 60, min_healing_interval: 3600, ineffective_after: 100 },
      readings: { c1: degraded() },
      attempt: heals,
    });
    await guard(db, async (h) => {
      await queryWhen(
        () => status(h),
        (st) => st?.last_healing?.outcome === 'Completed',
        'the first heal',
      );
      const trigger = (dry_run: boolean) =>
        h.executeUpdate(collectionTriggerUpdate, { args: [{ collection: 'c1', request: { by: 'alice', dry_run } }] });
      expect(await trigger(false)).toMatchObject({ kind: 'Deferred', reason: expect.stringMatching(/^cooling down/) });
      expect(await trigger(true)).toMatchObject({ kind: 'Started' });
      await queryWhen(
        () => status(h),
        (st) => st?.last_healing?.outcome === 'DryRun',
        'the dry run to end',
      );
      // The dry run did not move the cooldown: still the heal's.
      expect(db.attempts).toHaveLength(2);
      expect(await trigger(false)).toMatchObject({ kind: 'Deferred', reason: expect.stringMatching(/^cooling down/) });
    });
  });

  it("after a verified heal, status shows the attempt's own measured λ and state at once, not a check interval later", async () => {
    const db = guardedDatabase({
      gate: { check_interval: 3600, min_healing_interval: 600, ineffective_after: 100 },
      readings: { c1: degraded() },
      attempt: heals,
    });
    await guard(db, async (h) => {
      // The first pass sees it critical and starts the attempt; the next pass is an hour away.
      await ts.env.sleep(5 * MIN);
      const healed = await status(h);
      expect(healed?.last_healing?.outcome).toBe('Completed');
      // Only the first pass sampled c1 (the one after the attempt ended had nothing due).
      expect(db.passes.filter((p) => p.input.due === 'all' || p.input.due.includes('c1'))).toHaveLength(1);
      expect(healed).toMatchObject({ lambda: 2, baseline_lambda: 2, state: 'normal', active: null });
    });
  });

  it('attempt window: no more than max_attempts_per_window attempts within attempt_window', async () => {
    const db = guardedDatabase({
      gate: {
        check_interval: 60,
        min_healing_interval: 0,
        max_attempts_per_window: 2,
        attempt_window: 3600,
        ineffective_after: 100,
      },
      readings: { c1: degraded() },
      attempt: heals,
    });
    await guard(db, async (h) => {
      await ts.env.sleep(30 * MIN);
      expect(db.attempts.length).toBe(2);
      expect((await status(h))?.attempts_in_window).toBe(2);
      // Status says why nothing starts, and that a person's trigger would wait for the window too.
      expect((await status(h))?.held).toEqual({
        reason: expect.stringMatching(/^2 attempts in the last 3600 s \(max_attempts_per_window 2\); next at /),
        until: expect.any(String),
        trigger_ok: false,
      });
      await ts.env.sleep(40 * MIN);
      // The window has moved past the first attempt: a third one.
      expect(db.attempts.length).toBeGreaterThanOrEqual(3);
      expect(db.attempts[2]!.at - db.attempts[0]!.at).toBeGreaterThanOrEqual(3600_000);
    });
  });

  it('backoff: attempts that could not act are retried after check_interval, doubling, up to the cap', async () => {
    const db = guardedDatabase({
      gate: { check_interval: 60, min_healing_interval: 480, ineffective_after: 100, max_attempts_per_window: 100 },
      readings: { c1: degraded() },
      attempt: (c) => ({ ...heals(c), over: { sandboxTest: async () => sandboxFailed } }),
    });
    await guard(db, async (h) => {
      await ts.env.sleep(40 * MIN);
      // Deferred each time: 60 s, 120 s, 240 s, then the cap max(check_interval, min_healing_interval) = 480 s.
      const g = gaps(db.attempts).slice(0, 5);
      expect(g.slice(0, 3).map((x) => Math.round(x / 60))).toEqual([1, 2, 4]);
      expect(g.slice(3).every((x) => x >= 480 && x < 480 + 60)).toBe(true);
      expect((await status(h))?.last_healing).toMatchObject({ outcome: 'Deferred' });
    });
  });

  it("a person's rejection holds automatic attempts off for attempt_window, not the deferral backoff's minute", async () => {
    const db = guardedDatabase({
      gate: {
        check_interval: 60,
        min_healing_interval: 60,
        attempt_window: 3600,
        max_attempts_per_window: 100,
        ineffective_after: 100,
        require_approval_strategies: ['compact_indexes'],
        approval_timeout: 86_400,
      },
      readings: { c1: degraded() },
      attempt: heals,
    });
    await guard(db, async (h) => {
      const waiting = await queryWhen(
        () => status(h),
        (st) => st?.active != null,
        'the attempt to start',
      );
      const attempt = ts.env.client.workflow.getHandle<typeof healingAttempt>(waiting!.active!.workflow_id);
      await statusWhen(attempt, (a) => a.awaiting_approval);
      await attempt.executeUpdate(rejectUpdate, { args: [{ action_id: 1, by: 'carol', comment: 'not now' }] });
      await queryWhen(
        () => status(h),
        (st) => st?.last_healing?.outcome === 'Deferred',
        'the rejected attempt to end',
      );
      await ts.env.sleep(50 * MIN);
      // A deferral for any other cause would have been retried after 1, 2, 4… minutes.
      expect(db.attempts).toHaveLength(1);
      expect((await status(h))?.backoff_until).toEqual(expect.any(String));
      expect((await status(h))?.held).toEqual({
        reason: expect.stringMatching(/^a person rejected the last attempt's strategy; next automatic attempt at /),
        until: expect.any(String),
        trigger_ok: true,
      });
      await ts.env.sleep(15 * MIN);
      expect(db.attempts.length).toBeGreaterThanOrEqual(2);
      expect(gaps(db.attempts)[0]).toBeGreaterThanOrEqual(3600);
      expect(gaps(db.attempts)[0]).toBeLessThan(3600 + 120);
    });
  });

  it('ineffective stop: after ineffective_after attempts that did not raise λ it stops for a person; resume starts again', async () => {
    const db = guardedDatabase({
      gate: { check_interval: 60, min_healing_interval: 60, ineffective_after: 2 },
      readings: { c1: degraded() },
      attempt: doesNotHeal,
    });
    await guard(db, async (h) => {
      await ts.env.sleep(30 * MIN);
      expect(db.attempts.length).toBe(2);
      expect((await status(h))?.needs_person).toMatch(/^healing ineffective: the last 2 attempts did not raise λ/);
      const resumed = await h.executeUpdate(collectionResumeUpdate, {
        args: [{ collection: 'c1', request: { by: 'alice' } }],
      });
      expect(resumed.needs_person).toBeNull();
      await queryWhen(
        async () => db.attempts.length,
        (n) => n === 3,
        'a third attempt after resume',
      );
    });
  });

  it('pause: a paused collection is neither sampled nor healed; resume heals it again', async () => {
    const db = guardedDatabase({
      gate: { check_interval: 60, min_healing_interval: 60, ineffective_after: 100 },
      readings: { c1: normal },
      attempt: heals,
    });
    await guard(db, async (h) => {
      await queryWhen(
        async () => db.passes.length,
        (n) => n >= 1,
        'the first pass',
      );
      const paused = await h.executeUpdate(collectionPauseUpdate, {
        args: [{ collection: 'c1', request: { by: 'bob', reason: 'migration' } }],
      });
      expect(paused).toMatchObject({ enabled: false, paused_by: 'bob: migration' });
      db.state.readings = { c1: degraded() };
      await ts.env.sleep(10 * MIN);
      expect(db.attempts).toEqual([]);
      expect(db.passes.slice(1).every((p) => p.input.paused?.includes('c1'))).toBe(true);
      await h.executeUpdate(collectionResumeUpdate, { args: [{ collection: 'c1', request: { by: 'bob' } }] });
      await queryWhen(
        async () => db.attempts.length,
        (n) => n === 1,
        'an attempt after resume',
      );
    });
  });

  it('server-scope dedup: a fault of the server seen by two collections is healed by one attempt; the other is covered_by it', async () => {
    const gate = blocker();
    const db = guardedDatabase({
      gate: { check_interval: 60, min_healing_interval: 600, ineffective_after: 100 },
      readings: { c1: degraded('ConnectionExhaustion'), c2: degraded('ConnectionExhaustion') },
      // c1's attempt (first by name) is held, so the guardian's state is looked at while it runs.
      attempt: (c) => ({ ...heals(c), over: { sandboxTest: async () => (await gate.hold(), sandboxPassed) } }),
    });
    await guard(db, async (h) => {
      await gate.started;
      expect(db.attempts.map((a) => a.collection)).toEqual(['c1']);
      expect(await status(h, 'c1')).toMatchObject({ active: { problem: 'ConnectionExhaustion', scope: 'server' } });
      expect(await status(h, 'c2')).toMatchObject({
        active: null,
        covered_by: "ConnectionExhaustion of the server: healed by c1's attempt",
      });
      gate.release();
      await queryWhen(
        () => status(h, 'c1'),
        (s) => s?.active === null,
        'the end of the attempt',
      );
    });
  });
});
