import type { QueryResult, QueryResultRow } from 'pg';
import { DEFAULT_HEALING_CONFIG, type HealingConfig } from '../../src/domain/healing-config';
import { integrityStateLevel } from '../../src/domain/integrity-state';
import { gateConfigOf } from '../../src/guardian/gate-config';
import { AttemptCounters } from '../../src/metrics/attempt-counters';
import { leftToPerson } from '../../src/metrics/person-needed';
import type { CollectionReading } from '../../src/metrics/store-readings';
import {
  ATTEMPT_OVERHEAD_SECONDS,
  systemValues,
  workingSeconds,
  type SnapshotInput,
} from '../../src/metrics/system-snapshot';
import type { Queryable } from '../../src/postgres/queryable';
import type { AttemptStatus } from '../../workflows/attempt-messages';
import type { DatabaseGuardianStatus } from '../../workflows/database-guardian-messages';
import type { GuardianStatus } from '../../workflows/guardian-messages';

const NOW = Date.parse('2026-03-01T12:00:00Z');

function reading(
  name: string,
  over: Partial<CollectionReading> = {},
  config: Partial<HealingConfig> = {},
): CollectionReading {
  return {
    id: 1,
    name,
    config: { ...DEFAULT_HEALING_CONFIG, ...config },
    last_sample_at: NOW / 1000 - 5,
    ran: 0,
    healed: 0,
    avg_improvement: null,
    recovery_seconds: null,
    durations: new Map(),
    last_end: null,
    running: null,
    ...over,
  };
}

function guardian(name: string, over: Partial<GuardianStatus> = {}): GuardianStatus {
  return {
    collection: name,
    enabled: true,
    paused_by: null,
    state: 'normal',
    lambda: 2,
    baseline_lambda: 2,
    last_sample_at: new Date(NOW - 5000).toISOString(),
    last_error: null,
    active: null,
    last_healing: null,
    cooldown_until: null,
    backoff_until: null,
    attempts_in_window: 0,
    needs_person: null,
    config: gateConfigOf(DEFAULT_HEALING_CONFIG),
    ...over,
  };
}

function database(collections: GuardianStatus[]): DatabaseGuardianStatus {
  return {
    database: 'srv/app',
    last_pass_at: new Date(NOW - 5000).toISOString(),
    last_pass_error: null,
    last_pass_cost: { round_trips: 14, cost_ms: 45.5, sampled: collections.length, index_bytes_read: 0 },
    collections,
  };
}

function attemptStatus(over: Partial<AttemptStatus>): AttemptStatus {
  return {
    collection: 'demo',
    attempt_id: 7,
    phase: 'execute',
    problem: null,
    strategy: null,
    initial_lambda: 1.2,
    final_lambda: null,
    awaiting_approval: false,
    approval_deadline: null,
    approval_reason: null,
    approval: null,
    abort: null,
    phases: [],
    ...over,
  };
}

const input = (over: Partial<SnapshotInput>): SnapshotInput => ({
  now_ms: NOW,
  collections: [],
  counts: [],
  guardian: null,
  attempts: new Map(),
  ...over,
});

const value = (v: ReturnType<typeof systemValues>, key: keyof ReturnType<typeof systemValues>['samples']) =>
  (v.samples[key] ?? []).map((s) => [s.labels, s.value]);

