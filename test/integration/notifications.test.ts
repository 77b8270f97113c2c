import { createNotificationActivities } from '../../activities/notifications';
import type { Notice } from '../../src/domain/notice';
import { deliveriesOf } from '../../src/postgres/notifications';
import { createPool } from '../../src/postgres/pool';
import { triggerHealing } from '../../src/temporal/guardian-client';
import { approveUpdate, attemptStatusQuery } from '../../workflows/attempt-messages';
import type { healingAttempt } from '../../workflows/healing-attempt';
import { bloat, testCollection } from '../support/collections';
import { maybeRecordHistory } from '../support/histories';
import {
  createTestDatabase,
  startTestWorker,
  waitFor,
  type TestDatabase,
  type TestWorker,
} from '../support/test-system';
import { endIdleSession } from '../support/idle-session';
import { startWebhookReceiver } from '../support/webhook-receiver';

const UI = 'http://ui.example.test:8233';

/** The notification activities on `pool`, posting to the one generic webhook `url`. */
const postingTo = (pool: Parameters<typeof createNotificationActivities>[0], url: string) =>
  createNotificationActivities(pool, { webhooks: [url], slack: [], uiUrl: null, namespace: 'default' });

/** A notice about action `action_id` of collection c. */
const noticeOf = (n: Pick<Notice, 'event' | 'action_id' | 'problem_class' | 'strategy' | 'reason'>): Notice => ({
  ...n,
  collection: 'c',
  workflow_id: 'healing-attempt/c',
  run_id: 'r1',
  at: new Date().toISOString(),
});

