import { compactIndexes } from '../../activities/strategies/compact-indexes';
import { concurrently } from '../../activities/strategies/rebuild-invalid-index';
import { startHealingAttempt } from '../../src/temporal/start-attempt';
import { bloat, testCollection } from '../support/collections';
import { openWriter } from '../support/contention';
import { compactContext } from '../support/strategy-context';
import { useCliSystem } from '../support/test-harness';

describe('InvalidIndex: rebuild_invalid_index', () => {
  const sys = useCliSystem('invalid');
  const indexes = async (collection: string) =>
    (
      await sys.db.pool.query(
        `SELECT c.relname AS name, i.indisvalid AS valid, pg_get_indexdef(c.oid) AS def FROM pg_index i
          JOIN pg_class c ON c.oid = i.indexrelid
        WHERE i.indrelid = to_regclass($1) ORDER BY 1`,
        [`public.${collection}`],
      )
    ).rows;

  it('`selfheal drill InvalidIndex` leaves an INVALID index; an attempt classifies it, builds it again from its definition, and verifies', async () => {
    const collection = await testCollection(sys.db.pool, { stabilization_wait: 0, check_interval: 3600 });
    const drill = await sys.cli('drill', 'InvalidIndex', collection, '--json');
    expect({ code: drill.code, err: drill.err }).toEqual({ code: 0, err: '' });
    expect(JSON.parse(drill.out).report).toMatchObject({
      valid: false,
      error: expect.stringMatching(/statement timeout/),
    });
    const broken = await indexes(collection);
    const drilled = broken.find((r) => !r.valid)!;
    expect(drilled.name).toBe(`${collection}_drill_payload_idx`);

    const handle = await startHealingAttempt(sys.w.client, { collection, taskQueue: sys.w.taskQueue, trigger: 'test' });
    const outcome = await handle.result();
    expect(outcome).toMatchObject({ kind: 'Completed', strategy: 'rebuild_invalid_index', verified: true });
    if (outcome.kind !== 'Completed') throw new Error('unreachable');
    expect(outcome.problem).toMatchObject({ class: 'InvalidIndex', index_names: [`${collection}_drill_payload_idx`] });
    expect(outcome.final_lambda!).toBeGreaterThan(outcome.initial_lambda);
    // Same indexes as before, all valid, each with its own definition.
    expect(await indexes(collection)).toEqual(broken.map((r) => ({ ...r, valid: true })));
  });

  it('a _ccnew left by an interrupted REINDEX is only dropped: the original stays, nothing is built twice', async () => {
    const collection = await testCollection(sys.db.pool, { stabilization_wait: 0, check_interval: 3600 });
    await bloat(sys.db.pool, collection);
    const ctx = await compactContext(sys.db.pool, collection);
    const writer = await openWriter(sys.db.url, collection);
    try {
      expect((await compactIndexes.execute(ctx, await compactIndexes.plan(ctx))).success).toBe(false);
    } finally {
      await writer.release();
    }
    expect((await indexes(collection)).map((r) => [r.name, r.valid])).toEqual([
      [`${collection}_pkey`, true],
      [`${collection}_pkey_ccnew`, false],
    ]);

    const outcome = await (
      await startHealingAttempt(sys.w.client, { collection, taskQueue: sys.w.taskQueue, trigger: 'test' })
    ).result();
    expect(outcome).toMatchObject({ kind: 'Completed', strategy: 'rebuild_invalid_index', verified: true });
    expect((await indexes(collection)).map((r) => [r.name, r.valid])).toEqual([[`${collection}_pkey`, true]]);
  });

  it('a unique index over duplicate keys cannot be built: it is left as it was, INVALID, and the attempt says why', async () => {
    const collection = await testCollection(sys.db.pool, { stabilization_wait: 0, check_interval: 3600 });
    await sys.db.pool.query(`UPDATE public.${collection} SET payload = 'twice' WHERE id IN (1, 2)`);
    await expect(
      sys.db.pool.query(`CREATE UNIQUE INDEX CONCURRENTLY ${collection}_payload_uq ON public.${collection} (payload)`),
    ).rejects.toThrow(/could not create unique index/);
    const broken = await indexes(collection);
    expect(broken.find((r) => !r.valid)?.name).toBe(`${collection}_payload_uq`);

    const outcome = await (
      await startHealingAttempt(sys.w.client, { collection, taskQueue: sys.w.taskQueue, trigger: 'test' })
    ).result();
    expect(outcome).toMatchObject({ strategy: 'rebuild_invalid_index' });
    expect(JSON.stringify(outcome)).toMatch(
      /could not create unique index .*\(Key \(payload\)=\(twice\) is duplicated\); the index is left as it was/,
    );
    // The user's index, its definition and its name, exactly as before; the half-built copy is gone.
    expect(await indexes(collection)).toEqual(broken);
  });

  it('turns a definition into its CONCURRENTLY form', () => {
    expect(concurrently('CREATE UNIQUE INDEX a ON public.t USING btree (id)')).toBe(
      'CREATE UNIQUE INDEX CONCURRENTLY a ON public.t USING btree (id)',
    );
    expect(concurrently('CREATE INDEX "b c" ON s.t USING btree (x)')).toBe(
      'CREATE INDEX CONCURRENTLY "b c" ON s.t USING btree (x)',
    );
    expect(() => concurrently('DROP TABLE t')).toThrow(/not an index definition/);
  });
});