describe('the store metrics, from what the store, the guardian and the attempts said', () => {
  it('maps the integrity states to 0 normal, 1 stress, 2 critical', () => {
    expect(['normal', 'stress', 'critical'].map((s) => integrityStateLevel(s as 'normal'))).toEqual([0, 1, 2]);
  });

  it('counters only for watched collections, and no success series for attempts without a strategy', () => {
    const v = systemValues(
      input({
        collections: [reading('demo')],
        counts: [
          { collection: 'demo', strategy: 'none', attempts: 2, successes: 0, duration_sum: 0, duration_count: 0 },
          {
            collection: 'demo',
            strategy: 'compact_indexes',
            attempts: 3,
            successes: 2,
            duration_sum: 12,
            duration_count: 3,
          },
          { collection: 'gone', strategy: 'none', attempts: 1, successes: 0, duration_sum: 0, duration_count: 0 },
        ],
      }),
    );
    expect(value(v, 'attempts')).toEqual([
      [{ collection: 'demo', strategy: 'none' }, 2],
      [{ collection: 'demo', strategy: 'compact_indexes' }, 3],
    ]);
    expect(value(v, 'successes')).toEqual([[{ collection: 'demo', strategy: 'compact_indexes' }, 2]]);
    // The counted pair has a summary even when the window holds no outcome (NaN quantiles, as an empty summary).
    expect(v.duration).toEqual([
      { labels: { collection: 'demo', strategy: 'compact_indexes' }, quantiles: [NaN, NaN, NaN], sum: 12, count: 3 },
    ]);
  });

  it("takes the duration quantiles from the store's window, with the counters' sum and count", () => {
    const v = systemValues(
      input({
        collections: [reading('demo', { durations: new Map([['analyze_table', [1, 2, 3]]]) })],
      }),
    );
    expect(v.duration).toEqual([
      { labels: { collection: 'demo', strategy: 'analyze_table' }, quantiles: [1, 2, 3], sum: 0, count: 0 },
    ]);
  });

  it('without the guardian: store figures only; disabled is known from the configuration, a pause is not', () => {
    const v = systemValues(
      input({
        collections: [
          reading('on', { ran: 4, healed: 1, avg_improvement: 0.25, recovery_seconds: 120 }),
          reading('off', {}, { enabled: false }),
        ],
      }),
    );
    expect(value(v, 'successRate')).toEqual([[{ collection: 'on' }, 0.25]]);
    expect(value(v, 'avgImprovement')).toEqual([[{ collection: 'on' }, 0.25]]);
    expect(value(v, 'timeToRecovery')).toEqual([[{ collection: 'on' }, 120]]);
    expect(value(v, 'enabled')).toEqual([[{ collection: 'off' }, 0]]);
    expect(value(v, 'active')).toEqual([
      [{ collection: 'on' }, 0],
      [{ collection: 'off' }, 0],
    ]);
    for (const k of ['state', 'lambda', 'baselineLambda', 'cooldown', 'waitingForPerson', 'sensorRound'] as const)
      expect([k, value(v, k)]).toEqual([k, []]);
    expect(value(v, 'guardianRunning')).toEqual([[{}, 0]]);
    expect(value(v, 'checkInterval')).toEqual([
      [{ collection: 'on' }, 60],
      [{ collection: 'off' }, 60],
    ]);
  });

  it('with the guardian: its state, λ, pause, cooldown and sensor cost; no rate without an attempt', () => {
    const v = systemValues(
      input({
        collections: [reading('demo'), reading('paused')],
        guardian: database([
          guardian('demo', { state: 'critical', lambda: 1.1, cooldown_until: new Date(NOW + 60_000).toISOString() }),
          guardian('paused', { enabled: false, paused_by: 'alice' }),
        ]),
      }),
    );
    expect(value(v, 'state')).toEqual([
      [{ collection: 'demo' }, 2],
      [{ collection: 'paused' }, 0],
    ]);
    expect(value(v, 'lambda')).toEqual([
      [{ collection: 'demo' }, 1.1],
      [{ collection: 'paused' }, 2],
    ]);
    expect(value(v, 'enabled')).toEqual([
      [{ collection: 'demo' }, 1],
      [{ collection: 'paused' }, 0],
    ]);
    expect(value(v, 'cooldown')).toEqual([
      [{ collection: 'demo' }, 1],
      [{ collection: 'paused' }, 0],
    ]);
    expect(value(v, 'successRate')).toEqual([]);
    expect(value(v, 'sensorRound')).toEqual([[{}, 0.0455]]);
    expect(value(v, 'sensorStatements')).toEqual([[{}, 14]]);
    expect(value(v, 'guardianRunning')).toEqual([[{}, 1]]);
  });

  it('waits for a person: an approval, the guardian stop, an ending left to a person while the fault stays', () => {
    const active = { workflow_id: 'healing-attempt/a', run_id: 'r', trigger: 'guardian' };
    const v = systemValues(
      input({
        collections: [
          reading('a', {
            running: { id: 7, workflow_id: 'healing-attempt/a', run_id: 'r', started_at: NOW / 1000 - 30 },
          }),
          reading('b'),
          reading('c', { last_end: { status: 'NoStrategy', reason: 'no strategy may act …: it needs a person' } }),
          reading('d', { last_end: { status: 'NoStrategy', reason: 'no strategy may act …: it needs a person' } }),
          reading('e', { last_end: { status: 'Deferred', reason: 'cooling down after the last attempt until …' } }),
        ],
        guardian: database([
          guardian('a', { state: 'stress', active }),
          guardian('b', { needs_person: 'healing ineffective: the last 3 attempts did not raise λ' }),
          guardian('c', { state: 'critical' }),
          // The same ending, but the collection is healthy again: nobody is needed.
          guardian('d', { state: 'normal' }),
          guardian('e', { state: 'critical' }),
        ]),
        attempts: new Map([['a', attemptStatus({ awaiting_approval: true, strategy: 'compact_indexes' })]]),
      }),
    );
    const waiting = (v.samples.waitingForPerson ?? []).filter((s) => s.value === 1).map((s) => s.labels);
    expect(waiting).toEqual([
      { collection: 'a', reason: 'approval' },
      { collection: 'b', reason: 'healing_stopped' },
      { collection: 'c', reason: 'deferred' },
    ]);
    // Every reason of every collection has a series, so a dashboard shows 0 rather than nothing.
    expect(v.samples.waitingForPerson).toHaveLength(15);
    expect(value(v, 'active').filter(([, x]) => x === 1)).toEqual([[{ collection: 'a' }, 1]]);
  });

  it("a running attempt's working time leaves out its approval wait; expected is estimate + stabilization + overhead", () => {
    const at = (s: number) => new Date(NOW - s * 1000).toISOString();
    const status = attemptStatus({
      strategy: 'compact_indexes',
      phases: [
        { phase: 'prepare', at: at(1000) },
        { phase: 'select', at: at(995) },
        { phase: 'approval', at: at(990) },
        { phase: 'sandbox', at: at(100) },
        { phase: 'execute', at: at(90) },
      ],
    });
    expect(workingSeconds(status, 0, NOW)).toBe(110);
    // Still waiting: none of the wait counts.
    expect(
      workingSeconds(
        attemptStatus({
          phases: [
            { phase: 'prepare', at: at(50) },
            { phase: 'approval', at: at(40) },
          ],
        }),
        0,
        NOW,
      ),
    ).toBe(10);
    const v = systemValues(
      input({
        collections: [
          reading(
            'demo',
            { running: { id: 7, workflow_id: 'w', run_id: 'r', started_at: NOW / 1000 - 1000 } },
            { stabilization_wait: 30 },
          ),
          reading('early', { running: { id: 8, workflow_id: 'w2', run_id: 'r2', started_at: NOW / 1000 - 20 } }),
        ],
        attempts: new Map([['demo', status]]),
      }),
    );
    expect(value(v, 'attemptRunning')).toEqual([
      [{ collection: 'demo', strategy: 'compact_indexes' }, 110],
      // No answer from the attempt: timed from its row, before any strategy.
      [{ collection: 'early', strategy: 'none' }, 20],
    ]);
    expect(value(v, 'attemptExpected')).toEqual([
      [{ collection: 'demo', strategy: 'compact_indexes' }, 120 + 30 + ATTEMPT_OVERHEAD_SECONDS],
      [{ collection: 'early', strategy: 'none' }, ATTEMPT_OVERHEAD_SECONDS],
    ]);
  });
});