describe('a person is told through webhooks', () => {
  // /flaky answers 500 twice, then 200: the notice reaches it on the third try.
  let hooks: Awaited<ReturnType<typeof startWebhookReceiver>>;
  let db: TestDatabase;
  let w: TestWorker;

  beforeAll(async () => {
    hooks = await startWebhookReceiver((path, nth) => (path === '/flaky' && nth < 2 ? 500 : 200));
    db = await createTestDatabase('notify');
    w = await startTestWorker(db.appPool, {
      notify: {
        webhooks: [hooks.url('/generic'), hooks.url('/flaky')],
        slack: [hooks.url('/slack')],
        uiUrl: UI,
        namespace: 'default',
      },
    });
  });
  afterAll(async () => {
    await w?.stop();
    await db?.drop();
    await hooks?.close();
  });

  it('an attempt waiting for approval posts one generic and one Slack notice; a failing target gets it on its third try while the attempt goes on', async () => {
    const collection = await testCollection(db.pool, {
      require_approval_strategies: ['compact_indexes'],
      stabilization_wait: 1,
      check_interval: 3600,
    });
    await bloat(db.pool, collection);
    const answer = await triggerHealing(w.client, db.key, collection, w.taskQueue, { by: 'test' });
    if (answer.kind === 'Deferred') throw new Error(answer.reason);
    const handle = w.client.workflow.getHandle<typeof healingAttempt>(answer.workflow_id, answer.run_id);
    const waiting = await waitFor('the approval phase', async () => {
      const s = await handle.query(attemptStatusQuery);
      return s.awaiting_approval ? s : undefined;
    });
    const id = waiting.attempt_id!;

    // The first try reached every target; /flaky refused it. The attempt waits for a person meanwhile,
    // and takes the decision at once: the notice's retries hold nothing back.
    const [firstFlaky] = await hooks.until('/flaky', 1);
    expect(firstFlaky!.status).toBe(500);
    await handle.executeUpdate(approveUpdate, { args: [{ action_id: id, by: 'alice' }] });
    const approvedAt = Date.now();
    const flaky = await hooks.until('/flaky', 3);
    expect(flaky.map((r) => r.status)).toEqual([500, 500, 200]);
    expect(approvedAt).toBeLessThan(flaky[2]!.at);
    // Retried with backoff (1 s, then 2 s).
    expect(flaky[2]!.at - flaky[0]!.at).toBeGreaterThanOrEqual(2500);
    expect(await handle.result()).toMatchObject({ kind: 'Completed', strategy: 'compact_indexes', verified: true });
    await maybeRecordHistory('compact-indexes-approval-notified', handle);

    // Exactly once each, across those retries: the store skips a target already delivered.
    await new Promise((r) => setTimeout(r, 1000));
    expect(hooks.at('/generic')).toHaveLength(1);
    expect(hooks.at('/slack')).toHaveLength(1);
    expect(hooks.at('/flaky')).toHaveLength(3);

    const wf = encodeURIComponent(answer.workflow_id);
    const link = `${UI}/namespaces/default/workflows/${wf}/${answer.run_id}/history`;
    const generic = hooks.at('/generic')[0]!;
    expect(generic.headers['content-type']).toBe('application/json');
    expect(generic.headers['idempotency-key']).toBe(`${id}:approval`);
    expect(generic.body).toMatchObject({
      source: 'selfheal',
      event: 'approval',
      idempotency_key: `${id}:approval`,
      action_id: id,
      collection,
      problem_class: 'IndexFragmentation',
      strategy: 'compact_indexes',
      reason: expect.stringMatching(/compact_indexes is in require_approval_strategies/),
      deadline: waiting.approval_deadline,
      ui_url: link,
      workflow_id: answer.workflow_id,
      run_id: answer.run_id,
      commands: [
        { run: `selfheal approve ${id}`, does: expect.any(String) },
        { run: `selfheal reject ${id}`, does: expect.any(String) },
        { run: `selfheal abort ${id}`, does: expect.any(String) },
      ],
    });
    expect(flaky[2]!.body).toEqual(generic.body);

    const slack = hooks.at('/slack')[0]!.body as { text: string; blocks: Record<string, unknown>[] };
    expect(slack.text).toMatch(new RegExp(`^selfheal: action ${id} waits for approval: ${collection}`));
    const text = JSON.stringify(slack.blocks);
    for (const want of [
      `*Action*\\n${id}`,
      `*Collection*\\n${collection}`,
      '*Problem*\\nIndexFragmentation',
      '*Strategy*\\ncompact_indexes',
      `selfheal approve ${id}`,
      `selfheal reject ${id}`,
      `selfheal abort ${id}`,
      'require_approval_strategies',
    ])
      expect(text).toContain(want);
    expect(slack.blocks.at(-1)).toMatchObject({ type: 'actions', elements: [{ type: 'button', url: link }] });

    // What the store kept: every target delivered, the flaky one after three tries.
    const rows = await deliveriesOf(db.pool, id);
    expect(rows.map((r) => [r.target.split(':')[0], r.status, r.tries]).sort()).toEqual(
      [
        ['slack', 'posted', 1],
        ['webhook', 'posted', 1],
        ['webhook', 'posted', 3],
      ].sort(),
    );
    expect(rows.every((r) => !r.target.includes('/'))).toBe(true);
  });

  it('a notice asked for again (a retried or repeated try) is not posted again', async () => {
    const hooks2 = await startWebhookReceiver();
    try {
      const acts = postingTo(db.appPool, hooks2.url('/once'));
      const notice = noticeOf({
        event: 'deferred',
        action_id: 987_654,
        problem_class: 'BlockingChain',
        strategy: 'terminate_blocking_root',
        reason: 'a superuser session is involved',
      });
      const first = await acts.postNotification(notice);
      const again = await acts.postNotification(notice);
      expect(first).toMatchObject({
        key: '987654:deferred',
        posted: [expect.stringMatching(/^webhook:127\.0\.0\.1:/)],
      });
      expect(again).toMatchObject({ posted: [], already: first.posted });
      expect(hooks2.at('/once')).toHaveLength(1);
      expect((hooks2.at('/once')[0]!.body as { ui_url: unknown }).ui_url).toBeNull();
    } finally {
      await hooks2.close();
    }
  });

  it('a target that answers slowly is posted once, even where the store ends sessions idle in transaction', async () => {
    const slow = await startWebhookReceiver(() => 200, 1_500);
    // As a busy production database is often set: sessions idle in a transaction for 300 ms are ended.
    const url = new URL(db.appUrl);
    url.searchParams.set('options', '-c idle_in_transaction_session_timeout=300');
    const pool = createPool(url.toString(), 2);
    try {
      const acts = postingTo(pool, slow.url('/slow'));
      const notice = noticeOf({
        event: 'approval',
        action_id: 987_655,
        problem_class: 'IndexFragmentation',
        strategy: 'compact_indexes',
        reason: 'compact_indexes requires approval',
      });
      const first = await acts.postNotification(notice);
      expect(first.posted).toHaveLength(1);
      expect(await acts.postNotification(notice)).toMatchObject({ posted: [], already: first.posted });
      expect(slow.at('/slow')).toHaveLength(1);
      expect((await deliveriesOf(db.pool, 987_655)).map((d) => [d.status, d.tries])).toEqual([['posted', 1]]);
    } finally {
      await pool.end();
      await slow.close();
    }
  });

  it("the store's session lost while a slow POST waits fails that try, and the worker goes on; the next try delivers", async () => {
    const slow = await startWebhookReceiver(() => 200, 1_500);
    const url = new URL(db.appUrl);
    url.searchParams.set('application_name', 'notify-lost-session');
    const pool = createPool(url.toString(), 2);
    try {
      const acts = postingTo(pool, slow.url('/slow'));
      const notice = noticeOf({
        event: 'deferred',
        action_id: 987_656,
        problem_class: 'BlockingChain',
        strategy: null,
        reason: 'a superuser session is involved',
      });
      const first = acts.postNotification(notice);
      // The try has claimed the delivery and waits for the target's answer, its session idle.
      await endIdleSession(db.pool, 'notify-lost-session', 'INSERT INTO ruvector.notifications');
      await expect(first).rejects.toThrow();
      const again = await acts.postNotification(notice);
      expect(again.posted).toHaveLength(1);
      expect((await deliveriesOf(db.pool, 987_656)).map((d) => d.status)).toEqual(['posted']);
    } finally {
      await pool.end();
      await slow.close();
    }
  });
});
