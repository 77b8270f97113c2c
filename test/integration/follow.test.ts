import { runCli } from '../../src/cli/main';
import { ensureDemoCollection } from '../../src/demo/demo-collection';
import { drillRoleName } from '../../src/drills/drill-role';
import { drillIndexFragmentation } from '../../src/drills/index-fragmentation';
import { getCollection } from '../../src/postgres/collections';
import { storeHealingConfig } from '../../src/postgres/outcome-store';
import { triggerHealing } from '../../src/temporal/guardian-client';
import { attemptStatusQuery } from '../../workflows/attempt-messages';
import type { healingAttempt } from '../../workflows/healing-attempt';
import { openWriter } from '../support/contention';
import { grantRoleLevers } from '../support/least-privilege';
import { useCliSystem } from '../support/test-harness';
import { uniqueName, waitFor } from '../support/test-system';
import { testAudit } from '../support/test-audit';

/** A btree of 600k entries: its REINDEX reads thousands of blocks, phase by phase. */
const ROWS = 600_000;

/** The phases pg_stat_progress_create_index names for CREATE INDEX and REINDEX. */
const REINDEX_PHASE =
  /progress: reindex \S+: (initializing|waiting for [a-z ]+|building index[a-z: ]*|index validation[a-z: ]*)(,|$)/;