describe('endings left to a person', () => {
  it.each([
    ['NoStrategy', 'no strategy may act on HotspotCongestion here (…): it needs a person', true],
    ['Deferred', 'Problem requires human review; weakest: index_link …', true],
    ['Deferred', 'approval timed out after 3600 s', true],
    ['Deferred', 'rejected by carol: not during peak', false],
    ['Deferred', 'healing is disabled by configuration', false],
    ['Deferred', 'integrity is normal (λ 2.000 of 2.000): nothing to heal; …', false],
    ['Deferred', 'sandbox test failed: lock_timeout: …', false],
    // What the notices say needs a person, the alert says too.
    [
      'Deferred',
      'sandbox test failed: roots_not_superuser: superuser sessions are never signalled: pid 7 (postgres, idle in ' +
        'transaction); a person must end them',
      true,
    ],
    ['Deferred', 'sandbox test failed: can_signal_backends: permission denied to signal', true],
    ['Completed', 'verified', false],
    ['Deferred', null, false],
  ])('%s "%s" → %s', (status, reason, expected) => {
    expect(leftToPerson(status, reason)).toBe(expected);
  });
});

/** A store that answers the counters' statement with the rows it holds now, and records what was asked. */
function fakeStore() {
  const rows: {
    id: number;
    status: string;
    strategy: string;
    healed?: boolean;
    ms?: number;
    settled?: boolean;
    rollback?: boolean;
  }[] = [];
  const asked: unknown[][] = [];
  const db: Queryable = {
    query<R extends QueryResultRow>(_text: string, values?: unknown[]): Promise<QueryResult<R>> {
      asked.push(values ?? []);
      const [above, running] = values as [number, number[]];
      const hit = rows
        .filter((r) => r.id > above || running.includes(r.id))
        .map((r) => ({
          id: r.id,
          status: r.status,
          collection: 'demo',
          strategy: r.strategy,
          healed: r.healed ?? false,
          duration_ms: r.ms ?? null,
          settled: r.settled ?? true,
          rollback: r.rollback ?? false,
        }));
      return Promise.resolve({ rows: hit as unknown as R[] } as QueryResult<R>);
    },
  };
  return { rows, asked, db };
}

