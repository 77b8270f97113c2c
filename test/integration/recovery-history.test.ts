import { PROBLEM_CLASS_NAMES } from '../../src/domain/problem-class';
import { STRATEGY_NAMES } from '../../src/domain/strategy-names';
import { ATTEMPT_STATUSES } from '../../src/postgres/history-filter';
import { blocked, cliAgainst, crowded, index, insertAttempt, type AttemptFixture } from '../support/recovery-fixtures';
import { createTestDatabase, type TestDatabase } from '../support/test-system';

/** 3 March 2025 was a Monday: the weeks of the fixtures start on it and on 10 March. */
const day = (d: number, hour: number) => new Date(Date.UTC(2025, 2, d, hour));
const SINCE = ['--since', '2025-03-01T00:00:00Z'];
const healed = (completes_after_s: number) => ({ success: true, verified: true, completes_after_s });

/**
 * Two weeks of a store's attempts. Time to recovery runs from detection to the verified outcome: an
 * attempt detected 10 min before it started and done 5 min after took 15 min.
 */
const FIXTURES: Record<string, AttemptFixture> = {
  // IndexFragmentation on demo_pkey, four times: a pattern; compact_indexes healed two of them.
  fragA: {
    collection: 'demo',
    started_at: day(3, 10),
    problem: index('demo_pkey'),
    strategy: 'compact_indexes',
    detected_before_s: 600,
    outcome: healed(300),
    selection: {
      why: 'compact_indexes: the only strategy for IndexFragmentation within the impact cap',
      rule: 'highest-weight',
      estimates: [{ strategy: 'compact_indexes', weight: 1 }],
    },
  },
  // No detection time (recorded before it was kept): timed from its start, 5 min.
  fragB: {
    collection: 'demo',
    started_at: day(3, 14),
    problem: index('demo_pkey'),
    strategy: 'compact_indexes',
    detected_before_s: null,
    outcome: healed(300),
  },
  fragUnverified: {
    collection: 'demo',
    started_at: day(4, 9),
    problem: index('demo_pkey'),
    strategy: 'compact_indexes',
    detected_before_s: 60,
    outcome: { success: true, verified: false, completes_after_s: 300 },
  },
  fragFailed: {
    collection: 'demo',
    status: 'Failed',
    started_at: day(11, 9),
    problem: index('demo_pkey'),
    strategy: 'compact_indexes',
    detected_before_s: 60,
    outcome: { success: false, verified: false, completes_after_s: 60 },
  },
  // The same class on another index, only twice: no pattern.
  otherA: {
    collection: 'other',
    started_at: day(5, 8),
    problem: index('other_pkey'),
    strategy: 'compact_indexes',
    detected_before_s: 60,
    outcome: healed(60),
  },
  otherB: {
    collection: 'other',
    started_at: day(12, 8),
    problem: index('other_pkey'),
    strategy: 'compact_indexes',
    detected_before_s: 30,
    outcome: healed(90),
  },
  // The server's connection slots, crowded by role web, seen from both collections: one part.
  connDemo: {
    collection: 'demo',
    started_at: day(6, 9),
    problem: crowded('web'),
    strategy: 'limit_role_connections',
    detected_before_s: 120,
    outcome: healed(180),
  },
  connOther: {
    collection: 'other',
    started_at: day(6, 15),
    problem: crowded('web'),
    strategy: 'limit_role_connections',
    detected_before_s: 240,
    outcome: healed(60),
  },
  // Aborted after its strategy succeeded and was verified: not healed, the attempt did not complete.
  connAborted: {
    collection: 'demo',
    status: 'Aborted',
    started_at: day(13, 9),
    problem: crowded('web'),
    strategy: 'limit_role_connections',
    detected_before_s: 60,
    outcome: healed(60),
  },
  deferred: { collection: 'demo', status: 'Deferred', started_at: day(4, 12), problem: index('demo_pkey') },
  noStrategy: {
    collection: 'demo',
    status: 'NoStrategy',
    started_at: day(12, 12),
    problem: { class: 'Unknown', witness_summary: 'no weak witness edges' },
  },
  running: { collection: 'demo', status: 'running', started_at: day(13, 12) },
  // Lock chains on demo's table: terminate_blocking_root healed both of its two, set_role_timeouts not its one.
  blockA: {
    collection: 'demo',
    started_at: day(14, 8),
    problem: blocked,
    strategy: 'terminate_blocking_root',
    detected_before_s: 60,
    outcome: healed(60),
  },
  blockB: {
    collection: 'demo',
    started_at: day(14, 9),
    problem: blocked,
    strategy: 'terminate_blocking_root',
    detected_before_s: 60,
    outcome: healed(60),
  },
  blockC: {
    collection: 'demo',
    started_at: day(14, 10),
    problem: blocked,
    strategy: 'set_role_timeouts',
    detected_before_s: 60,
    outcome: { success: false, verified: true, completes_after_s: 60 },
  },
  // Before the window.
  february: {
    collection: 'demo',
    started_at: new Date(Date.UTC(2025, 1, 1, 12)),
    problem: index('demo_pkey'),
    strategy: 'compact_indexes',
    detected_before_s: 60,
    outcome: healed(60),
  },
};

