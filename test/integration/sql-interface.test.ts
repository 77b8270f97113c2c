import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { Client as PgClient } from 'pg';
import { ensureDemoCollection } from '../../src/demo/demo-collection';
import { auditSigner, readAudit } from '../../src/postgres/audit-log';
import { storeHealingConfig } from '../../src/postgres/outcome-store';
import { knownConfigKeyRows, knownStrategyRows } from '../../src/postgres/sql-catalog';
import { beginRelay, loadCommand, type HealingCommand } from '../../src/postgres/sql-commands';
import { triggerHealing } from '../../src/temporal/guardian-client';
import { startRollback } from '../../src/temporal/start-rollback';
import { createCommandRelay, RELAY_MEMO_KEY, relayUpdateId, type CommandRelay } from '../../src/worker/command-relay';
import { attemptStatusQuery } from '../../workflows/attempt-messages';
import type { healingAttempt } from '../../workflows/healing-attempt';
import { bloat, indexDensity, TEST_ROWS } from '../support/collections';
import { withRole } from '../support/least-privilege';
import { psql, psqlJson } from '../support/psql';
import { index, insertAttempt } from '../support/recovery-fixtures';
import { useCliSystem } from '../support/test-harness';
import { testStack, uniqueName, waitFor } from '../support/test-system';
import { testAudit } from '../support/test-audit';

const KEY = 'sql-interface-test-audit-key-0123456789';
const SIGNER = auditSigner(KEY);
const OPERATORS_SCRIPT = resolve(__dirname, '..', '..', 'deploy', 'sql', 'selfheal-operators.sql');
const PASSWORD = 'sql-interface-test';

