import { auditSigner, readAudit, readAuditHead, UNSIGNED_AUDIT } from '../../src/postgres/audit-log';
import { finishAttempt, finishRollback, openAttempt, storeHealingConfig } from '../../src/postgres/outcome-store';
import { createPool } from '../../src/postgres/pool';
import { cliAgainst } from '../support/recovery-fixtures';
import { createTestDatabase, type TestDatabase } from '../support/test-system';

const KEY = 'audit-log-test-key-0123456789abcdef0123';
const SIGNER = auditSigner(KEY);

describe('the signed audit trail (ruvector.audit_log)', () => {
  let db: TestDatabase;
  let cli: ReturnType<typeof cliAgainst>;
  const savedKey = process.env.SELFHEAL_AUDIT_KEY;

  /** `selfheal audit verify --json`, with the key the trail is signed with (or the one given). */
  async function verify(...extra: string[]) {
    const r = await cli('audit', 'verify', '--json', ...extra);
    const report = JSON.parse(r.out) as {
      ok: boolean;
      rows: number;
      head: { seq: number; hmac: string };
      problems: { seq: number; kind: string; message: string }[];
    };
    return { code: r.code, report, first: report.problems[0] ?? null };
  }

  /** As the superuser with triggers off (what it takes to get past the append-only trigger), then verify. */
  async function tamper(sql: string) {
    const c = await db.pool.connect();
    try {
      await c.query('BEGIN');
      await c.query('SET LOCAL session_replication_role = replica');
      await c.query(sql);
      await c.query('COMMIT');
    } finally {
      c.release();
    }
    return verify();
  }

  /** The trail as it is, kept aside, so each kind of tampering starts from an intact chain. */
  const snapshot = () =>
    db.pool.query(`DROP TABLE IF EXISTS public.audit_copy, public.head_copy;
      CREATE TABLE public.audit_copy AS SELECT * FROM ruvector.audit_log;
      CREATE TABLE public.head_copy AS SELECT * FROM ruvector.audit_head`);
  const restore = () =>
    tamper(`DELETE FROM ruvector.audit_log; INSERT INTO ruvector.audit_log SELECT * FROM public.audit_copy;
      DELETE FROM ruvector.audit_head; INSERT INTO ruvector.audit_head SELECT * FROM public.head_copy`);

  beforeAll(async () => {
    process.env.SELFHEAL_AUDIT_KEY = KEY;
    db = await createTestDatabase('audit');
    cli = cliAgainst(db.url);
    // Facts recorded where the store records them, as the worker's activities and the CLI do (as selfheal's role).
    const pool = db.appPool;
    await storeHealingConfig(pool, '*', { check_interval: 30 }, { signer: SIGNER, by: 'alice', change: { x: 1 } });
    const collectionId = (
      await pool.query<{ id: number }>(
        `INSERT INTO ruvector.collections (name, table_schema, table_name)
         VALUES ('demo', 'public', 'demo') RETURNING id`,
      )
    ).rows[0]!.id;
    const opened = { workflow_id: 'healing-attempt/demo', collection_id: collectionId, detected_at: null };
    const attempt = await openAttempt(pool, { ...opened, run_id: 'r1', trigger: 'guardian' }, SIGNER);
    // A retry of the same step opens nothing new, and writes no second row.
    expect(await openAttempt(pool, { ...opened, run_id: 'r1', trigger: 'guardian' }, SIGNER)).toBe(attempt);
    const finish = {
      attempt_id: attempt,
      status: 'Completed' as const,
      problem_class: 'MaintenanceContention',
      strategy_name: 'pause_maintenance',
      reason: 'healed',
      sandbox: null,
      compensation: null,
      approval: { decision: 'approved', by: 'bob', at: '2026-01-02T03:04:05.000Z', comment: 'ok' },
      plan: { snapshot: {} },
      selection: { why: 'the only strategy', rule: 'only' },
      outcome: {
        problem_class: 'MaintenanceContention',
        problem_details: { class: 'MaintenanceContention' },
        strategy_name: 'pause_maintenance',
        strategy_params: null,
        started_at: '2026-01-02T03:00:00.000Z',
        completed_at: '2026-01-02T03:05:00.000Z',
        duration_ms: 300_000,
        success: true,
        verified: true,
        actions_taken: 1,
        improvement_pct: 0.5,
        error_message: null,
        initial_lambda: 1.2,
        final_lambda: 1.8,
        witness_edges: [],
        system_metrics: { note: 'λ rose' },
      },
    };
    await finishAttempt(pool, finish, SIGNER);
    // A retry after a lost reply records nothing twice.
    await finishAttempt(pool, finish, SIGNER);
    const rollback = await openAttempt(pool, { ...opened, run_id: 'r2', trigger: 'rollback by carol' }, SIGNER);
    await finishRollback(
      pool,
      { attempt_id: rollback, target_attempt_id: attempt, strategy_name: 'pause_maintenance', reason: 'undone' },
      SIGNER,
    );
  });
  afterAll(async () => {
    if (savedKey === undefined) delete process.env.SELFHEAL_AUDIT_KEY;
    else process.env.SELFHEAL_AUDIT_KEY = savedKey;
    await db?.drop();
  });

  it('records each fact once, in the transaction that records it, with who and what allowed it', async () => {
    const rows = await readAudit(db.pool);
    expect(rows.map((r) => [r.seq, r.event, r.actor, r.allowed_by])).toEqual([
      [1, 'configured', 'alice', null],
      [2, 'started', 'guardian', null],
      [3, 'detected', 'guardian', null],
      [4, 'chosen', 'guardian', 'approved by bob'],
      [5, 'approved', 'bob', null],
      [6, 'executed', 'guardian', 'approved by bob'],
      [7, 'verified', 'guardian', null],
      [8, 'completed', 'guardian', 'approved by bob'],
      [9, 'started', 'carol', null],
      [10, 'rolled_back', 'carol', 'manual (rollback by carol)'],
    ]);
    expect(rows[3]).toMatchObject({ strategy: 'pause_maintenance', reversible: true, collection: 'demo' });
    expect(rows[6]!.details).toEqual({ initial_lambda: 1.2, final_lambda: 1.8, improvement_pct: 0.5 });
    expect(rows.every((r, i) => r.hmac !== null && r.prev_hmac === (i === 0 ? '' : rows[i - 1]!.hmac))).toBe(true);
    // A fact that is not recorded leaves no audit row (one transaction holds both).
    await expect(
      openAttempt(
        db.appPool,
        { workflow_id: 'w', run_id: 'r', collection_id: 999_999, trigger: 'guardian', detected_at: null },
        SIGNER,
      ),
    ).rejects.toThrow(/foreign key/);
    expect((await readAuditHead(db.pool))!.seq).toBe(10);
    const listed = await cli('audit', '--action', String(rows[1]!.action_id), '--json');
    expect(JSON.parse(listed.out).map((r: { event: string }) => r.event)).toEqual([
      'started',
      'detected',
      'chosen',
      'approved',
      'executed',
      'verified',
      'completed',
    ]);
  });

  it('is append-only: UPDATE, DELETE and TRUNCATE are refused, even to the role that owns it', async () => {
    for (const sql of [
      `UPDATE ruvector.audit_log SET actor = 'mallory' WHERE seq = 1`,
      'DELETE FROM ruvector.audit_log WHERE seq = 1',
      'TRUNCATE ruvector.audit_log',
    ])
      await expect(db.appPool.query(sql)).rejects.toThrow(/ruvector\.audit_log is append-only/);
    expect((await readAudit(db.pool)).length).toBe(10);
  });

  it('verify: an intact trail passes and prints its head; edited, swapped, deleted and cut rows are each named', async () => {
    const intact = await verify();
    expect(intact).toMatchObject({ code: 0, report: { ok: true, rows: 10 }, first: null });
    const text = await cli('audit', 'verify');
    expect(text.out).toContain('audit trail intact: 10 rows');
    expect(text.out).toContain(`head: 10:${intact.report.head.hmac}`);
    await snapshot();

    const edited = await tamper(`UPDATE ruvector.audit_log SET actor = 'mallory' WHERE seq = 5`);
    expect(edited).toMatchObject({ code: 1, first: { seq: 5, kind: 'edited' } });
    expect((await cli('audit', 'verify')).out).toMatch(/^audit trail BROKEN at row 5: row 5 was edited/);
    expect(await restore()).toMatchObject({ code: 0 });

    const details = await tamper(
      `UPDATE ruvector.audit_log SET details = jsonb_set(details, '{final_lambda}', '2.5') WHERE seq = 7`,
    );
    expect(details).toMatchObject({ code: 1, first: { seq: 7, kind: 'edited' } });
    await restore();

    const swapped = await tamper(`UPDATE ruvector.audit_log SET seq = -4 WHERE seq = 4;
      UPDATE ruvector.audit_log SET seq = 4 WHERE seq = 5; UPDATE ruvector.audit_log SET seq = 5 WHERE seq = -4`);
    expect(swapped).toMatchObject({ code: 1, first: { seq: 4, kind: 'reordered' } });
    await restore();

    const middle = await tamper('DELETE FROM ruvector.audit_log WHERE seq = 6');
    expect(middle).toMatchObject({ code: 1, first: { seq: 6, kind: 'deleted', message: 'row 6 is missing: deleted' } });
    await restore();

    const last = await tamper('DELETE FROM ruvector.audit_log WHERE seq = 10');
    expect(last).toMatchObject({ code: 1, first: { seq: 10, kind: 'truncated' } });
    // …and the head set back to match: it is signed, and no longer matches its signature.
    const cover = await tamper(`DELETE FROM ruvector.audit_log WHERE seq = 10;
      UPDATE ruvector.audit_head SET seq = 9, hmac = (SELECT hmac FROM ruvector.audit_log WHERE seq = 9)`);
    expect(cover).toMatchObject({ code: 1, first: { seq: 9, kind: 'head' } });
    await restore();

    const noHead = await tamper('DELETE FROM ruvector.audit_head');
    expect(noHead).toMatchObject({ code: 1, first: { kind: 'head' } });
    await restore();

    const forged =
      await tamper(`INSERT INTO ruvector.audit_log (seq, at, actor, event, details, key_id, prev_hmac, hmac)
      SELECT 11, now(), 'mallory', 'approved', '{}', key_id, hmac, repeat('ab', 32)
        FROM ruvector.audit_log WHERE seq = 10`);
    expect(forged).toMatchObject({ code: 1, first: { seq: 11, kind: 'edited' } });
    await restore();
    expect(await verify()).toMatchObject({ code: 0, report: { ok: true } });
  });

  it('a trail cut back to an older state, head and all, is caught only against a head kept elsewhere', async () => {
    const before = await verify();
    await db.pool.query('CREATE TABLE public.old_head AS SELECT * FROM ruvector.audit_head');
    await storeHealingConfig(db.appPool, '*', { check_interval: 40 }, { signer: SIGNER, by: 'alice' });
    const later = await verify();
    expect(later).toMatchObject({ code: 0, report: { rows: before.report.rows + 1 } });
    const anchor = `${later.report.head.seq}:${later.report.head.hmac}`;
    // The new row deleted and the head saved before it put back: the database alone cannot tell.
    const cut = await tamper(`DELETE FROM ruvector.audit_log WHERE seq = ${later.report.head.seq};
      DELETE FROM ruvector.audit_head; INSERT INTO ruvector.audit_head SELECT * FROM public.old_head`);
    expect(cut).toMatchObject({ code: 0 });
    const anchored = await verify('--head', anchor);
    expect(anchored).toMatchObject({ code: 1, first: { seq: later.report.head.seq, kind: 'truncated' } });
    expect((await cli('audit', 'verify', '--head', 'nonsense')).code).toBe(2);
  });

  it('concurrent appends from two pools never fork the chain', async () => {
    const other = createPool(db.appUrl, 5);
    try {
      const before = (await readAuditHead(db.pool))!.seq;
      await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          storeHealingConfig(
            i % 2 ? other : db.appPool,
            `c${i}`,
            { ineffective_after: (i % 5) + 1 },
            {
              signer: SIGNER,
              by: `writer-${i}`,
            },
          ),
        ),
      );
      const rows = await readAudit(db.pool);
      expect(rows.length).toBe(before + 20);
      expect(rows.map((r) => r.seq)).toEqual(rows.map((_, i) => i + 1));
      expect(await verify()).toMatchObject({ code: 0, report: { ok: true, rows: before + 20 } });
    } finally {
      await other.end();
    }
  });

  it('verify needs the key; another key is named as such; a row written without a key is reported unsigned', async () => {
    process.env.SELFHEAL_AUDIT_KEY = '';
    const noKey = await cli('audit', 'verify');
    expect(noKey).toMatchObject({ code: 2, err: expect.stringContaining('needs the key the trail is signed with') });
    process.env.SELFHEAL_AUDIT_KEY = 'a-different-key-altogether-0123456789';
    expect(await verify()).toMatchObject({ code: 1, first: { seq: 1, kind: 'other_key' } });
    process.env.SELFHEAL_AUDIT_KEY = KEY;

    const seq = (await readAuditHead(db.pool))!.seq + 1;
    await storeHealingConfig(db.appPool, '*', { check_interval: 50 }, { signer: UNSIGNED_AUDIT, by: 'nokey' });
    const unsigned = await verify();
    expect(unsigned).toMatchObject({ code: 1, first: { seq, kind: 'unsigned' } });
    expect((await cli('audit', '--since', '1h')).out).toContain(`#${seq} `);
    expect((await cli('audit', '--since', '1h')).out).toMatch(/configured by nokey.*\[UNSIGNED\]/);
  });
});
