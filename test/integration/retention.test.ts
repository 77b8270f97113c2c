import { runCli } from '../../src/cli/main';
import { noRetentionRows, type RetentionCounts } from '../../src/domain/retention-counts';
import { findRollbackTarget, storeHealingConfig } from '../../src/postgres/outcome-store';
import { deleteExpiredHistory, type RetentionOptions } from '../../src/postgres/retention';
import { emptyHistory, HistoryFixture, historyRows, without, type HistoryRows } from '../support/history-fixtures';
import { createTestDatabase, type TestDatabase } from '../support/test-system';

/** What a fixture expects retention to delete, by id (snapshots by key). */
interface Gone {
  attempts: number[];
  outcomes: number[];
  keys: string[];
  updates: number[];
  resets: number[];
  notices: string[];
  commands: number[];
}

const nothingGone = (): Gone => ({
  attempts: [],
  outcomes: [],
  keys: [],
  updates: [],
  resets: [],
  notices: [],
  commands: [],
});

function merged(...gs: Gone[]): Gone {
  const out = nothingGone();
  for (const g of gs) for (const k of Object.keys(out) as (keyof Gone)[]) out[k].push(...(g[k] as never[]));
  return out;
}

/** The rows before, less exactly those the fixture expects to go: every other row byte for byte as it was. */
function after(before: HistoryRows, g: Gone): HistoryRows {
  return {
    healing_attempts: without(before.healing_attempts, g.attempts),
    healing_outcomes: without(before.healing_outcomes, g.outcomes),
    placement_snapshots: without(before.placement_snapshots, g.keys, 'snapshot_key'),
    weight_updates: without(before.weight_updates, g.updates),
    strategy_weight_history: without(before.strategy_weight_history, g.updates, 'update_id'),
    strategy_weights: before.strategy_weights,
    weight_resets: without(before.weight_resets, g.resets),
    notifications: without(before.notifications, g.notices, 'notice_key'),
    healing_commands: without(before.healing_commands, g.commands),
  };
}

function counted(before: HistoryRows, g: Gone): RetentionCounts {
  const rest = after(before, g);
  const n = (t: keyof HistoryRows) => before[t].length - rest[t].length;
  return {
    attempts: n('healing_attempts'),
    outcomes: n('healing_outcomes'),
    placement_snapshots: n('placement_snapshots'),
    weight_resets: n('weight_resets'),
    weight_history: n('strategy_weight_history'),
    weight_updates: n('weight_updates'),
    notifications: n('notifications'),
    commands: n('healing_commands'),
  };
}

const completed = (strategy: string, placement_key?: string) => ({
  status: 'Completed' as const,
  strategy,
  plan: placement_key === undefined ? {} : { placement_key },
  outcome: true,
});

/**
 * Attempts, outcomes and weight history on both sides of 30 days (the default retention): what goes is
 * returned; everything else must stay as it was.
 */