describe('recovery history: patterns, trends, stats and filters', () => {
  let db: TestDatabase;
  let cli: ReturnType<typeof cliAgainst>;
  const ids: Record<string, number> = {};
  const json = async (...argv: string[]) => {
    const r = await cli(...argv, '--json');
    expect({ code: r.code, err: r.err }).toEqual({ code: 0, err: '' });
    return JSON.parse(r.out);
  };

  beforeAll(async () => {
    db = await createTestDatabase('history');
    cli = cliAgainst(db.appUrl);
    for (const [name, f] of Object.entries(FIXTURES)) ids[name] = (await insertAttempt(db.pool, f)).attempt_id;
  });
  afterAll(async () => db?.drop());

  it('patterns: a class on one part seen at least 3 times, with its best strategy and that strategy’s rate', async () => {
    const { patterns, min_occurrences } = await json('history', '--patterns', ...SINCE);
    expect(min_occurrences).toBe(3);
    expect(
      patterns.map((p: Record<string, unknown>) => [
        p.problem_class,
        p.component,
        p.occurrences,
        p.best_strategy,
        p.success_rate,
      ]),
    ).toEqual([
      ['IndexFragmentation', 'index demo_pkey in demo', 4, 'compact_indexes', 0.5],
      ['BlockingChain', 'table in demo', 3, 'terminate_blocking_root', 1],
      ['ConnectionExhaustion', 'role web (server)', 3, 'limit_role_connections', 2 / 3],
    ]);
    // other_pkey was healed twice: not yet a pattern.
    expect(patterns.some((p: { component: string }) => p.component.includes('other_pkey'))).toBe(false);
    expect(patterns[1].strategies).toEqual([
      { strategy: 'terminate_blocking_root', occurrences: 2, healed: 2, success_rate: 1 },
      { strategy: 'set_role_timeouts', occurrences: 1, healed: 0, success_rate: 0 },
    ]);

    const text = await cli('history', '--patterns', ...SINCE);
    expect(text.out).toMatch(/^3 patterns since 2025-03-01T00:00:00\.000Z/);
    expect(text.out).toContain(
      'IndexFragmentation on index demo_pkey in demo: 4 occurrences, best compact_indexes 50 % (2 of 4 healed)',
    );
    expect(text.out).toContain(
      'BlockingChain on table in demo: 3 occurrences, best terminate_blocking_root 100 % (2 of 2 healed); ' +
        'also set_role_timeouts 0 % of 1',
    );
  });

  it('patterns take the filters: completed attempts only leave connection slots with 2, no pattern', async () => {
    const { patterns } = await json('history', '--patterns', ...SINCE, '--status', 'Completed');
    expect(patterns.map((p: { component: string; occurrences: number }) => [p.component, p.occurrences])).toEqual([
      ['table in demo', 3],
      ['index demo_pkey in demo', 3],
    ]);
    const limited = await json('history', '--patterns', ...SINCE, '--limit', '1');
    expect(limited.patterns).toHaveLength(1);
    expect((await cli('history', '--patterns', ...SINCE, '--collection', 'other')).out).toMatch(
      /^no patterns since 2025-03-01T00:00:00\.000Z \(collection other\): no class recurred on one part 3 times/,
    );
  });

  it('trends per day: attempts, success over those that ran a strategy, mean time from detection to recovery', async () => {
    const { by, periods } = await json('history', '--trends', ...SINCE);
    expect(by).toBe('day');
    expect(
      periods.map((p: Record<string, unknown>) => [
        p.period,
        p.attempts,
        p.ran,
        p.success_rate,
        p.mean_seconds,
        p.measured_from_start,
      ]),
    ).toEqual([
      // 15 min (detected 10 min before) and 5 min (no detection time: from its start).
      ['2025-03-03', 2, 2, 1, 600, 1],
      ['2025-03-04', 2, 1, 0, null, 0],
      ['2025-03-05', 1, 1, 1, 120, 0],
      ['2025-03-06', 2, 2, 1, 300, 0],
      ['2025-03-11', 1, 1, 0, null, 0],
      ['2025-03-12', 2, 1, 1, 120, 0],
      ['2025-03-13', 2, 1, 0, null, 0],
      ['2025-03-14', 3, 3, 2 / 3, 120, 0],
    ]);
    const text = (await cli('history', '--trends', ...SINCE)).out.split('\n');
    expect(text[1]).toBe('day         attempts  ran  success  mean time to recovery');
    expect(text[2]).toBe(
      "2025-03-03         2    2    100 %  10.0 min over 2 recoveries (1 of 2 timed from the attempt's start: " +
        'no detection time recorded)',
    );
    expect(text[3]).toBe('2025-03-04         2    1      0 %  no recovery');
  });

  it('trends per week start on Mondays; a limit keeps the newest periods', async () => {
    const { periods } = await json('history', '--trends', '--by', 'week', ...SINCE);
    expect(
      periods.map((p: Record<string, unknown>) => [p.period, p.attempts, p.ran, p.recoveries, p.mean_seconds]),
    ).toEqual([
      // (15 + 5 + 2 + 5 + 5) min over 5 recoveries.
      ['2025-03-03', 7, 6, 5, 384],
      ['2025-03-10', 8, 6, 3, 120],
    ]);
    const last = await json('history', '--trends', '--by', 'week', ...SINCE, '--limit', '1');
    expect(last.periods.map((p: { period: string }) => p.period)).toEqual(['2025-03-10']);
    const other = await json('history', '--trends', '--by', 'week', ...SINCE, '--collection', 'other');
    expect(other.periods.map((p: Record<string, unknown>) => [p.period, p.attempts, p.success_rate])).toEqual([
      ['2025-03-03', 2, 1],
      ['2025-03-10', 1, 1],
    ]);
  });

  it('stats: the most common fault, the most effective strategy (of those run 3 times), recovery time by class', async () => {
    const s = await json('history', '--stats', ...SINCE);
    expect(s).toMatchObject({
      attempts: 15,
      ran: 12,
      success_rate: 8 / 12,
      most_common_fault: { problem_class: 'IndexFragmentation', attempts: 7 },
      // terminate_blocking_root healed 2 of 2, but twice is too few to rank; compact_indexes and
      // limit_role_connections both healed 2 in 3, and compact_indexes was tried more.
      most_effective_strategy: { strategy: 'compact_indexes', occurrences: 6, recoveries: 4 },
    });
    expect(
      s.recovery_by_class.map((c: Record<string, unknown>) => [
        c.problem_class,
        c.recoveries,
        c.mean_seconds,
        c.measured_from_start,
      ]),
    ).toEqual([
      ['BlockingChain', 2, 120, 0],
      ['ConnectionExhaustion', 2, 300, 0],
      // 15 min, 5 min (from its start), 2 min, 2 min.
      ['IndexFragmentation', 4, 360, 1],
    ]);
    const text = await cli('history', '--stats', ...SINCE);
    expect(text.out.split('\n')).toEqual([
      'since 2025-03-01T00:00:00.000Z: 15 attempts, 12 ran a strategy, success rate 67 % (8 of 12 completed and ' +
        'verified)',
      'most common fault: IndexFragmentation (7 attempts)',
      'most effective strategy: compact_indexes 67 % (4 of 6)',
      'mean time to recovery (from detection to the verified outcome): 4.8 min over 8 recoveries (1 of 8 timed ' +
        "from the attempt's start: no detection time recorded)",
      '  BlockingChain: 2.0 min over 2 recoveries',
      '  ConnectionExhaustion: 5.0 min over 2 recoveries',
      "  IndexFragmentation: 6.0 min over 4 recoveries (1 of 4 timed from the attempt's start: no detection time " +
        'recorded)',
    ]);
    const classOnly = await json('history', '--stats', ...SINCE, '--class', 'BlockingChain');
    expect(classOnly).toMatchObject({ attempts: 3, ran: 3, most_effective_strategy: null });
  });

  it('the listing filters by class, strategy, status and collection, and shows why a strategy was chosen', async () => {
    const listed = async (...filters: string[]) =>
      ((await json('history', ...SINCE, ...filters)) as { attempt_id: number }[]).map((r) => r.attempt_id).sort();
    const of = (...names: string[]) => names.map((n) => ids[n]!).sort();
    expect(await listed('--class', 'ConnectionExhaustion')).toEqual(of('connDemo', 'connOther', 'connAborted'));
    expect(await listed('--strategy', 'compact_indexes', '--collection', 'other')).toEqual(of('otherA', 'otherB'));
    expect(await listed('--status', 'Deferred')).toEqual(of('deferred'));
    expect(await listed('--status', 'running')).toEqual(of('running'));
    expect(await listed('--class', 'IndexFragmentation', '--status', 'Completed', '--collection', 'demo')).toEqual(
      of('fragA', 'fragB', 'fragUnverified'),
    );
    expect(await listed('--class', 'SlotRetention')).toEqual([]);

    const rows = await json('history', ...SINCE, '--class', 'IndexFragmentation', '--collection', 'demo');
    const a = rows.find((r: { attempt_id: number }) => r.attempt_id === ids.fragA);
    expect(a.selection).toEqual(FIXTURES.fragA!.selection);
    expect(rows.find((r: { attempt_id: number }) => r.attempt_id === ids.fragB).selection).toBeNull();
    const lines = (await cli('history', ...SINCE, '--class', 'IndexFragmentation', '--collection', 'demo')).out.split(
      '\n',
    );
    const at = lines.findIndex((l) => l.startsWith(`#${ids.fragA} `));
    expect(lines[at]).toMatch(/demo IndexFragmentation → compact_indexes: success, verified/);
    expect(lines[at + 1]).toBe(
      '  chose: compact_indexes: the only strategy for IndexFragmentation within the impact cap',
    );
    expect(lines.filter((l) => l.startsWith('  chose: '))).toHaveLength(1);
  });

  it('refuses a bad class, strategy, status or view with the valid values named, and changes nothing', async () => {
    const count = async () =>
      (await db.pool.query('SELECT count(*)::int AS n FROM ruvector.healing_attempts')).rows[0].n;
    const before = await count();
    const refused = async (argv: string[], message: RegExp | string) => {
      const r = await cli('history', ...argv);
      expect({ argv, code: r.code, out: r.out }).toEqual({ argv, code: 2, out: '' });
      if (typeof message === 'string') expect(r.err).toContain(message);
      else expect(r.err).toMatch(message);
    };
    await refused(['--class', 'DiskFull'], `--class takes one of ${PROBLEM_CLASS_NAMES.join(', ')}; not "DiskFull"`);
    await refused(
      ['--patterns', '--strategy', 'compact_index'],
      `--strategy takes one of ${STRATEGY_NAMES.join(', ')}; not "compact_index"`,
    );
    await refused(['--stats', '--status', 'Done'], `--status takes one of ${ATTEMPT_STATUSES.join(', ')}; not "Done"`);
    await refused(['--status', 'completed'], /--status takes one of Completed, .*running; not "completed"/);
    await refused(['--trends', '--by', 'month'], '--by takes one of day, week; not "month"');
    await refused(['--by', 'week'], /--by goes with --trends/);
    await refused(['--patterns', '--stats'], /--patterns, --stats: one view at a time/);
    await refused(['--stats', '--limit', '5'], /--stats takes no --limit/);
    await refused(['--trends=yes'], /--trends takes no value/);
    await refused(['--patterns', '--since', 'last week'], /--since takes a span/);
    await refused(['--collection', 'bad name!'], /collection name/);
    expect(await count()).toBe(before);
  });
});

