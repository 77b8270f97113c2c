import { parseHealingConfig } from '../../src/domain/healing-config';
import { drillBlockingChain } from '../../src/drills/blocking-chain';
import { drillIndexFragmentation } from '../../src/drills/index-fragmentation';
import { drillInvalidIndex } from '../../src/drills/invalid-index';
import { drillMaintenanceContention } from '../../src/drills/maintenance-contention';
import { drillMemoryPressure } from '../../src/drills/memory-pressure';
import { drillRunawayQuery } from '../../src/drills/runaway-query';
import { drillStaleStatistics } from '../../src/drills/stale-statistics';
import { drillWraparoundRisk } from '../../src/drills/wraparound-risk';
import { TEST_ROWS, testCollection } from '../support/collections';
import { runGuardianDrill } from '../support/drill-harness';
import { useCliSystem, useWorkerSystem } from '../support/test-harness';
import { drillSession, ensureDrillRole } from '../../src/drills/drill-role';
import { getCollection } from '../../src/postgres/collections';
import { startHealingAttempt } from '../../src/temporal/start-attempt';

/**
 * One drill per class, healed by the guardian on its own: the fault is injected for real, the
 * guardian notices it within one check interval, classifies it, heals it through the whole
 * workflow, verifies by measuring again and records the outcome (.data/drill-table.md).
 */
describe('drills: the guardian detects, classifies, heals and verifies each class', () => {
  const sys = useWorkerSystem('drills');

  it('selfheal runs as the role deploy/sql/selfheal-role.sql makes: no superuser, and the tables are not its own', async () => {
    const me = (
      await sys.db.appPool.query(
        `SELECT current_user AS name, r.rolsuper, r.rolcreaterole, r.rolreplication, pg_has_role(current_user,
           'pg_monitor', 'USAGE') AS monitor,
              pg_has_role(current_user, 'pg_signal_backend', 'USAGE') AS signal
         FROM pg_roles r WHERE r.rolname = current_user`,
      )
    ).rows[0];
    expect(me).toEqual({
      name: 'selfheal_app',
      rolsuper: false,
      rolcreaterole: true,
      rolreplication: false,
      monitor: true,
      signal: true,
    });
    const c = await testCollection(sys.db.pool);
    const owner = (
      await sys.db.pool.query(`SELECT relowner::regrole::text AS o FROM pg_class WHERE oid = to_regclass($1)`, [
        `public.${c}`,
      ])
    ).rows[0].o;
    expect(owner).toBe('app_owner');
  });

  it('BlockingChain: an idle-in-transaction root with two sessions queued behind it → terminate_blocking_root', async () => {
    await runGuardianDrill(
      sys,
      { class: 'BlockingChain', strategy: 'terminate_blocking_root' },
      { blocked_session_min_seconds: 1 },
      (c) => drillBlockingChain(sys.db.pool, sys.db.url, c),
      { detectableAfterMs: 1000 },
    );
  });

  it('RunawayQuery: an endless statement on the table → cancel_runaway_query', async () => {
    await runGuardianDrill(
      sys,
      { class: 'RunawayQuery', strategy: 'cancel_runaway_query' },
      { runaway_query_seconds: 2 },
      (c) => drillRunawayQuery(sys.db.pool, sys.db.url, c),
      { detectableAfterMs: 2000 },
    );
  });

  it('WraparoundRisk: transaction IDs consumed past the warning age → freeze_table', async () => {
    const config = { xid_age_warn: 100_000, xid_age_critical: 400_000 };
    // The burn packs hours of transactions into a second, the age rising all the while: a freeze
    // during it is outrun at once. The guardian starts watching once the table is old.
    await runGuardianDrill(
      sys,
      { class: 'WraparoundRisk', strategy: 'freeze_table' },
      config,
      (c) => drillWraparoundRisk(sys.db.pool, c, parseHealingConfig(config)),
      {
        watchAfterInject: true,
      },
    );
  });

  it('MemoryPressure: a role with work_mem = 1MB keeps running sorts that spill → tune_work_mem', async () => {
    const { attempt } = await runGuardianDrill(sys, { class: 'MemoryPressure', strategy: 'tune_work_mem' }, {}, (c) =>
      drillMemoryPressure(sys.db.pool, sys.db.url, c),
    );
    // The sorts that began under work_mem = 1MB had ended before the verification window opened.
    const { rows } = await sys.db.pool.query(
      `SELECT o.system_metrics->'result_metadata' AS m FROM ruvector.healing_outcomes o
        JOIN ruvector.healing_attempts a ON a.outcome_id = o.id WHERE a.id = $1`,
      [attempt.id],
    );
    expect(rows[0].m).toMatchObject({ old_statements_left: 0, waited_ms: expect.any(Number) });
    console.log(`tune_work_mem waited ${rows[0].m.waited_ms} ms for the statements begun under the old work_mem`);
  });

  it('StaleStatistics: autoanalyze off and 60 % of the rows changed → analyze_table', async () => {
    await runGuardianDrill(
      sys,
      { class: 'StaleStatistics', strategy: 'analyze_table' },
      { stale_statistics_min_age_seconds: 0 },
      (c) => drillStaleStatistics(sys.db.pool, c),
    );
  });
});

