import { userInfo } from 'node:os';
import { auditSigner, readAudit } from '../../src/postgres/audit-log';
import { syncWatchedTables } from '../../src/postgres/sync-watched';
import { index, insertAttempt } from '../support/recovery-fixtures';
import { useCliSystem } from '../support/test-harness';
import { uniqueName } from '../support/test-system';

const KEY = 'audit-decisions-test-key-0123456789abcdef';

describe('the audit trail records every decision a person or the watcher makes', () => {
  // Before the harness starts its worker, which signs what its guardian records with this key; the
  // harness puts the environment back as it found it.
  beforeAll(() => {
    process.env.SELFHEAL_AUDIT_KEY = KEY;
  });
  const sys = useCliSystem('auditdec');
  const me = userInfo().username;

  it('watch, pause, resume, feedback, a rule added and removed, a rename, a drop and unwatch: each one signed row, the chain intact', async () => {
    const table = uniqueName('aud');
    const ruled = uniqueName('audrule');
    await sys.db.pool.query(
      `CREATE TABLE public.${table} (id int PRIMARY KEY); GRANT SELECT ON public.${table} TO PUBLIC`,
    );
    const from = (await readAudit(sys.db.pool)).length;
    const ok = async (...argv: string[]) => {
      const r = await sys.cli(...argv);
      expect({ argv, code: r.code, err: r.err }).toEqual({ argv, code: 0, err: '' });
      return r;
    };

    await ok('watch', `public.${table}`);
    await ok('pause', table, '--comment', 'migrating tonight');
    await ok('resume', table);
    // A refused request decided nothing: no row.
    expect((await sys.cli('pause', 'no_such_collection')).code).not.toBe(0);

    const { attempt_id } = await insertAttempt(sys.db.pool, {
      collection: table,
      started_at: new Date(Date.now() - 60_000),
      status: 'Completed',
      problem: index(`${table}_pkey`),
      strategy: 'compact_indexes',
      outcome: { success: true, verified: true, completes_after_s: 5 },
    });
    await ok('feedback', String(attempt_id), '--score', '0.5', '--comment', 'right call');

    await sys.db.pool.query(`CREATE TABLE public.${ruled} (id int); GRANT SELECT ON public.${ruled} TO PUBLIC`);
    const rule = JSON.parse((await ok('watch', '--database', '--include', `${ruled}*`, '--json')).out).rule as {
      id: number;
    };
    await sys.db.pool.query(`ALTER TABLE public.${table} RENAME TO ${table}_v2`);
    await sys.db.pool.query(`DROP TABLE public.${ruled}`);
    await syncWatchedTables(sys.db.appPool, auditSigner(KEY));
    await ok('unwatch', table, '--comment', 'moved elsewhere');
    await ok('unwatch', '--rule', String(rule.id));

    const rows = (await readAudit(sys.db.pool)).slice(from);
    const mine = rows.filter((r) => r.collection === table || r.collection === ruled);
    expect(mine.map((r) => [r.event, r.actor, r.collection])).toEqual([
      ['watched', me, table],
      ['paused', me, table],
      ['resumed', me, table],
      ['feedback', me, table],
      ['watched', 'selfheal', ruled],
      ['renamed', 'selfheal', table],
      ['unwatched', 'selfheal', ruled],
      ['unwatched', me, table],
    ]);
    const [watched, paused, , feedback, , renamed, dropped, unwatched] = mine;
    expect(watched!.details).toEqual({ detail: `public.${table} as table` });
    expect(paused!.details).toEqual({ reason: 'migrating tonight', enabled: false });
    expect(feedback).toMatchObject({
      action_id: attempt_id,
      strategy: 'compact_indexes',
      reversible: false,
      details: { score: 0.5, comment: 'right call', replaced: null },
    });
    expect(renamed!.details).toEqual({ detail: `public.${table} renamed to public.${table}_v2` });
    expect(dropped!.details).toEqual({ detail: `table public.${ruled} was dropped` });
    expect(unwatched!.details).toEqual({ detail: `unwatched by ${me}: moved elsewhere` });
    const rules = rows.filter((r) => r.event.startsWith('rule_'));
    expect(rules.map((r) => [r.event, r.actor, r.details])).toEqual([
      ['rule_added', me, { rule: { id: rule.id, include: [`${ruled}*`], exclude: [], min_size_bytes: 0 } }],
      ['rule_removed', me, { rule: { id: rule.id, include: [`${ruled}*`], exclude: [], min_size_bytes: 0 } }],
    ]);
    expect(rows.every((r) => r.hmac !== null)).toBe(true);

    const verify = await sys.cli('audit', 'verify', '--json');
    expect({ code: verify.code, problems: JSON.parse(verify.out).problems }).toEqual({ code: 0, problems: [] });
  });
});