describe('recovery history: default windows', () => {
  let db: TestDatabase;
  let cli: ReturnType<typeof cliAgainst>;
  beforeAll(async () => {
    db = await createTestDatabase('historywin');
    cli = cliAgainst(db.appUrl);
    const ago = (days: number) => new Date(Date.now() - days * 86_400_000);
    for (const days of [2, 3, 4, 45])
      await insertAttempt(db.pool, {
        collection: 'demo',
        started_at: ago(days),
        problem: index('demo_pkey'),
        strategy: 'compact_indexes',
        detected_before_s: 60,
        outcome: healed(60),
      });
  });
  afterAll(async () => db?.drop());

  it('the listing looks back 24 h, the views 30 days, unless --since says otherwise', async () => {
    const run = async (...argv: string[]) => JSON.parse((await cli('history', ...argv, '--json')).out);
    expect(await run()).toEqual([]);
    expect(await run('--since', '5d')).toHaveLength(3);
    expect((await run('--stats')).attempts).toBe(3);
    expect((await run('--stats', '--since', '60d')).attempts).toBe(4);
    expect((await run('--patterns')).patterns).toEqual([
      expect.objectContaining({ component: 'index demo_pkey in demo', occurrences: 3 }),
    ]);
    expect((await run('--trends', '--by', 'week', '--since', '60d')).periods.length).toBeGreaterThanOrEqual(2);
  });
});
