import { storeHealingConfig } from '../../src/postgres/outcome-store';
import { watchTable } from '../../src/postgres/watch-table';
import { databaseGuardianStatus, refreshGuardian } from '../../src/temporal/guardian-client';
import { guard } from '../support/guarding';
import { useWorkerSystem } from '../support/test-harness';
import { uniqueName, waitFor } from '../support/test-system';
import { testAudit } from '../support/test-audit';

/**
 * One guardian per database: one sensor pass a interval over every watched collection, in a fixed number of statements.
 */
describe('the database guardian', () => {
  const sys = useWorkerSystem('dbguard');

  async function tables(n: number): Promise<string[]> {
    const names: string[] = [];
    for (let i = 0; i < n; i++) {
      const t = uniqueName('t');
      await sys.db.pool.query(`CREATE TABLE public.${t} (id bigint PRIMARY KEY, v text)`);
      await sys.db.pool.query(`INSERT INTO public.${t} SELECT g, md5(g::text) FROM generate_series(1, 500) g`);
      await sys.db.pool.query(`ANALYZE public.${t}`);
      names.push((await watchTable(sys.db.pool, { table: `public.${t}`, name: t }, testAudit)).collection.name);
    }
    return names;
  }

  it('samples 4 and then 12 collections in one pass each, with the same number of statements', async () => {
    await storeHealingConfig(sys.db.pool, '*', { check_interval: 3600 });
    const first = await tables(4);
    await guard(sys);
    const a = (await databaseGuardianStatus(sys.w.client, sys.db.key))!;
    expect(a.collections.map((c) => c.collection).sort()).toEqual([...first].sort());
    expect(a.collections.every((c) => c.state === 'normal' && c.last_sample_at !== null)).toBe(true);
    expect(a.last_pass_cost!.sampled).toBe(4);

    await tables(8);
    // Everything is due again when the interval is short: one pass over all twelve.
    await storeHealingConfig(sys.db.pool, '*', { check_interval: 1 });
    await refreshGuardian(sys.w.client, sys.db.key);
    const b = await waitFor(
      'a pass over all twelve',
      async () => {
        const s = (await databaseGuardianStatus(sys.w.client, sys.db.key))!;
        return s.last_pass_cost!.sampled === 12 ? s : undefined;
      },
      20_000,
      200,
    );
    expect(b.collections).toHaveLength(12);
    expect(b.last_pass_cost!.round_trips).toBe(a.last_pass_cost!.round_trips);

    // One activity per pass, whatever the number of collections.
    const history = await sys.w.client.workflow.getHandle(`guardian/${sys.db.key}`).fetchHistory();
    const scheduled = (history.events ?? [])
      .filter((e) => e.activityTaskScheduledEventAttributes)
      .map((e) => e.activityTaskScheduledEventAttributes!.activityType!.name);
    expect(new Set(scheduled)).toEqual(new Set(['guardDatabase']));
    await storeHealingConfig(sys.db.pool, '*', { check_interval: 3600 });
    await refreshGuardian(sys.w.client, sys.db.key);
  });
});
