import { storeHealingConfig } from '../../src/postgres/outcome-store';
import {
  databaseGuardianWorkflowId,
  guardianStatus,
  refreshGuardian,
  resumeCollection,
  triggerHealing,
} from '../../src/temporal/guardian-client';
import type { TriggerAnswer } from '../../workflows/guardian-messages';
import type { healingAttempt } from '../../workflows/healing-attempt';
import type { HealingConfigInput } from '../../src/domain/healing-config';
import { bloat, testCollection } from '../support/collections';
import { guard, pauseGuarding } from '../support/guarding';
import { maybeRecordHistory } from '../support/histories';
import { useWorkerSystem } from '../support/test-harness';
import { waitFor } from '../support/test-system';

describe('guardian: cooldowns, attempt window, ineffective healing', () => {
  const sys = useWorkerSystem('guardian');

  const trigger = (collection: string) =>
    triggerHealing(sys.w.client, sys.db.key, collection, sys.w.taskQueue, { by: 'test' });
  /** A healthy new collection, known to the database's guardian (sampled once) before the test degrades it. */
  const guarded = async (config: HealingConfigInput) => {
    const collection = await testCollection(sys.db.pool, config);
    await guard(sys);
    return collection;
  };
  const resultOf = (a: TriggerAnswer) => {
    if (a.kind === 'Deferred') throw new Error(`expected an attempt, got deferred: ${a.reason}`);
    return sys.w.client.workflow.getHandle<typeof healingAttempt>(a.workflow_id, a.run_id).result();
  };
  /** Kind, verification and (for an attempt that did not act) its reason, so a failure says why. */
  const summary = (o: Awaited<ReturnType<typeof resultOf>>) => ({
    kind: o.kind,
    verified: o.kind === 'Completed' ? o.verified : null,
    reason: 'reason' in o ? o.reason : null,
  });
  const healed = { kind: 'Completed', verified: true, reason: null };
  const status = async (collection: string) => (await guardianStatus(sys.w.client, sys.db.key, collection))!;
  const attemptsOf = async (collection: string) =>
    (
      await sys.db.pool.query(
        `SELECT a.status, a.trigger, a.started_at FROM ruvector.healing_attempts a
          JOIN ruvector.collections c ON c.id = a.collection_id
        WHERE c.name = $1 ORDER BY a.id`,
        [collection],
      )
    ).rows;

  it('cooldown: a trigger inside min_healing_interval is deferred with cooldown_until; when the timer fires the next attempt runs by itself', async () => {
    const collection = await guarded({ min_healing_interval: 6, stabilization_wait: 0, check_interval: 1 });
    await bloat(sys.db.pool, collection);
    // The guardian sees the degradation and heals on its own.
    const first = await trigger(collection);
    const o1 = await resultOf(first);
    expect(summary(o1)).toEqual(healed);
    const finishedAt = Date.now();

    await bloat(sys.db.pool, collection);
    const deferred = await trigger(collection);
    expect(deferred.kind).toBe('Deferred');
    if (deferred.kind !== 'Deferred') throw new Error('unreachable');
    expect(deferred.reason).toMatch(/cooling down/);
    const until = Date.parse(deferred.cooldown_until!);
    expect(until).toBeGreaterThan(Date.now());
    expect(until).toBeLessThanOrEqual(finishedAt + 6000 + 1000);

    // Still degraded: the guardian's cooldown timer fires and it starts the next attempt itself.
    const rows = await waitFor(
      'the guardian to start the second attempt',
      async () => {
        const r = await attemptsOf(collection);
        return r.length >= 2 ? r : undefined;
      },
      30_000,
      200,
    );
    expect(rows[1].trigger).toBe('guardian');
    expect(rows[1].started_at.getTime()).toBeGreaterThanOrEqual(until - 50);
    expect(rows[1].started_at.getTime()).toBeLessThan(until + 5000);
    await waitFor(
      'the second attempt to finish',
      async () => (await attemptsOf(collection))[1].status === 'Completed',
      30_000,
    );
    await pauseGuarding(sys, collection);
    await maybeRecordHistory(
      'database-guardian-cooldown',
      sys.w.client.workflow.getHandle(databaseGuardianWorkflowId(sys.db.key)),
    );
  });

  it('attempt window: at most max_attempts_per_window attempts per attempt_window', async () => {
    const collection = await guarded({
      min_healing_interval: 0,
      max_attempts_per_window: 2,
      attempt_window: 3600,
      stabilization_wait: 0,
      check_interval: 3600,
    });
    for (let i = 0; i < 2; i++) {
      await bloat(sys.db.pool, collection);
      expect(summary(await resultOf(await trigger(collection)))).toEqual(healed);
    }
    await bloat(sys.db.pool, collection);
    const third = await trigger(collection);
    expect(third).toMatchObject({
      kind: 'Deferred',
      reason: expect.stringMatching(/2 attempts in the last 3600 s \(max_attempts_per_window 2\)/),
    });
    expect((await status(collection)).attempts_in_window).toBe(2);
    expect(await attemptsOf(collection)).toHaveLength(2);
  });

  it('healing that keeps not raising λ stops auto-healing and says it needs a person, until resumed', async () => {
    // λ must rise tenfold to count as raised: the rebuilds work, but never by that much.
    const config: HealingConfigInput = {
      min_healing_interval: 0,
      min_lambda_improvement: 10,
      ineffective_after: 2,
      stabilization_wait: 0,
      check_interval: 3600,
    };
    const collection = await guarded(config);
    for (let i = 0; i < 2; i++) {
      await bloat(sys.db.pool, collection);
      await resultOf(await trigger(collection));
    }
    const st = await waitFor('needs_person', async () => {
      const s = await status(collection);
      return s.needs_person ? s : undefined;
    });
    expect(st.needs_person).toMatch(/healing ineffective: the last 2 attempts did not raise λ/);

    // Degraded again, and sampled: no automatic attempt starts.
    await bloat(sys.db.pool, collection);
    const before = st.last_sample_at;
    // Sampled every second from now (the stored configuration, read again at once).
    await storeHealingConfig(sys.db.pool, collection, { ...config, check_interval: 1 });
    await refreshGuardian(sys.w.client, sys.db.key);
    await waitFor('a new sample', async () => {
      const s = await status(collection);
      return s.last_sample_at !== before && s.state !== 'normal' ? s : undefined;
    });
    await new Promise((r) => setTimeout(r, 2500));
    expect((await status(collection)).active).toBeNull();
    expect(await attemptsOf(collection)).toHaveLength(2);

    // A person resumes: auto-healing runs again.
    const resumed = await resumeCollection(sys.w.client, sys.db.key, sys.w.taskQueue, collection, { by: 'test' });
    expect(resumed.needs_person).toBeNull();
    await waitFor(
      'an automatic attempt after resume',
      async () => (await attemptsOf(collection)).length === 3,
      30_000,
      200,
    );
    await pauseGuarding(sys, collection);
  });

  it('many triggers at once start one attempt; the others join it', async () => {
    const collection = await guarded({ stabilization_wait: 2, check_interval: 3600 });
    await bloat(sys.db.pool, collection);
    const answers = await Promise.all(Array.from({ length: 8 }, () => trigger(collection)));
    const runs = new Set(answers.map((a) => (a.kind === 'Deferred' ? a.reason : a.run_id)));
    expect(runs.size).toBe(1);
    expect(answers.filter((a) => a.kind === 'Started')).toHaveLength(1);
    expect(answers.filter((a) => a.kind === 'Joined')).toHaveLength(7);
    await resultOf(answers[0]!);
    expect(await attemptsOf(collection)).toHaveLength(1);
  });

  it('a fault it cannot act on is not retried in a tight loop: check_interval, then doubling, up to min_healing_interval', async () => {
    // Fragmented, but the only strategy is above this impact: it waits for a person, nobody comes, every attempt ends
    // Deferred.
    const collection = await guarded({
      max_auto_heal_impact: 0.05,
      approval_timeout: 1,
      min_healing_interval: 8,
      stabilization_wait: 0,
      check_interval: 1,
    });
    await bloat(sys.db.pool, collection);
    try {
      await waitFor(
        'four attempts',
        async () => ((await attemptsOf(collection)).length >= 4 ? true : undefined),
        40_000,
        200,
      );
      // Between attempts, status says when the next automatic one may start.
      const until = await waitFor(
        'the guardian to report its backoff',
        async () => (await status(collection)).backoff_until ?? undefined,
        20_000,
        100,
      );
      expect(Date.parse(until)).toBeGreaterThan(Date.now() - 1000);
    } finally {
      await pauseGuarding(sys, collection);
    }
    const rows = (
      await sys.db.pool.query(
        `SELECT a.status, a.started_at, a.completed_at FROM ruvector.healing_attempts a
          JOIN ruvector.collections c ON c.id = a.collection_id
        WHERE c.name = $1 AND a.status <> 'running' ORDER BY a.id`,
        [collection],
      )
    ).rows;
    expect(new Set(rows.map((r) => r.status))).toEqual(new Set(['Deferred']));
    // From the end of the kth such attempt to the start of the next: at least 1, 2, 4 s (before: at once).
    const gaps = rows.slice(1, 4).map((r, k) => (r.started_at.getTime() - rows[k]!.completed_at.getTime()) / 1000);
    gaps.forEach((g, k) => expect(g).toBeGreaterThanOrEqual(2 ** k - 0.05));
  });
});