async function historyFixture(f: HistoryFixture): Promise<Gone> {
  const g = nothingGone();
  const orders = await f.collection('orders');
  for (const days of [40, 41, 42]) g.attempts.push(await f.attempt(orders, days));
  const irreversible = await f.attempt(orders, 40, completed('compact_indexes'));
  const failed = await f.attempt(orders, 39, {
    status: 'Failed',
    strategy: 'rebalance_partitions',
    compensation: { ran: true, compensated: true, errors: [] },
    outcome: true,
  });
  g.attempts.push(irreversible, failed, await f.attempt(orders, 35, { status: 'NoStrategy' }));
  g.outcomes.push(await f.outcomeOf(irreversible), await f.outcomeOf(failed));
  await f.feedback(await f.outcomeOf(irreversible), 35);
  // A person judged this old outcome two days ago: it stays, with its attempt (feedback names the action).
  await f.feedback(await f.outcomeOf(await f.attempt(orders, 45, completed('compact_indexes'))), 2);
  await f.attempt(orders, 20, completed('compact_indexes'));
  await f.attempt(orders, 29, { status: 'Aborted' });
  await f.attempt(orders, 1);
  // A quiet collection: its last attempt stays whatever its age (what `status` reports as its last healing).
  const archive = await f.collection('archive');
  g.attempts.push(await f.attempt(archive, 50));
  await f.attempt(archive, 45, completed('analyze_table'));
  // Outcomes written without an attempt (the outcome table is an interface other writers use too).
  g.outcomes.push(await f.outcome(orders, 60));
  await f.outcome(orders, 10);

  // Weight updates of 60…47 days ago, then of the last three days.
  const u: number[] = [];
  for (let days = 60; days >= 47; days--) u.push(await f.weightUpdate(days));
  for (const days of [3, 2, 1]) u.push(await f.weightUpdate(days));
  // The oldest still computed a current weight; u[3] made the latest reset of its pair.
  await f.currentWeight(u[0]!, 'strategy_1');
  g.resets.push(await f.reset(u[2]!, 50, 'strategy_1'));
  await f.reset(u[3]!, 48, 'strategy_1');
  await f.reset(u[15]!, 2, 'strategy_2');
  // u[7]… are the last ten: kept whatever their age. Due: u[1], u[2] (its reset goes too), u[4]…u[6].
  g.updates.push(u[1]!, u[2]!, u[4]!, u[5]!, u[6]!);

  // Notices and relayed SQL commands go with the cutoff once nothing waits on them.
  const waiting = await f.collection('waiting');
  // Its attempt still waits for a person: the notice's row is what keeps it from being posted twice.
  await f.notice(await f.attempt(waiting, 40, { status: 'running', strategy: 'compact_indexes' }), 40);
  g.notices.push(await f.notice(irreversible, 39), await f.notice(failed, 38, 'sending'));
  await f.notice(irreversible, 2);
  g.commands.push(await f.command(40));
  // Never relayed (no worker since): relayed when one is back, whatever its age.
  await f.command(40, false);
  await f.command(2);
  return g;
}

/**
 * Placement snapshots of changes that can still be undone, and of changes that no longer can, each on a
 * collection of its own (a snapshot's key is `<the attempt's workflow id>/<strategy>`, one per collection
 * and strategy).
 */
async function snapshotFixture(f: HistoryFixture): Promise<{ gone: Gone; standing: number; superseded: number }> {
  const g = nothingGone();
  const keyed = async (name: string, strategy = 'rebalance_partitions') => {
    const c = await f.collection(name);
    const key = f.placementKey(c, strategy);
    await f.snapshot(key);
    return { c, key };
  };
  // Still stands and can be rolled back, although older than the retention: kept, attempt and outcome too.
  const sa = await keyed('sa');
  const standing = await f.attempt(sa.c, 40, completed('rebalance_partitions', sa.key));
  await f.attempt(sa.c, 1);
  // Compensated when it ended.
  const sb = await keyed('sb', 'evict_cold_data');
  await f.attempt(sb.c, 2, {
    ...completed('evict_cold_data', sb.key),
    compensation: { ran: true, compensated: true, errors: [] },
  });
  // Rolled back.
  const sc = await keyed('sc', 'drain_hot_partition');
  await f.rollback(await f.attempt(sc.c, 3, completed('drain_hot_partition', sc.key)), sc.c, 2, 'drain_hot_partition');
  // Superseded: an irreversible change stands on top, and rollback undoes the last change first.
  const sd = await keyed('sd');
  await f.attempt(sd.c, 3, completed('rebalance_partitions', sd.key));
  const superseded = await f.attempt(sd.c, 2, completed('compact_indexes'));
  // A later change of the same strategy stands on it: the same key holds both, and the later one can be undone.
  const se = await keyed('se');
  await f.attempt(se.c, 3, completed('rebalance_partitions', se.key));
  await f.attempt(se.c, 2, completed('rebalance_partitions', se.key));
  // Failed, and compensated.
  const sf = await keyed('sf');
  await f.attempt(sf.c, 2, {
    status: 'Failed',
    strategy: 'rebalance_partitions',
    compensation: { ran: true, compensated: true, errors: [], snapshot: { placement_key: sf.key } },
    outcome: true,
  });
  // Running (or waiting for approval): its strategy may be saving placements under its key right now.
  const sg = await keyed('sg');
  await f.attempt(sg.c, 400, { status: 'running' });
  // Its undo failed: the snapshot is what a person restores from, kept as long as the attempt is.
  const undoFailed = {
    status: 'Failed' as const,
    strategy: 'rebalance_partitions',
    outcome: true,
    compensation: { ran: true, compensated: false, errors: ['undo rebalance_partitions: collection gone'] },
  };
  const sh = await keyed('sh');
  await f.attempt(sh.c, 2, {
    ...undoFailed,
    compensation: { ...undoFailed.compensation, snapshot: { placement_key: sh.key } },
  });
  // …and once that attempt is past the retention, both go.
  const si = await keyed('si');
  const oldUndo = await f.attempt(si.c, 40, {
    ...undoFailed,
    compensation: { ...undoFailed.compensation, snapshot: { placement_key: si.key } },
  });
  await f.attempt(si.c, 1);
  // A temporary strategy's hold restores its change by action id: an irreversible change on top does not hide it.
  const sj = await f.collection('sj');
  await f.attempt(sj, 40, completed('pause_maintenance'));
  const overHeld = await f.attempt(sj, 35, completed('analyze_table'));
  await f.attempt(sj, 1);
  // No attempt refers to it at all.
  const orphan = 'test/sk/rebalance_partitions';
  await f.snapshot(orphan);

  g.keys.push(sb.key, sc.key, sd.key, sf.key, si.key, orphan);
  g.attempts.push(oldUndo, overHeld);
  g.outcomes.push(await f.outcomeOf(oldUndo), await f.outcomeOf(overHeld));
  return { gone: g, standing, superseded };
}