describe('the SQL interface (psql as granted roles)', () => {
  // The worker (its activities) and the CLI sign the audit trail with it.
  const savedKey = process.env.SELFHEAL_AUDIT_KEY;
  process.env.SELFHEAL_AUDIT_KEY = KEY;
  // Declared first, so it runs first: relays stop and roles go while the database is still there.
  afterAll(async () => {
    for (const r of relays) await r.stop();
    if (savedKey === undefined) delete process.env.SELFHEAL_AUDIT_KEY;
    else process.env.SELFHEAL_AUDIT_KEY = savedKey;
    // Roles are the server's, not the database's: take back what they were given, then drop them.
    const admin = new PgClient({ connectionString: sys.db.url });
    await admin.connect();
    try {
      for (const r of Object.values(role)) await admin.query(`DROP OWNED BY ${r}`).catch(() => undefined);
    } finally {
      await admin.end();
    }
    const server = new PgClient({ connectionString: testStack().databaseUrl });
    await server.connect();
    try {
      for (const r of [role.op, role.view, role.nobody, role.operator, role.viewer])
        await server.query(`DROP ROLE IF EXISTS ${r}`).catch(() => undefined);
    } finally {
      await server.end();
    }
  });

  const sys = useCliSystem('sqlif');
  const role = {
    viewer: uniqueName('viewers'),
    operator: uniqueName('operators'),
    op: uniqueName('op'),
    view: uniqueName('view'),
    nobody: uniqueName('nobody'),
  };
  const as = (r: string) => withRole(sys.db.url, r, PASSWORD);
  const relays: CommandRelay[] = [];
  const startRelay = (o: Partial<Parameters<typeof createCommandRelay>[0]> = {}) => {
    const r = createCommandRelay({
      databaseUrl: sys.db.appUrl,
      pool: sys.db.appPool,
      taskQueue: sys.w.taskQueue,
      audit: SIGNER,
      temporal: sys.w.client,
      log: () => undefined,
      ...o,
    });
    relays.push(r);
    return r;
  };
  /** Calls one function as a role; its answer (a command id) or its error. */
  const call = (r: string, sql: string) => psql(as(r), ['-c', `SELECT ${sql}`]);
  const queued = async () =>
    Number((await sys.db.pool.query('SELECT count(*)::int AS n FROM ruvector.healing_commands')).rows[0].n);
  const relayed = (id: number) =>
    waitFor(`command ${id} relayed`, async () => {
      const c = await loadCommand(sys.db.pool, id);
      return c?.relayed_at ? c : undefined;
    });

  beforeAll(async () => {
    // As an operator would: the example grants, run twice (it must be safe to run again).
    for (let i = 0; i < 2; i++) {
      const r = await psql(sys.db.url, [
        '-v',
        `viewer=${role.viewer}`,
        '-v',
        `operator=${role.operator}`,
        '-f',
        OPERATORS_SCRIPT,
      ]);
      expect({ run: i, code: r.code, stderr: r.stderr }).toEqual({ run: i, code: 0, stderr: '' });
    }
    for (const r of [role.op, role.view, role.nobody])
      await sys.db.pool.query(`CREATE ROLE ${r} LOGIN PASSWORD '${PASSWORD}'`);
    await sys.db.pool.query(`GRANT ${role.operator} TO ${role.op}`);
    await sys.db.pool.query(`GRANT ${role.viewer} TO ${role.view}`);
  });
  /** A real table watched as a collection, its configuration stored (and signed) as `configure` stores it. */
  async function collection(config: Record<string, unknown> = {}, rows = 1000): Promise<string> {
    const name = uniqueName('c');
    await ensureDemoCollection(sys.db.pool, testAudit, name, 'public', name, rows);
    await storeHealingConfig(sys.db.pool, name, { check_interval: 3600, ...config }, { signer: SIGNER, by: 'test' });
    return name;
  }

  it('status, history and effectiveness read the store and give the figures the CLI gives', async () => {
    const now = Date.now();
    const c = uniqueName('figures');
    // Healed 2 min ago (detected 10 min before it started); one not verified; a deferral; one still running.
    const healed = await insertAttempt(sys.db.pool, {
      collection: c,
      started_at: new Date(now - 180_000),
      problem: index(`${c}_pkey`),
      strategy: 'compact_indexes',
      detected_before_s: 600,
      outcome: { success: true, verified: true, completes_after_s: 60 },
      selection: { why: 'the only strategy for IndexFragmentation', rule: 'only', estimates: [] },
    });
    await insertAttempt(sys.db.pool, {
      collection: c,
      started_at: new Date(now - 3 * 3_600_000),
      problem: index(`${c}_pkey`),
      strategy: 'compact_indexes',
      detected_before_s: null,
      outcome: { success: true, verified: false, completes_after_s: 30 },
    });
    await insertAttempt(sys.db.pool, {
      collection: c,
      status: 'Deferred',
      started_at: new Date(now - 2 * 3_600_000),
      problem: index(`${c}_pkey`),
    });
    const running = await insertAttempt(sys.db.pool, { collection: c, status: 'running', started_at: new Date() });
    // A stored weight, and one of a strategy this version no longer has.
    const update = (
      await sys.db.pool.query<{ id: number }>(
        `INSERT INTO ruvector.weight_updates (computed_at, trigger, window_days, learning_enabled, outcomes_used)
         VALUES (now() - interval '1 hour', 'schedule', 30, true, 2) RETURNING id`,
      )
    ).rows[0]!.id;
    await sys.db.pool.query(
      `INSERT INTO ruvector.strategy_weights (problem_class, strategy_name, weight, success_rate, avg_improvement,
         outcomes, feedback_count, update_id, computed_at)
       VALUES ('IndexFragmentation', 'compact_indexes', 0.8, 0.5, 0.6, 2, 1, $1, now() - interval '1 hour'),
              ('IndexFragmentation', 'retired_strategy', 0.2, 0.1, 0.0, 1, 0, $1, now() - interval '1 hour')`,
      [update],
    );

    type Status = {
      collection: string;
      table_name: string;
      enabled: boolean;
      last_healing: string | null;
      total_healings_24h: number;
      success_rate: number | null;
      active_remediations: { action_id: number }[];
      cooldown_until: string | null;
      attempts_in_window: number;
    };
    const sqlStatus = await psqlJson<Status[]>(as(role.view), 'SELECT * FROM ruvector.ruvector_healing_status()');
    const cliStatus = JSON.parse((await sys.cli('status', '--json')).out) as (Omit<Status, 'table_name'> & {
      table: string;
    })[];
    const mine = sqlStatus.find((s) => s.collection === c)!;
    const theirs = cliStatus.find((s) => s.collection === c)!;
    expect(mine).toBeDefined();
    expect({
      table: mine.table_name,
      enabled: mine.enabled,
      last_healing: mine.last_healing && new Date(mine.last_healing).toISOString(),
      total_healings_24h: mine.total_healings_24h,
      success_rate: mine.success_rate,
    }).toEqual({
      table: theirs.table,
      enabled: theirs.enabled,
      last_healing: theirs.last_healing,
      total_healings_24h: theirs.total_healings_24h,
      success_rate: theirs.success_rate,
    });
    expect(mine).toMatchObject({ total_healings_24h: 4, success_rate: 0.5, attempts_in_window: 2 });
    expect(mine.active_remediations.map((a) => a.action_id)).toEqual([running.attempt_id]);
    // The cooldown runs from the end of the last attempt that acted, for min_healing_interval (300 s by default).
    const { rows } = await sys.db.pool.query(
      `SELECT date_trunc('milliseconds', completed_at + interval '300 seconds') AS until
         FROM ruvector.healing_attempts WHERE id = $1`,
      [healed.attempt_id],
    );
    expect(new Date(mine.cooldown_until!).getTime()).toBe((rows[0].until as Date).getTime());
    // Every watched collection, the same ones the CLI lists.
    expect(sqlStatus.map((s) => s.collection)).toEqual(cliStatus.map((s) => s.collection));

    type History = { action_id: number; why: string | null; started_at: string; completed_at: string | null };
    const sqlHistory = await psqlJson<(History & Record<string, unknown>)[]>(
      as(role.view),
      `SELECT * FROM ruvector.ruvector_healing_history(since := now() - interval '30 days', limit_ := 100)`,
    );
    const cliHistory = JSON.parse((await sys.cli('history', '--since', '30d', '--limit', '100', '--json')).out);
    expect(sqlHistory.length).toBeGreaterThanOrEqual(4);
    expect(
      sqlHistory.map(({ action_id, why, started_at, completed_at, ...rest }) => ({
        ...rest,
        attempt_id: action_id,
        why,
        started_at: new Date(started_at).toISOString(),
        completed_at: completed_at && new Date(completed_at).toISOString(),
      })),
    ).toEqual(
      cliHistory.map((h: Record<string, unknown> & { selection: { why?: string } | null }) => ({
        attempt_id: h.attempt_id,
        collection: h.collection,
        trigger: h.trigger,
        status: h.status,
        problem_class: h.problem_class,
        strategy: h.strategy,
        success: h.success,
        verified: h.verified,
        improvement: h.improvement,
        initial_lambda: h.initial_lambda,
        final_lambda: h.final_lambda,
        reason: h.reason,
        error_message: h.error_message,
        why: h.selection?.why ?? null,
        workflow_id: h.workflow_id,
        run_id: h.run_id,
        started_at: h.started_at,
        completed_at: h.completed_at,
      })),
    );
    // The default is the last 24 hours, 20 rows; a bad limit is refused.
    const recent = await psqlJson<History[]>(as(role.view), 'SELECT * FROM ruvector.ruvector_healing_history()');
    expect(recent.map((h) => h.action_id)).toEqual(sqlHistory.slice(0, 20).map((h) => h.action_id));
    const badLimit = await call(role.view, 'ruvector.ruvector_healing_history(now(), 0)');
    expect({ failed: badLimit.code !== 0, stderr: badLimit.stderr }).toEqual({
      failed: true,
      stderr: expect.stringContaining('limit_ takes a whole number from 1 to 10000, not 0'),
    });

    type Effect = {
      strategy: string;
      known: boolean | null;
      outcomes: number;
      recoveries: number;
      success_rate: number | null;
      mean_recovery_seconds: number | null;
      measured_from_start: number;
      weights: unknown[] | null;
    };
    const sqlEffect = await psqlJson<Effect[]>(
      as(role.view),
      'SELECT * FROM ruvector.ruvector_healing_effectiveness()',
    );
    const cliEffect = JSON.parse((await sys.cli('effectiveness', '--json')).out);
    const overall = sqlEffect.find((e) => e.strategy === '*')!;
    expect(sqlEffect.filter((e) => e.strategy !== '*')).toEqual(
      cliEffect.strategies.map((s: Effect & { mean_recovery_seconds: number | null }) => ({
        strategy: s.strategy,
        known: s.known,
        outcomes: s.outcomes,
        recoveries: s.recoveries,
        success_rate: s.success_rate,
        mean_recovery_seconds: s.mean_recovery_seconds === null ? null : expect.closeTo(s.mean_recovery_seconds, 6),
        measured_from_start: s.measured_from_start,
        weights: s.weights,
      })),
    );
    expect(sqlEffect.find((e) => e.strategy === 'retired_strategy')).toMatchObject({ known: false });
    expect(overall).toMatchObject({
      outcomes: cliEffect.overall.outcomes,
      recoveries: cliEffect.overall.recoveries,
      success_rate: cliEffect.overall.success_rate,
      measured_from_start: cliEffect.overall.measured_from_start,
    });
    expect(overall.mean_recovery_seconds).toBeCloseTo(cliEffect.overall.mean_recovery_seconds, 6);
    // Healed: 10 min before the start to a minute after, 660 s.
    expect(sqlEffect.find((e) => e.strategy === 'compact_indexes')).toMatchObject({
      outcomes: 2,
      recoveries: 1,
      success_rate: 0.5,
      mean_recovery_seconds: 660,
    });
  });

  it('checks names against lists written from the registry and the configuration schema at every migrate', async () => {
    const strategies = await psqlJson<{ name: string; position: number; reversible: boolean; params: unknown }[]>(
      sys.db.url,
      'SELECT name, position, handles, reversible, params FROM ruvector.known_strategies ORDER BY position',
    );
    expect(strategies).toEqual(knownStrategyRows());
    const keys = await psqlJson<Record<string, unknown>[]>(sys.db.url, 'SELECT * FROM ruvector.known_config_keys');
    expect(keys.sort((a, b) => String(a.key).localeCompare(String(b.key)))).toEqual(
      knownConfigKeyRows().sort((a, b) => a.key.localeCompare(b.key)),
    );
  });

  it('a role without the grant is refused; a viewer reads but may not ask; nothing is queued', async () => {
    const c = await collection();
    const before = await queued();
    expect(await call(role.nobody, 'ruvector.ruvector_healing_status()')).toMatchObject({
      code: expect.any(Number),
      stderr: expect.stringContaining('permission denied for schema ruvector'),
    });
    expect((await call(role.nobody, `ruvector.ruvector_healing_trigger('${c}')`)).stderr).toContain(
      'permission denied for schema ruvector',
    );
    expect((await call(role.view, 'count(*) FROM ruvector.ruvector_healing_status()')).code).toBe(0);
    for (const fn of [
      `ruvector_healing_trigger('${c}')`,
      'ruvector_healing_approve(1)',
      'ruvector_healing_abort(1)',
      `ruvector_healing_configure('{"enabled": false}')`,
      `ruvector_healing_execute('${c}', 'compact_indexes')`,
      `ruvector_healing_rollback('${c}')`,
    ]) {
      const r = await call(role.view, `ruvector.${fn}`);
      expect({ fn, code: r.code === 0, stderr: r.stderr }).toEqual({
        fn,
        code: false,
        stderr: expect.stringContaining(`permission denied for function ${fn.slice(0, fn.indexOf('('))}`),
      });
    }
    // Granted, a caller still cannot reach the tables behind the functions.
    expect((await call(role.op, 'count(*) FROM ruvector.healing_commands')).stderr).toContain(
      'permission denied for table healing_commands',
    );
    expect(await queued()).toBe(before);
  });

  it('bad input is refused in SQL, saying what is wrong, and queues nothing', async () => {
    const c = await collection();
    const finished = await insertAttempt(sys.db.pool, { collection: c, status: 'Deferred', started_at: new Date() });
    const before = await queued();
    const refusals: [string, string][] = [
      [`ruvector_healing_trigger('no_such')`, 'no collection named "no_such"'],
      [`ruvector_healing_trigger(NULL)`, 'collection is required'],
      [
        `ruvector_healing_execute('${c}', 'compact_index')`,
        'no strategy "compact_index" (known: rebalance_partitions,',
      ],
      [
        `ruvector_healing_execute('${c}', 'scale_replicas', '{"replicas": 3}')`,
        'no parameter "replicas": scale_replicas takes target (',
      ],
      [`ruvector_healing_execute('${c}', 'compact_indexes', '{"x": 1}')`, 'compact_indexes takes no parameters'],
      [`ruvector_healing_execute('${c}', 'compact_indexes', '[1]')`, 'params is a JSON object, not array'],
      [`ruvector_healing_execute('${c}', 'compact_indexes', '{"dry_run": "yes"}')`, 'params.dry_run is true or false'],
      [`ruvector_healing_rollback('nope')`, 'no collection named "nope"'],
      [`ruvector_healing_approve(99999999)`, 'no action 99999999'],
      [`ruvector_healing_abort(${finished.attempt_id}, 'stop')`, `action ${finished.attempt_id} has already finished`],
      [`ruvector_healing_approve(1, repeat('x', 2001))`, 'comment is at most 2000 characters'],
      [`ruvector_healing_configure('[1, 2]')`, 'configuration is a JSON object, not array'],
      [`ruvector_healing_configure('{}')`, 'configuration is empty'],
      [`ruvector_healing_configure('{"min_healing_intervall": 5}')`, 'unknown setting "min_healing_intervall" (known:'],
      [`ruvector_healing_configure('{"enabled": "yes"}')`, 'enabled: expected boolean but got string'],
      [`ruvector_healing_configure('{"max_attempts_per_window": 2.5}')`, 'expected a whole number, not 2.5'],
      [`ruvector_healing_configure('{"max_auto_heal_impact": 2}')`, 'max_auto_heal_impact: 2 is too large (at most 1)'],
      [`ruvector_healing_configure('{"stress_ratio": 0}')`, 'stress_ratio: 0 is too small (above 0)'],
      [
        `ruvector_healing_configure('{"require_approval_strategies": ["compact_index"]}')`,
        'require_approval_strategies: no strategy "compact_index" (known:',
      ],
      [`ruvector_healing_configure('{"require_approval": ["Nope"]}')`, 'require_approval: no problem class "Nope"'],
      [
        `ruvector_healing_configure('{"history_retention_days": 7}', '${c}')`,
        'history_retention_days applies to the whole database',
      ],
      [`ruvector_healing_configure('{"enabled": false}', 'gone')`, 'no collection named "gone"'],
      // Not JSON at all: PostgreSQL's own words, before the function runs.
      [`ruvector_healing_configure('{"enabled": ')`, 'invalid input syntax for type json'],
    ];
    for (const [fn, message] of refusals) {
      const r = await call(role.op, `ruvector.${fn}`);
      expect({ fn, failed: r.code !== 0, stderr: r.stderr }).toEqual({
        fn,
        failed: true,
        stderr: expect.stringContaining(message),
      });
    }
    expect(await queued()).toBe(before);
  });

  it('a command queued while no worker relays is relayed when one starts: the attempt runs, asked by the calling role', async () => {
    const c = await collection();
    const queuedAt = await call(role.op, `ruvector.ruvector_healing_trigger('${c}')`);
    expect(queuedAt).toMatchObject({ code: 0, stderr: '' });
    const id = Number(queuedAt.stdout);
    const waiting = await loadCommand(sys.db.pool, id);
    expect(waiting).toMatchObject({
      kind: 'trigger',
      args: { collection: c },
      requested_by: role.op,
      relayed_at: null,
    });
    // Still queued as long as nobody relays: nothing reached Temporal.
    const attempts = await sys.db.pool.query(
      `SELECT count(*)::int AS n FROM ruvector.healing_attempts a
         JOIN ruvector.collections c ON c.id = a.collection_id WHERE c.name = $1`,
      [c],
    );
    expect(attempts.rows[0].n).toBe(0);

    startRelay();
    const done = await relayed(id);
    expect(done).toMatchObject({ error: null, relay_attempts: 1, result: { kind: 'Started' } });
    const answer = done.result as { workflow_id: string; run_id: string };
    const handle = sys.w.client.workflow.getHandle<typeof healingAttempt>(answer.workflow_id, answer.run_id);
    await handle.result();
    const attempt = (
      await sys.db.pool.query(
        `SELECT a.trigger, a.status FROM ruvector.healing_attempts a WHERE a.workflow_id = $1 AND a.run_id = $2`,
        [answer.workflow_id, answer.run_id],
      )
    ).rows[0];
    expect(attempt.trigger).toBe(`manual by ${role.op}`);
    expect((await handle.describe()).status.name).toBe('COMPLETED');
    // The caller sees the answer through the lookup function.
    const seen = await psqlJson<{ result: { kind: string }; requested_by: string }[]>(
      as(role.op),
      `SELECT * FROM ruvector.ruvector_healing_command(${id})`,
    );
    expect(seen[0]).toMatchObject({ requested_by: role.op, result: { kind: 'Started' } });
  });

  it('the production worker relays, from its start, what was queued before it ran', async () => {
    for (const r of relays.splice(0)) await r.stop();
    const c = await collection();
    const id = Number((await call(role.op, `ruvector.ruvector_healing_trigger('${c}')`)).stdout);
    const worker = spawn(
      process.execPath,
      ['--import', 'tsx', resolve(__dirname, '..', 'support', 'production-worker.ts'), testStack().workflowBundle],
      {
        cwd: resolve(__dirname, '..', '..'),
        stdio: ['ignore', 'pipe', 'inherit'],
        env: {
          ...process.env,
          TEMPORAL_ADDRESS: testStack().temporalAddress,
          DATABASE_URL: sys.db.appUrl,
          SELFHEAL_TASK_QUEUE: uniqueName('tq'),
          SELFHEAL_AUDIT_KEY: KEY,
          SELFHEAL_HTTP_PORT: '0',
          SELFHEAL_HTTP_HOST: '127.0.0.1',
        },
      },
    );
    const exited = new Promise<number | null>((r) => worker.once('exit', (code) => r(code)));
    try {
      const done = await relayed(id);
      expect(done).toMatchObject({ error: null, result: { kind: 'Started' } });
      const { rows } = await sys.db.pool.query('SELECT relayed_by FROM ruvector.healing_commands WHERE id = $1', [id]);
      expect(rows[0].relayed_by).toMatch(new RegExp(`:${worker.pid}$`));
      const answer = done.result as { workflow_id: string; run_id: string };
      await sys.w.client.workflow.getHandle<typeof healingAttempt>(answer.workflow_id, answer.run_id).result();
      const attempt = await sys.db.pool.query('SELECT trigger FROM ruvector.healing_attempts WHERE run_id = $1', [
        answer.run_id,
      ]);
      expect(attempt.rows[0].trigger).toBe(`manual by ${role.op}`);
    } finally {
      worker.kill('SIGTERM');
      expect(await exited).toBe(0);
    }
  });

  it('approve through SQL lets a waiting attempt proceed, with the calling role as approver, on the audit trail too', async () => {
    if (relays.length === 0) startRelay();
    const c = await collection({ require_approval_strategies: ['compact_indexes'], stabilization_wait: 3 }, TEST_ROWS);
    await bloat(sys.db.pool, c);
    const trigger = Number((await call(role.op, `ruvector.ruvector_healing_trigger('${c}')`)).stdout);
    const answer = (await relayed(trigger)).result as { kind: string; workflow_id: string; run_id: string };
    expect(['Started', 'Joined']).toContain(answer.kind);
    const handle = sys.w.client.workflow.getHandle<typeof healingAttempt>(answer.workflow_id, answer.run_id);
    const st = await waitFor('the approval phase', async () => {
      const s = await handle.query(attemptStatusQuery);
      return s.awaiting_approval ? s : undefined;
    });
    expect(await indexDensity(sys.db.pool, c)).toBeLessThan(40);

    const approve = await call(role.op, `ruvector.ruvector_healing_approve(${st.attempt_id}, 'off-peak, go')`);
    expect(approve).toMatchObject({ code: 0, stderr: '' });
    const decided = await relayed(Number(approve.stdout));
    expect(decided).toMatchObject({
      error: null,
      result: { decision: 'approved', by: role.op, comment: 'off-peak, go', action_id: st.attempt_id },
    });
    expect(await handle.result()).toMatchObject({ kind: 'Completed', strategy: 'compact_indexes', verified: true });
    const { rows } = await sys.db.pool.query('SELECT approval FROM ruvector.healing_attempts WHERE id = $1', [
      st.attempt_id,
    ]);
    expect(rows[0].approval).toMatchObject({ decision: 'approved', by: role.op, comment: 'off-peak, go' });

    // The attempt's facts, in order, with who allowed the strategy to act (what it found and chose is
    // recorded with its end, after the approval command).
    const trail = (await readAudit(sys.db.pool, { action_id: st.attempt_id! })).filter(
      (r) => r.event !== 'sql_command',
    );
    expect(trail.map((r) => r.event)).toEqual([
      'started',
      'detected',
      'chosen',
      'approved',
      'executed',
      'verified',
      'completed',
    ]);
    const of = (e: string) => trail.find((r) => r.event === e)!;
    expect(of('approved')).toMatchObject({ actor: role.op, details: { comment: 'off-peak, go' } });
    expect(of('chosen')).toMatchObject({
      strategy: 'compact_indexes',
      reversible: false,
      allowed_by: `approved by ${role.op}`,
      collection: c,
    });
    expect(of('executed')).toMatchObject({ allowed_by: `approved by ${role.op}`, details: { success: true } });
    expect(trail.every((r) => r.hmac !== null && r.key_id === SIGNER.keyId)).toBe(true);
    // Both commands are on the trail as asked, by whom.
    const commands = (await readAudit(sys.db.pool)).filter((r) => r.event === 'sql_command');
    expect(commands.filter((r) => [trigger, Number(approve.stdout)].includes(r.details.command_id as number))).toEqual([
      expect.objectContaining({ actor: role.op, details: expect.objectContaining({ kind: 'trigger' }) }),
      expect.objectContaining({
        actor: role.op,
        action_id: st.attempt_id,
        details: expect.objectContaining({ kind: 'approve' }),
      }),
    ]);
    const verify = await sys.cli('audit', 'verify', '--json');
    expect({ code: verify.code, problems: JSON.parse(verify.out).problems }).toEqual({ code: 0, problems: [] });
  });

  it('configure, execute and rollback are relayed as the CLI does them; what the worker refuses is written back', async () => {
    if (relays.length === 0) startRelay();
    const c = await collection();
    const configure = await call(
      role.op,
      `ruvector.ruvector_healing_configure('{"max_attempts_per_hour": 5}', '${c}')`,
    );
    const configured = await relayed(Number(configure.stdout));
    expect(configured).toMatchObject({
      error: null,
      result: { scope: c, change: { max_attempts_per_window: 5, attempt_window: 3600 } },
    });
    const stored = await sys.db.pool.query('SELECT config FROM ruvector.healing_config WHERE scope = $1', [c]);
    expect(stored.rows[0].config).toMatchObject({ check_interval: 3600, max_attempts_per_window: 5 });
    const audit = (await readAudit(sys.db.pool)).filter((r) => r.event === 'configured' && r.collection === c);
    expect(audit.at(-1)).toMatchObject({
      actor: role.op,
      details: { scope: c, change: { max_attempts_per_window: 5 } },
    });

    // Every key of the interface's own example is known (its defaults, for all collections).
    const example = await call(
      role.op,
      `ruvector.ruvector_healing_configure('{"enabled": true, "min_healing_interval_seconds": 300,
        "max_attempts_per_hour": 3, "max_auto_heal_impact": 0.5, "require_approval_strategies": ["scale_replicas"],
        "learning_enabled": true}'::jsonb)`,
    );
    expect(await relayed(Number(example.stdout))).toMatchObject({
      error: null,
      result: { scope: '*', change: { min_healing_interval: 300, max_attempts_per_window: 3, attempt_window: 3600 } },
    });

    // SQL knows the parameter's name; its value is the worker's to check, and its refusal is written back.
    const execute = await call(
      role.op,
      `ruvector.ruvector_healing_execute('${c}', 'scale_replicas', '{"target": "lots"}')`,
    );
    expect(execute.code).toBe(0);
    const refused = await relayed(Number(execute.stdout));
    expect(refused.result).toBeNull();
    expect(refused.error).toMatch(/target is a whole number from 1 to 1000/);

    // A dry run (the way callers of the SQL interface write it, inside params) classifies and sandboxes only.
    const dry = await call(
      role.op,
      `ruvector.ruvector_healing_execute('${c}', 'compact_indexes', '{"dry_run": true}')`,
    );
    const dryRun = await relayed(Number(dry.stdout));
    expect(dryRun).toMatchObject({ error: null, args: { dry_run: true, params: {} }, result: { kind: 'Started' } });
    const dryAnswer = dryRun.result as { workflow_id: string; run_id: string };
    const dryEnd = await sys.w.client.workflow
      .getHandle<typeof healingAttempt>(dryAnswer.workflow_id, dryAnswer.run_id)
      .result();
    // Healthy, the collection gives the dry run nothing to sandbox; either way nothing was executed.
    expect(['DryRun', 'Deferred', 'NoStrategy']).toContain(dryEnd.kind);
    const dryRow = await sys.db.pool.query(
      'SELECT trigger, status, outcome_id FROM ruvector.healing_attempts WHERE run_id = $1',
      [dryAnswer.run_id],
    );
    expect(dryRow.rows[0]).toMatchObject({ trigger: `execute by ${role.op}`, outcome_id: null });

    // Nothing to undo: the rollback starts, is refused by the workflow, and the refusal is written back.
    const rollback = await call(role.op, `ruvector.ruvector_healing_rollback('${c}')`);
    const back = await relayed(Number(rollback.stdout));
    expect(back.result).toMatchObject({ kind: 'Started' });
    const ended = await waitFor('the rollback outcome written back', async () => {
      const x = await loadCommand(sys.db.pool, Number(rollback.stdout));
      return (x?.result as { outcome?: unknown } | null)?.outcome ? x : undefined;
    });
    expect(ended.result).toMatchObject({ outcome: { kind: 'Refused' } });
    expect(ended.error).toMatch(/^rollback refused: collection .* has no completed attempt whose change still stands/);
    const rb = (
      await sys.db.pool.query('SELECT trigger FROM ruvector.healing_attempts WHERE trigger = $1', [
        `rollback by ${role.op}`,
      ])
    ).rows;
    expect(rb.length).toBeGreaterThanOrEqual(1);
  });

  it('a relay cut short after Temporal took the command: the next finds what was done and does not do it again', async () => {
    for (const r of relays.splice(0)) await r.stop();
    // A worker took each command to Temporal and died before it wrote the answer back.
    const c = await collection();
    const trigger = Number((await call(role.op, `ruvector.ruvector_healing_trigger('${c}')`)).stdout);
    await beginRelay(sys.db.pool, trigger, 'crashed');
    const first = await triggerHealing(
      sys.w.client,
      sys.db.key,
      c,
      sys.w.taskQueue,
      { by: `manual by ${role.op}` },
      { updateId: relayUpdateId(trigger) },
    );
    if (first.kind === 'Deferred') throw new Error(first.reason);
    const other = await collection();
    const rollback = Number((await call(role.op, `ruvector.ruvector_healing_rollback('${other}')`)).stdout);
    await beginRelay(sys.db.pool, rollback, 'crashed');
    const started = await startRollback(sys.w.client, {
      taskQueue: sys.w.taskQueue,
      collection: other,
      by: role.op,
      memo: { [RELAY_MEMO_KEY]: rollback },
    });
    await started.result();

    startRelay();
    expect(await relayed(trigger)).toMatchObject({
      error: null,
      relay_attempts: 2,
      result: { kind: 'Started', workflow_id: first.workflow_id, run_id: first.run_id },
    });
    // (Its error is the rollback's own refusal: nothing to undo.)
    expect(await relayed(rollback)).toMatchObject({
      relay_attempts: 2,
      result: { kind: 'Started', run_id: started.firstExecutionRunId },
    });
    const attempts = await sys.db.pool.query<{ name: string; n: number }>(
      `SELECT c.name, count(*)::int AS n FROM ruvector.healing_attempts a
         JOIN ruvector.collections c ON c.id = a.collection_id WHERE c.name = ANY($1::text[]) GROUP BY 1 ORDER BY 1`,
      [[c, other]],
    );
    expect(Object.fromEntries(attempts.rows.map((r) => [r.name, r.n]))).toEqual({ [c]: 1, [other]: 1 });
  });

  it('a command that cannot reach Temporal stays queued, and goes through once Temporal answers', async () => {
    for (const r of relays.splice(0)) await r.stop();
    const c = await collection();
    const id = Number((await call(role.op, `ruvector.ruvector_healing_trigger('${c}')`)).stdout);
    // Nothing listens on port 1: the relay cannot connect to Temporal.
    const cut = startRelay({ temporal: { connect: { address: '127.0.0.1:1' }, namespace: 'default' } });
    const tried = await waitFor('a relay that could not reach Temporal', async () => {
      const x = await loadCommand(sys.db.pool, id);
      return x && x.relay_attempts >= 1 && !x.relayed_at ? x : undefined;
    });
    expect(tried).toMatchObject({ result: null, error: null });
    await cut.stop();
    relays.splice(relays.indexOf(cut), 1);
    startRelay();
    const done = await relayed(id);
    expect(done).toMatchObject({ error: null, result: { kind: 'Started' } });
    expect(done.relay_attempts).toBeGreaterThan(tried.relay_attempts);
  });

  it('two relays at once never relay one command twice', async () => {
    for (const r of relays.splice(0)) await r.stop();
    const c = await collection();
    const ids: number[] = [];
    for (let i = 1; i <= 12; i++)
      ids.push(
        Number(
          (await call(role.op, `ruvector.ruvector_healing_configure('{"ineffective_after": ${i}}', '${c}')`)).stdout,
        ),
      );
    startRelay({ identity: 'relay-a' });
    startRelay({ identity: 'relay-b' });
    const done: HealingCommand[] = [];
    for (const id of ids) done.push(await relayed(id));
    expect(done.map((d) => [d.id, d.error, d.relay_attempts])).toEqual(ids.map((id) => [id, null, 1]));
    const { rows } = await sys.db.pool.query<{ relayed_by: string }>(
      'SELECT DISTINCT relayed_by FROM ruvector.healing_commands WHERE id = ANY($1::bigint[])',
      [ids],
    );
    expect(rows.every((r) => ['relay-a', 'relay-b'].includes(r.relayed_by))).toBe(true);
    const trail = await readAudit(sys.db.pool);
    for (const id of ids) {
      expect([id, trail.filter((r) => r.event === 'sql_command' && r.details.command_id === id).length]).toEqual([
        id,
        1,
      ]);
    }
    expect(trail.filter((r) => r.event === 'configured' && r.collection === c && r.actor === role.op)).toHaveLength(12);
  });

  it('the relay listens again after its connection is cut, and relays what was queued meanwhile', async () => {
    for (const r of relays.splice(0)) await r.stop();
    // The sweep is out of the way: only listening again can relay the command.
    startRelay({ reconnectMs: 5000, sweepMs: 600_000 });
    const listeners = async () =>
      (
        await sys.db.pool.query<{ pid: number }>(
          `SELECT pid FROM pg_stat_activity WHERE datname = $1 AND application_name = 'selfheal command relay'`,
          [sys.db.name],
        )
      ).rows.map((r) => r.pid);
    const [first] = await waitFor('the relay listening', async () => {
      const l = await listeners();
      return l.length === 1 ? l : undefined;
    });
    await sys.db.pool.query('SELECT pg_terminate_backend($1)', [first]);
    await waitFor('the cut connection gone', async () => (await listeners()).length === 0);
    const c = await collection();
    const id = Number(
      (await call(role.op, `ruvector.ruvector_healing_configure('{"ineffective_after": 7}', '${c}')`)).stdout,
    );
    expect((await loadCommand(sys.db.pool, id))?.relayed_at).toBeNull();
    expect(await relayed(id)).toMatchObject({ error: null, result: { scope: c } });
    const now = await listeners();
    expect(now).toHaveLength(1);
    expect(now[0]).not.toBe(first);
  });
});