describe('selfheal follow', () => {
  const sys = useCliSystem('follow');

  it('follows a real compact_indexes attempt: its phases, REINDEX progress with its phase, then its outcome', async () => {
    const name = uniqueName('big');
    await ensureDemoCollection(sys.db.pool, testAudit, name, 'public', name, ROWS);
    await storeHealingConfig(sys.db.pool, name, { stabilization_wait: 1, check_interval: 3600 });
    await grantRoleLevers(sys.db.pool, drillRoleName(name));
    const report = await drillIndexFragmentation(sys.db.pool, await getCollection(sys.db.pool, name), {
      refillTo: ROWS,
    });
    expect(report.indexes[0]!.density_after!).toBeLessThan(40);

    // A writer's open transaction: REINDEX CONCURRENTLY waits for it before it builds, so the
    // rebuild is surely under way (and its heartbeats seen) however fast this machine reindexes.
    const writer = await openWriter(sys.db.url, name);
    try {
      const answer = await triggerHealing(sys.w.client, sys.db.key, name, sys.w.taskQueue, { by: 'test' });
      if (answer.kind === 'Deferred') throw new Error(answer.reason);
      const handle = sys.w.client.workflow.getHandle<typeof healingAttempt>(answer.workflow_id, answer.run_id);
      const id = (
        await waitFor('the action id', async () => {
          const s = await handle.query(attemptStatusQuery);
          return s.attempt_id !== null ? s : undefined;
        })
      ).attempt_id!;

      const lines: string[] = [];
      const errors: string[] = [];
      const following = runCli(['follow', String(id)], { out: (l) => lines.push(l), err: (l) => errors.push(l) });
      await waitFor('a REINDEX progress line', async () => lines.some((l) => REINDEX_PHASE.test(l)), 120_000);
      await writer.release();
      expect(await following).toBe(0);
      expect(errors).toEqual([]);

      const progress = lines.filter((l) => l.startsWith('  progress: '));
      expect(progress.filter((l) => REINDEX_PHASE.test(l)).length).toBeGreaterThanOrEqual(1);
      expect(progress.every((l) => l.includes(`reindex public.${name}_pkey`) || !l.includes('reindex'))).toBe(true);
      const phases = lines.filter((l) => l.startsWith('  phase: ')).map((l) => l.slice('  phase: '.length));
      expect(phases).toEqual([
        'prepare',
        'sense',
        'classify',
        'gate',
        'select',
        'sandbox',
        'execute',
        'stabilize',
        'verify',
        'record',
        'done',
      ]);
      // Phases and progress in the order they happened; the outcome last.
      expect(lines.findIndex((l) => REINDEX_PHASE.test(l))).toBeGreaterThan(lines.indexOf('  phase: execute'));
      expect(lines.findIndex((l) => REINDEX_PHASE.test(l))).toBeLessThan(lines.indexOf('  phase: stabilize'));
      expect(lines[0]).toMatch(new RegExp(`^action ${id}: ${name}, healing-attempt/${name} run `));
      expect(lines.at(-1)).toMatch(/^healed: IndexFragmentation → compact_indexes; λ /);
    } finally {
      await writer.release();
    }
  });

  it('an ended attempt shows its phases and outcome at once; `selfheal trigger` follows the same way; bad ids are refused', async () => {
    const name = uniqueName('small');
    await ensureDemoCollection(sys.db.pool, testAudit, name, 'public', name, 1000);
    await storeHealingConfig(sys.db.pool, name, { check_interval: 3600 });
    const trigger = await sys.cli('trigger', name);
    expect(trigger.code).toBe(4);
    expect(trigger.out).toMatch(/^ {2}phase: prepare$/m);
    expect(trigger.out.split('\n').at(-1)).toMatch(/^deferred: integrity is normal/);

    const { rows } = await sys.db.pool.query<{ id: number }>(
      `SELECT a.id FROM ruvector.healing_attempts a JOIN ruvector.collections c ON c.id = a.collection_id
        WHERE c.name = $1`,
      [name],
    );
    const again = await sys.cli('follow', String(rows[0]!.id));
    expect(again.code).toBe(4);
    expect(again.out).toMatch(/^ {2}phase: done$/m);
    expect(again.out.split('\n').at(-1)).toMatch(/^deferred: integrity is normal/);

    expect(await sys.cli('follow', '99999999')).toMatchObject({ code: 3, err: expect.stringMatching(/no action/) });
    expect(await sys.cli('follow', 'seven')).toMatchObject({ code: 2, err: expect.stringMatching(/action id/) });
    expect(await sys.cli('follow')).toMatchObject({ code: 2, err: expect.stringMatching(/usage: selfheal follow/) });
  });

  it("a rollback's action shows how the rollback ended; a run Temporal no longer keeps shows what the store recorded", async () => {
    const name = uniqueName('small');
    await ensureDemoCollection(sys.db.pool, testAudit, name, 'public', name, 1000);
    await storeHealingConfig(sys.db.pool, name, { check_interval: 3600 });
    // Nothing was changed on it: the rollback is refused.
    expect(await sys.cli('rollback', name)).toMatchObject({ code: 5 });
    const ids = async (trigger: string) =>
      (
        await sys.db.pool.query<{ id: number }>(
          `SELECT a.id FROM ruvector.healing_attempts a JOIN ruvector.collections c ON c.id = a.collection_id
            WHERE c.name = $1 AND a.trigger LIKE $2 ORDER BY a.id`,
          [name, trigger],
        )
      ).rows.map((r) => Number(r.id));
    const [rollback] = await ids('rollback by %');
    const followed = await sys.cli('follow', String(rollback));
    expect(followed.code).toBe(5);
    expect(followed.out.split('\n').at(-1)).toMatch(/^rollback refused: /);

    // An attempt whose run is gone from Temporal (its namespace's retention), as the store keeps it.
    await sys.db.pool.query(
      `INSERT INTO ruvector.healing_attempts (workflow_id, run_id, collection_id, trigger, status, reason, completed_at)
       SELECT $1, gen_random_uuid()::text, c.id, 'forgotten', 'Deferred', 'sandbox test failed', now()
         FROM ruvector.collections c WHERE c.name = $2`,
      [`healing-attempt/${name}`, name],
    );
    const [old] = await ids('forgotten');
    const gone = await sys.cli('follow', String(old));
    expect(gone.code).toBe(4);
    expect(gone.out.split('\n').at(-1)).toMatch(
      /^Temporal no longer keeps this run .*; the store recorded: Deferred: sandbox test failed \(selfheal history/,
    );
  });
});