describe('retention on the store', () => {
  let db: TestDatabase;
  let f: HistoryFixture;
  beforeAll(async () => {
    db = await createTestDatabase('retention');
  });
  afterAll(async () => db?.drop());
  beforeEach(async () => {
    await emptyHistory(db.pool);
    f = new HistoryFixture(db.pool);
  });

  // As the worker runs it: selfheal's own least-privilege role.
  const run = (opts: RetentionOptions = {}) => deleteExpiredHistory(db.appPool, opts);

  it('deletes attempts, outcomes and weight history past history_retention_days; every younger row stays as it was', async () => {
    const gone = await historyFixture(f);
    const before = await historyRows(db.pool);
    const r = await run();
    expect(r).toMatchObject({ dry_run: false, history_retention_days: 30, learning_window_days: 30, done: true });
    expect(r.deleted).toEqual({
      attempts: 7,
      outcomes: 3,
      placement_snapshots: 0,
      weight_resets: 1,
      weight_history: 10,
      weight_updates: 5,
      notifications: 2,
      commands: 1,
    });
    expect(Math.abs(Date.parse(r.cutoff) - (Date.now() - 30 * 86_400_000))).toBeLessThan(60_000);
    expect(await historyRows(db.pool)).toEqual(after(before, gone));
    // Idempotent: what went is not due any more.
    expect((await run()).deleted).toEqual(noRetentionRows());
  });

  it('keeps outcomes the weights learn from (the last 30 days), with their attempts, even at history_retention_days 1', async () => {
    await storeHealingConfig(db.pool, '*', { history_retention_days: 1 });
    const c = await f.collection('orders');
    const g = nothingGone();
    const old = await f.attempt(c, 31, completed('compact_indexes'));
    g.attempts.push(old);
    g.outcomes.push(await f.outcomeOf(old));
    await f.attempt(c, 5, completed('compact_indexes'));
    await f.attempt(c, 29.5, { status: 'Failed', strategy: 'compact_indexes', outcome: true });
    // Attempts without an outcome teach the weights nothing: past one day, they go.
    g.attempts.push(await f.attempt(c, 5), await f.attempt(c, 1.5, { status: 'DryRun' }));
    await f.attempt(c, 0.5);
    g.outcomes.push(await f.outcome(c, 31));
    await f.outcome(c, 20);
    await f.attempt(c, 0.1);
    // Twelve weight updates of the last 13 days: the last ten stay, the two oldest go.
    const u: number[] = [];
    for (let days = 13; days >= 2; days--) u.push(await f.weightUpdate(days));
    g.updates.push(u[0]!, u[1]!);
    const before = await historyRows(db.pool);
    const r = await run();
    expect(r).toMatchObject({ history_retention_days: 1, learning_window_days: 30, done: true });
    expect(r.deleted).toEqual(counted(before, g));
    expect(await historyRows(db.pool)).toEqual(after(before, g));
  });

  it('keeps outcomes as long as the last weight update learned from, when that window is longer', async () => {
    const c = await f.collection('orders');
    await f.outcome(c, 45);
    const gone = await f.outcome(c, 61);
    await f.weightUpdate(1, 2, 60);
    const before = await historyRows(db.pool);
    const r = await run();
    expect(r.learning_window_days).toBe(60);
    expect(await historyRows(db.pool)).toEqual(after(before, { ...nothingGone(), outcomes: [gone] }));
  });

  it('deletes placement snapshots once their change can no longer be rolled back, and only then', async () => {
    const { gone, standing, superseded } = await snapshotFixture(f);
    const before = await historyRows(db.pool);
    const r = await run();
    expect(r.deleted).toMatchObject({ placement_snapshots: 18, attempts: 2, outcomes: 2 });
    expect(await historyRows(db.pool)).toEqual(after(before, gone));
    const keys = [...new Set((await historyRows(db.pool)).placement_snapshots.map((s) => s.snapshot_key))].sort();
    expect(keys).toEqual([
      'healing-attempt/sa/rebalance_partitions',
      'healing-attempt/se/rebalance_partitions',
      'healing-attempt/sg/rebalance_partitions',
      'healing-attempt/sh/rebalance_partitions',
    ]);
    // The store's own rollback lookup agrees: sa's change is still the one to undo; on sd the irreversible
    // change on top is what rollback finds (and refuses).
    expect((await findRollbackTarget(db.appPool, 'sa'))?.attempt_id).toBe(standing);
    expect((await findRollbackTarget(db.appPool, 'sd'))?.attempt_id).toBe(superseded);
  });

  it('never deletes a running attempt or one waiting for approval (its row says running until decided), whatever its age', async () => {
    const c = await f.collection('busy');
    const g = nothingGone();
    await f.attempt(c, 400, { status: 'running' });
    await f.attempt(c, 100, { status: 'running', strategy: 'compact_indexes' });
    g.attempts.push(await f.attempt(c, 100));
    await f.attempt(c, 1);
    const before = await historyRows(db.pool);
    expect((await run()).deleted.attempts).toBe(1);
    expect(await historyRows(db.pool)).toEqual(after(before, g));
  });

  it('a dry run changes nothing and counts exactly what the run after it deletes', async () => {
    await historyFixture(f);
    await snapshotFixture(f);
    const before = await historyRows(db.pool);
    const dry = await run({ dryRun: true });
    expect(dry).toMatchObject({ dry_run: true, done: true });
    expect(await historyRows(db.pool)).toEqual(before);
    const real = await run();
    expect(dry.deleted).toEqual(real.deleted);
    expect(real.deleted).toEqual({
      attempts: 9,
      outcomes: 5,
      placement_snapshots: 18,
      weight_resets: 1,
      weight_history: 10,
      weight_updates: 5,
      notifications: 2,
      commands: 1,
    });
  });

  /** Both fixtures, plus a backlog: 29 old attempts with a rolled-back change and its rollback among them. */
  async function backlog(): Promise<Gone> {
    const g = merged(await historyFixture(f), (await snapshotFixture(f)).gone);
    const bulk = await f.collection('bulk');
    const key = f.placementKey(bulk, 'rebalance_partitions');
    await f.snapshot(key, 11);
    // The change falls last in the first read of 20 due ids (batch size 1), its rollback in the next: they must
    // still go together, for each refers to the other. The fixtures' due attempts come first (older ids).
    for (let i = g.attempts.length; i < 19; i++) g.attempts.push(await f.attempt(bulk, 60));
    const moved = await f.attempt(bulk, 59, completed('rebalance_partitions', key));
    for (let i = 0; i < 10; i++) g.attempts.push(await f.attempt(bulk, 58));
    g.attempts.push(moved, await f.rollback(moved, bulk, 57, 'rebalance_partitions'));
    g.outcomes.push(await f.outcomeOf(moved));
    for (let i = 0; i < 15; i++) g.outcomes.push(await f.outcome(bulk, 70));
    g.keys.push(key);
    await f.attempt(bulk, 1);
    return g;
  }

  it('deletes in bounded batches: at batch size 1 every statement deletes one row (a rollback pair two), and everything due goes', async () => {
    const gone = await backlog();
    const before = await historyRows(db.pool);
    const sizes: number[] = [];
    let last = 0;
    const r = await run({
      batchSize: 1,
      heartbeat: ({ deleted }) => {
        const total = Object.values(deleted).reduce((a, b) => a + b, 0);
        sizes.push(total - last);
        last = total;
      },
    });
    expect(r.done).toBe(true);
    expect(r.deleted).toEqual(counted(before, gone));
    expect(await historyRows(db.pool)).toEqual(after(before, gone));
    expect(Math.max(...sizes)).toBe(2);
    expect(sizes.filter((n) => n === 2)).toHaveLength(1);
    expect(sizes.length).toBeGreaterThanOrEqual(last - 1);
  });

  it('a budget spent after one batch hands back with done false; calling again finishes the same deletion', async () => {
    const gone = await backlog();
    const before = await historyRows(db.pool);
    let total = noRetentionRows();
    let calls = 0;
    for (let done = false; !done && calls < 1000; calls++) {
      const r = await run({ batchSize: 5, budgetMs: 0 });
      total = Object.fromEntries(
        Object.entries(total).map(([k, v]) => [k, v + r.deleted[k as keyof RetentionCounts]]),
      ) as unknown as RetentionCounts;
      done = r.done;
    }
    expect(calls).toBeGreaterThan(10);
    expect(total).toEqual(counted(before, gone));
    expect(await historyRows(db.pool)).toEqual(after(before, gone));
  });

  it('`selfheal retention --dry-run` says what is due and changes nothing; `selfheal retention` deletes it', async () => {
    const saved = { ...process.env };
    const cli = async (...argv: string[]) => {
      const out: string[] = [];
      const err: string[] = [];
      const code = await runCli(argv, { out: (l) => out.push(l), err: (l) => err.push(l) });
      return { code, out: out.join('\n'), err: err.join('\n') };
    };
    try {
      process.env.DATABASE_URL = db.appUrl;
      delete process.env.TEMPORAL_ADDRESS;
      const gone = await historyFixture(f);
      const before = await historyRows(db.pool);
      const dry = await cli('retention', '--dry-run', '--json');
      expect(dry).toMatchObject({ code: 0, err: '' });
      expect(JSON.parse(dry.out)).toMatchObject({ dry_run: true, done: true, deleted: counted(before, gone) });
      expect(await historyRows(db.pool)).toEqual(before);

      const real = await cli('retention');
      expect(real.code).toBe(0);
      expect(real.out).toMatch(
        /^history_retention_days 30: attempts and outcomes that ended before \S+Z; outcomes since \S+Z stay .*\n/,
      );
      expect(real.out.split('\n')[1]).toBe(
        'deleted: 7 attempts, 3 outcomes, 1 weight reset, 10 weight history rows, 5 weight updates, 2 notices, ' +
          '1 relayed SQL command',
      );
      expect(await historyRows(db.pool)).toEqual(after(before, gone));
      expect((await cli('retention', '--dry-run')).out.split('\n')[1]).toBe('would delete: nothing');

      expect((await cli('retention', 'now')).code).toBe(2);
      expect(await cli('retention', '--force')).toMatchObject({ code: 2, err: expect.stringMatching(/--force/) });
      // Database-wide: a collection's own value would be read by nothing.
      expect(await cli('configure', '{"history_retention_days": 7}', '--collection', 'orders')).toMatchObject({
        code: 2,
        err: expect.stringMatching(/history_retention_days applies to the whole database/),
      });
      expect(await cli('configure', '{"history_retention_days": 0}')).toMatchObject({
        code: 2,
        err: expect.stringMatching(/history_retention_days/),
      });
    } finally {
      process.env = saved;
    }
  });
});