describe('attempt counters that never fall', () => {
  it('count each ended attempt once, from when exporting began, by the ids above the settled one and those running', async () => {
    const store = fakeStore();
    store.rows.push(
      { id: 1, status: 'Completed', strategy: 'compact_indexes', healed: true, ms: 5000 },
      { id: 2, status: 'running', strategy: 'none' },
    );
    const c = new AttemptCounters();
    await c.refresh(store.db, ['demo']);
    // What ended before only names its pair; every watched collection has its "none" series.
    expect(c.snapshot()).toEqual([
      {
        collection: 'demo',
        strategy: 'compact_indexes',
        attempts: 0,
        successes: 0,
        duration_sum: 0,
        duration_count: 0,
      },
      { collection: 'demo', strategy: 'none', attempts: 0, successes: 0, duration_sum: 0, duration_count: 0 },
    ]);
    // The running one ends with a strategy; a new one ends deferred; a dry run and a rollback are not counted.
    store.rows[1] = { id: 2, status: 'Completed', strategy: 'compact_indexes', healed: false, ms: 8000 };
    store.rows.push(
      { id: 3, status: 'Deferred', strategy: 'none' },
      { id: 4, status: 'DryRun', strategy: 'compact_indexes' },
      { id: 5, status: 'RolledBack', strategy: 'compact_indexes' },
      { id: 6, status: 'NoStrategy', strategy: 'none', settled: false },
      // A refused rollback ends Deferred, without a strategy: still a rollback, not an attempt.
      { id: 7, status: 'Deferred', strategy: 'none', settled: false, rollback: true },
    );
    await c.refresh(store.db, ['demo']);
    // Id 2 settled the first read too, and is asked for again as running.
    expect(store.asked[1]).toEqual([2, [2], 60]);
    // Retention deletes the old rows: the counts stay.
    store.rows.splice(0, 3);
    await c.refresh(store.db, ['demo']);
    await c.refresh(store.db, ['demo']);
    expect(c.snapshot()).toEqual([
      {
        collection: 'demo',
        strategy: 'compact_indexes',
        attempts: 1,
        successes: 0,
        duration_sum: 8,
        duration_count: 1,
      },
      { collection: 'demo', strategy: 'none', attempts: 2, successes: 0, duration_sum: 0, duration_count: 0 },
    ]);
    // Only the rows above the last settled id (5) are read again; id 6, not yet settled, is not counted twice.
    expect(store.asked[3]).toEqual([5, [], 60]);
  });
});