describe('drills: the original classes on a plain table', () => {
  const sys = useWorkerSystem('drills2');

  it('IndexFragmentation: 4 of 5 rows deleted in key order, then VACUUM → compact_indexes', async () => {
    await runGuardianDrill(sys, { class: 'IndexFragmentation', strategy: 'compact_indexes' }, {}, (c) =>
      drillIndexFragmentation(sys.db.pool, c, { refillTo: TEST_ROWS }).then((report) => ({
        problem_class: 'IndexFragmentation',
        collection: c.name,
        report: { ...report },
        held: null,
      })),
    );
  });

  it('InvalidIndex: a CREATE INDEX CONCURRENTLY cancelled by statement_timeout → rebuild_invalid_index', async () => {
    await runGuardianDrill(sys, { class: 'InvalidIndex', strategy: 'rebuild_invalid_index' }, {}, (c) =>
      drillInvalidIndex(sys.db.pool, sys.db.url, c).then((report) => ({
        problem_class: 'InvalidIndex',
        collection: c.name,
        report: { ...report },
        held: null,
      })),
    );
  });

  it('MaintenanceContention: autovacuum throttled to a crawl on a table with dead rows → pause_maintenance', async () => {
    // The vacuum counts as contention after 1 s; it is measured from when it has run that long.
    await runGuardianDrill(
      sys,
      { class: 'MaintenanceContention', strategy: 'pause_maintenance' },
      { maintenance_long_running_seconds: 1 },
      (c) => drillMaintenanceContention(sys.db.pool, c),
      { detectableAfterMs: 1000 },
    );
  });
});

describe('set_role_timeouts: the reversible lever for lock chains and runaway statements', () => {
  const sys = useCliSystem('timeouts');

  it("gives the root's role idle_in_transaction_session_timeout and lock_timeout for its new sessions, and rollback restores the role exactly", async () => {
    const name = await testCollection(sys.db.pool, {
      enabled: false,
      stabilization_wait: 0,
      check_interval: 3600,
      blocked_session_min_seconds: 0,
      idle_connection_seconds: 30,
    });
    const c = await getCollection(sys.db.pool, name);
    const run = await drillBlockingChain(sys.db.pool, sys.db.url, c);
    // A fresh password for the drill role: its running sessions keep theirs.
    const role = await ensureDrillRole(sys.db.pool, sys.db.url, c);
    const newSession = async () => {
      const s = await drillSession(role, 'timeouts test');
      try {
        const idle = (await s.query('SHOW idle_in_transaction_session_timeout')).rows[0]
          .idle_in_transaction_session_timeout;
        return `${idle} ${(await s.query('SHOW lock_timeout')).rows[0].lock_timeout}`;
      } finally {
        await s.end();
      }
    };
    try {
      const outcome = await (
        await startHealingAttempt(sys.w.client, {
          collection: name,
          taskQueue: sys.w.taskQueue,
          trigger: 'test',
          strategy: 'set_role_timeouts',
        })
      ).result();
      expect(outcome).toMatchObject({ kind: 'Completed', strategy: 'set_role_timeouts', verified: true });
      expect(await newSession()).toBe('30s 1s');
      const rb = await sys.cli('rollback', name, '--json');
      expect({ code: rb.code, err: rb.err }).toEqual({ code: 0, err: '' });
      expect(await newSession()).toBe('0 0');
    } finally {
      await run.held?.release();
    }
  });
});
