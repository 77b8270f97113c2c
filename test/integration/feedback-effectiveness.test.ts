import { userInfo } from 'node:os';
import { STRATEGY_NAMES } from '../../src/domain/strategy-names';
import { blocked, cliAgainst, index, insertAttempt, type Inserted } from '../support/recovery-fixtures';
import { createTestDatabase, type TestDatabase } from '../support/test-system';

const ago = (days: number) => new Date(Date.now() - days * 86_400_000);
const healed = (completes_after_s: number) => ({ success: true, verified: true, completes_after_s });

describe('selfheal effectiveness and selfheal feedback', () => {
  let db: TestDatabase;
  let cli: ReturnType<typeof cliAgainst>;
  const a: Record<string, Inserted> = {};
  /** Every outcome's feedback columns, to show a refused command wrote none. */
  const feedbackColumns = async () =>
    (
      await db.pool.query(
        `SELECT id, feedback_score, feedback_by, feedback_comment, feedback_at FROM ruvector.healing_outcomes
          ORDER BY id`,
      )
    ).rows;
  const feedbackOf = async (outcomeId: number | null) =>
    (
      await db.pool.query(
        `SELECT feedback_score::numeric::float8 AS score, feedback_by AS by, feedback_comment AS comment,
                feedback_at, now() - feedback_at < interval '1 minute' AS just_now
           FROM ruvector.healing_outcomes WHERE id = $1`,
        [outcomeId],
      )
    ).rows[0];

  beforeAll(async () => {
    db = await createTestDatabase('effect');
    cli = cliAgainst(db.appUrl);
    const demo = { collection: 'demo', problem: index('demo_pkey'), strategy: 'compact_indexes' };
    // Detected 10 min before it started, done 5 min after: 15 min to recover.
    a.healed = await insertAttempt(db.pool, {
      ...demo,
      started_at: ago(2),
      detected_before_s: 600,
      outcome: healed(300),
    });
    a.unverified = await insertAttempt(db.pool, {
      ...demo,
      started_at: ago(3),
      detected_before_s: 60,
      outcome: { success: true, verified: false, completes_after_s: 60 },
    });
    // No detection time: 2 min from its start.
    a.blocking = await insertAttempt(db.pool, {
      collection: 'demo',
      started_at: ago(1),
      problem: blocked,
      strategy: 'terminate_blocking_root',
      detected_before_s: null,
      outcome: healed(120),
    });
    a.old = await insertAttempt(db.pool, { ...demo, started_at: ago(40), detected_before_s: 60, outcome: healed(60) });
    a.deferred = await insertAttempt(db.pool, {
      collection: 'demo',
      status: 'Deferred',
      started_at: ago(1),
      problem: index('demo_pkey'),
    });
    a.noStrategy = await insertAttempt(db.pool, {
      collection: 'demo',
      status: 'NoStrategy',
      started_at: ago(1),
      problem: { class: 'Unknown', witness_summary: 'no weak witness edges' },
    });
    a.running = await insertAttempt(db.pool, { collection: 'demo', status: 'running', started_at: new Date() });
  });
  afterAll(async () => db?.drop());

  it('effectiveness before any weight update: every weight is its prior, outcomes of the last 30 days', async () => {
    const r = await cli('effectiveness', '--json');
    expect({ code: r.code, err: r.err }).toEqual({ code: 0, err: '' });
    const e = JSON.parse(r.out);
    expect(e.last_update).toBeNull();
    expect(e.strategies.map((s: { strategy: string }) => s.strategy)).toEqual(STRATEGY_NAMES);
    for (const s of e.strategies)
      for (const w of s.weights)
        expect([s.strategy, w]).toEqual([s.strategy, expect.objectContaining({ prior: true, weight: 1 })]);
    const compact = e.strategies.find((s: { strategy: string }) => s.strategy === 'compact_indexes');
    // The 40-day-old outcome is outside the window.
    expect(compact).toMatchObject({ outcomes: 2, recoveries: 1, success_rate: 0.5, mean_recovery_seconds: 900 });
    const text = await cli('effectiveness');
    expect(text.out).toContain('weights: no update yet, every weight is its prior 1');
    expect(text.out).toContain('  IndexFragmentation: prior 1 (no update yet)');
  });

  it('effectiveness: stored weights per class with when they were computed, success, time to recovery, overall', async () => {
    const update = (
      await db.pool.query<{ id: number }>(
        `INSERT INTO ruvector.weight_updates (computed_at, trigger, window_days, learning_enabled, outcomes_used)
         VALUES ('2026-01-05T03:00:00Z', 'schedule', 30, true, 3) RETURNING id`,
      )
    ).rows[0]!.id;
    await db.pool.query(
      `INSERT INTO ruvector.strategy_weights (problem_class, strategy_name, weight, success_rate, avg_improvement,
         outcomes, feedback_count, update_id, computed_at)
       VALUES ('IndexFragmentation', 'compact_indexes', 0.8, 0.5, 0.6, 2, 1, $1, '2026-01-05T03:00:00Z')`,
      [update],
    );
    const e = JSON.parse((await cli('effectiveness', '--json')).out);
    expect(e.last_update).toMatchObject({ id: update, trigger: 'schedule', window_days: 30, outcomes_used: 3 });
    const of = (name: string) => e.strategies.find((s: { strategy: string }) => s.strategy === name);
    expect(of('compact_indexes').weights).toEqual([
      {
        problem_class: 'IndexFragmentation',
        prior: false,
        weight: 0.8,
        success_rate: 0.5,
        avg_improvement: 0.6,
        outcomes: 2,
        feedback_count: 1,
        update_id: update,
        computed_at: '2026-01-05T03:00:00.000Z',
      },
    ]);
    expect(of('terminate_blocking_root')).toMatchObject({
      outcomes: 1,
      recoveries: 1,
      success_rate: 1,
      mean_recovery_seconds: 120,
      measured_from_start: 1,
      weights: [{ problem_class: 'BlockingChain', prior: true, weight: 1, computed_at: null }],
    });
    expect(of('rebalance_partitions')).toMatchObject({ outcomes: 0, success_rate: null });
    // 15 min and 2 min over the two healed of three.
    expect(e.overall).toEqual({
      outcomes: 3,
      recoveries: 2,
      success_rate: 2 / 3,
      mean_recovery_seconds: 510,
      measured_from_start: 1,
    });
    const lines = (await cli('effectiveness')).out.split('\n');
    expect(lines.slice(0, 2)).toEqual([
      expect.stringMatching(
        /^since \S+: 3 outcomes, success rate 67 % \(2 of 3 completed and verified\), mean time to recovery 8\.5 min over 2 recoveries \(1 of 2 timed from the attempt's start: no detection time recorded\)$/,
      ),
      `weights: last update #${update} at 2026-01-05T03:00:00.000Z (schedule, 30-day window, 3 outcomes)`,
    ]);
    const at = lines.indexOf(
      'compact_indexes: 2 outcomes, success 50 % (1 of 2), mean time to recovery 15.0 min over 1 recovery',
    );
    expect(at).toBeGreaterThan(1);
    expect(lines[at + 1]).toBe(
      '  IndexFragmentation: weight 0.800, computed 2026-01-05T03:00:00.000Z (from 2 outcomes, 1 with feedback)',
    );
    expect(JSON.parse((await cli('effectiveness', '--since', '60d', '--json')).out).overall.outcomes).toBe(4);
    expect(await cli('effectiveness', '--since', 'forever')).toMatchObject({
      code: 2,
      err: expect.stringMatching(/--since takes/),
    });
  });

  it('feedback is recorded on the outcome with who and when; given again, it replaces the earlier one and says so', async () => {
    const first = await cli(
      'feedback',
      String(a.healed!.attempt_id),
      '--score',
      '0.5',
      '--by',
      'alice',
      '--comment',
      'fixed it',
    );
    expect({ code: first.code, err: first.err }).toEqual({ code: 0, err: '' });
    expect(first.out).toBe(
      `action ${a.healed!.attempt_id} (demo): feedback 0.5 by alice on outcome ${a.healed!.outcome_id} — fixed it`,
    );
    const recorded = await feedbackOf(a.healed!.outcome_id);
    expect(recorded).toMatchObject({ score: 0.5, by: 'alice', comment: 'fixed it', just_now: true });

    const again = await cli('feedback', String(a.healed!.attempt_id), '--score', '-0.3', '--by', 'bob', '--json');
    expect(again.code).toBe(0);
    expect(JSON.parse(again.out)).toMatchObject({
      action_id: a.healed!.attempt_id,
      outcome_id: a.healed!.outcome_id,
      score: -0.3,
      by: 'bob',
      comment: null,
      replaced: { score: 0.5, by: 'alice', comment: 'fixed it' },
    });
    const replaced = await feedbackOf(a.healed!.outcome_id);
    expect(replaced).toMatchObject({ score: -0.3, by: 'bob', comment: null, just_now: true });
    expect(replaced.feedback_at.getTime()).toBeGreaterThanOrEqual(recorded.feedback_at.getTime());
    const third = await cli('feedback', String(a.healed!.attempt_id), '--score', '1', '--by', 'carol');
    expect(third.out).toMatch(/feedback 1 by carol on outcome \d+; replaced feedback -0\.3 by bob \(\S+\)$/);
    // Only that outcome changed.
    expect((await feedbackOf(a.unverified!.outcome_id)).score).toBeNull();
  });

  it('feedback without --by is the OS user’s; -1 and 1 are in range', async () => {
    expect((await cli('feedback', String(a.unverified!.attempt_id), '--score', '-1')).code).toBe(0);
    expect(await feedbackOf(a.unverified!.outcome_id)).toMatchObject({ score: -1, by: userInfo().username });
    expect((await cli('feedback', String(a.blocking!.attempt_id), '--score', '1', '--by', 'dave')).code).toBe(0);
    expect(await feedbackOf(a.blocking!.outcome_id)).toMatchObject({ score: 1, by: 'dave' });
  });

  it('refuses feedback on an attempt without an outcome, a bad score or a bad id, and writes nothing', async () => {
    const before = await feedbackColumns();
    expect(await cli('feedback', String(a.deferred!.attempt_id), '--score', '1')).toMatchObject({
      code: 5,
      err:
        `selfheal feedback: action ${a.deferred!.attempt_id} (demo) ended Deferred without running a strategy: ` +
        'it has no outcome to judge',
    });
    expect(await cli('feedback', String(a.noStrategy!.attempt_id), '--score', '0')).toMatchObject({
      code: 5,
      err: expect.stringMatching(/ended NoStrategy without running a strategy: it has no outcome to judge$/),
    });
    expect(await cli('feedback', String(a.running!.attempt_id), '--score', '0.2')).toMatchObject({
      code: 5,
      err: expect.stringMatching(/is still running: feedback waits for its outcome$/),
    });
    expect(await cli('feedback', '999999', '--score', '1')).toMatchObject({
      code: 3,
      err: expect.stringMatching(/no action 999999$/),
    });
    const id = String(a.healed!.attempt_id);
    for (const score of ['2', '-1.5', '1.0001', 'abc', '1e0', '0x1', 'NaN', 'Infinity', ' 1', ''])
      expect(await cli('feedback', id, `--score=${score}`)).toMatchObject({
        code: 2,
        err:
          'selfheal feedback: --score takes a number from -1 (it made things worse) to 1 (exactly right), ' +
          `not "${score}"`,
      });
    expect(await cli('feedback', id)).toMatchObject({
      code: 2,
      err: expect.stringMatching(/usage: selfheal feedback/),
    });
    expect(await cli('feedback', id, '--score')).toMatchObject({
      code: 2,
      err: expect.stringMatching(/--score needs a value/),
    });
    expect(await cli('feedback', '7.5', '--score', '1')).toMatchObject({
      code: 2,
      err: expect.stringMatching(/the action id is a whole number/),
    });
    expect(await cli('feedback', id, '--score', '1', '--weight', '2')).toMatchObject({
      code: 2,
      err: expect.stringMatching(/unknown option --weight/),
    });
    expect(await feedbackColumns()).toEqual(before);
  });
});
