import { resumeWalReplay } from '../../activities/strategies/resume-wal-replay';
import { DEFAULT_HEALING_CONFIG } from '../../src/domain/healing-config';
import { drillReplicationLag } from '../../src/drills/replication-lag';
import type { StreamingPair } from '../../src/infra/pg15-streaming-pair';
import { getCollection } from '../../src/postgres/collections';
import { migrate } from '../../src/postgres/migrate';
import { createPool, type Pool } from '../../src/postgres/pool';
import { readStandbys } from '../../src/probes/standbys';
import { testCollection } from '../support/collections';
import { runGuardianDrill } from '../support/drill-harness';
import { startHeldStreamingPair } from '../support/streaming-pair';
import { leastPrivilegeDatabase, standbyAsSelfheal, type LeastPrivilege } from '../support/least-privilege';
import { startTestWorker, type TestWorker } from '../support/test-system';

/**
 * ReplicationLag on a real streaming replica: a PostgreSQL 15 primary and a standby made with
 * pg_basebackup (Debian's binaries), watched by a worker whose database is that primary.
 */
describe('drill: ReplicationLag on a PostgreSQL 15 primary with a streaming standby', () => {
  let pair: StreamingPair;
  let app: LeastPrivilege;
  const sys = {} as { db: { pool: Pool; url: string }; w: TestWorker };

  beforeAll(async () => {
    pair = await startHeldStreamingPair();
    const pool = createPool(pair.primaryUrl, 5);
    // selfheal as its least-privilege role on the primary; the role and its grants replicate to the standby.
    app = await leastPrivilegeDatabase(pair.primaryUrl, { poolSize: 5 });
    await migrate(app.pool);
    sys.db = { pool, url: pair.primaryUrl };
    sys.w = await startTestWorker(app.pool, { standbyUrls: [standbyAsSelfheal(pair.standbyUrl)] });
  });
  afterAll(async () => {
    await sys.w?.stop();
    await sys.db?.pool.end();
    await app?.pool.end();
    await pair?.stop();
  });

  it('replay paused on the standby while the primary writes → the guardian resumes it and sees it catch up', async () => {
    expect((await readStandbys(sys.db.pool)).map((r) => [r.application_name, r.slot_name, r.state])).toEqual([
      [pair.standbyName, pair.standbyName, 'streaming'],
    ]);
    let gap = 0;
    await runGuardianDrill(
      sys,
      { class: 'ReplicationLag', strategy: 'resume_wal_replay' },
      { replication_lag_warn_bytes: 4 * 1024 * 1024 },
      async (c) => {
        const run = await drillReplicationLag(sys.db.pool, pair.standbyUrl, c);
        gap = Number(run.report.replay_gap_bytes);
        return run;
        // The burst writes tens of MB in a second and the drill confirms the gap itself: the guardian
        // starts watching once it has.
      },
      { watchAfterInject: true },
    );
    expect(gap).toBeGreaterThan(4 * 1024 * 1024);
    const after = (await readStandbys(sys.db.pool))[0]!;
    expect(after.replay_gap_bytes).toBeLessThanOrEqual(4 * 1024 * 1024);
  });

  it('the sandbox refuses when no standby is given to the worker, or when replay is not paused', async () => {
    const c = await getCollection(sys.db.pool, await testCollection(sys.db.pool));
    const ctx = {
      db: sys.db.pool,
      collection: { ...c, table_oid: c.table_oid! },
      problem: {
        class: 'ReplicationLag' as const,
        replica_ids: [1],
        replica_names: [pair.standbyName],
        lag_seconds: 0,
        lag_bytes: 0,
      },
      state: 'stress' as const,
      config: DEFAULT_HEALING_CONFIG,
      heartbeat: () => undefined,
      signal: new AbortController().signal,
      budgetMs: 5000,
      attemptKey: 'test',
    };
    const none = await resumeWalReplay.sandbox({ ...ctx, standbyUrls: [] });
    expect(none.checks.find((x) => x.name === 'standbys_reachable')).toMatchObject({
      passed: false,
      detail: expect.stringMatching(/SELFHEAL_STANDBY_URLS/),
    });
    const running = await resumeWalReplay.sandbox({ ...ctx, standbyUrls: [pair.standbyUrl] });
    expect(running.checks.find((x) => x.name === 'replay_paused')).toMatchObject({
      passed: false,
      detail: expect.stringMatching(/another cause/),
    });
  });
});
