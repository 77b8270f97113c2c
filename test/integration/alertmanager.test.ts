import { parseWorkerEnv } from '../../src/config/worker-env';
import { routeAlertmanager } from '../../src/worker/alertmanager-route';
import { createWorkerHttp, type WorkerHttp } from '../../src/worker/worker-http';
import type { TriggerAnswer } from '../../workflows/guardian-messages';
import { payload } from '../support/alertmanager';
import { testCollection } from '../support/collections';
import { useWorkerSystem } from '../support/test-harness';
import { testStack } from '../support/test-system';

const TOKEN = 'alertmanager-shared-secret-0123456789';

describe('POST /alertmanager on the worker', () => {
  const sys = useWorkerSystem('alerts');
  const servers: WorkerHttp[] = [];
  const routes: { close(): Promise<void> }[] = [];
  let on = '';
  let off = '';

  /** The worker's HTTP server with the route as run-worker registers it, on a free port. */
  async function serve(token: string | undefined): Promise<string> {
    const http = createWorkerHttp(() => undefined);
    const route = routeAlertmanager(http, {
      env: parseWorkerEnv({
        TEMPORAL_ADDRESS: testStack().temporalAddress,
        DATABASE_URL: sys.db.appUrl,
        SELFHEAL_TASK_QUEUE: sys.w.taskQueue,
        SELFHEAL_AUDIT_KEY: 'test-audit-key-of-at-least-32-characters',
        ...(token ? { SELFHEAL_ALERTMANAGER_TOKEN: token } : {}),
      }),
      pool: sys.db.appPool,
      log: () => undefined,
    });
    servers.push(http);
    routes.push(route);
    const { port } = await http.listen(0, '127.0.0.1');
    return `http://127.0.0.1:${port}/alertmanager`;
  }

  beforeAll(async () => {
    on = await serve(TOKEN);
    off = await serve(undefined);
  });
  afterAll(async () => {
    for (const s of servers) await s.close();
    for (const r of routes) await r.close();
  });

  const post = async (url: string, body: unknown, auth: string | null = `Bearer ${TOKEN}`) => {
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(auth ? { authorization: auth } : {}) },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as Record<string, unknown>, headers: res.headers };
  };
  const attemptsOf = async (collection: string) =>
    (
      await sys.db.pool.query<{ trigger: string; workflow_id: string; run_id: string }>(
        `SELECT a.trigger, a.workflow_id, a.run_id FROM ruvector.healing_attempts a
           JOIN ruvector.collections c ON c.id = a.collection_id WHERE c.name = $1 ORDER BY a.id`,
        [collection],
      )
    ).rows;

  it('a firing alert naming a watched collection starts a real attempt, recorded as `alertmanager: <alertname>`', async () => {
    const collection = await testCollection(sys.db.pool, { check_interval: 3600 });
    const r = await post(
      on,
      payload([
        { labels: { alertname: 'RuvectorIntegrityDegraded', collection, severity: 'warning' } },
        { labels: { alertname: 'SomethingElse' } },
      ]),
    );
    expect(r.status).toBe(200);
    const [t] = r.body.triggered as { collection: string; alertname: string; answer: TriggerAnswer }[];
    expect(t).toMatchObject({ collection, alertname: 'RuvectorIntegrityDegraded', answer: { kind: 'Started' } });
    expect(r.body.ignored).toEqual([{ alertname: 'SomethingElse', why: 'no "collection" label' }]);
    if (t!.answer.kind === 'Deferred') throw new Error('unreachable');
    // A healthy collection: the attempt senses, finds nothing to heal, and ends Deferred.
    const outcome = await sys.w.client.workflow.getHandle(t!.answer.workflow_id, t!.answer.run_id).result();
    expect(outcome).toMatchObject({ kind: 'Deferred', reason: expect.stringMatching(/nothing to heal/) });
    expect(await attemptsOf(collection)).toEqual([
      {
        trigger: 'alertmanager: RuvectorIntegrityDegraded',
        workflow_id: t!.answer.workflow_id,
        run_id: t!.answer.run_id,
      },
    ]);
  });

  it('a resolved alert asks for nothing', async () => {
    const collection = await testCollection(sys.db.pool, { check_interval: 3600 });
    const r = await post(on, payload([{ status: 'resolved', labels: { alertname: 'A', collection } }]));
    expect(r).toMatchObject({ status: 200, body: { triggered: [], ignored: [{ alertname: 'A', why: 'resolved' }] } });
    expect(await attemptsOf(collection)).toEqual([]);
  });

  it('refused and changing nothing: a wrong or missing token (401), a malformed body (400), an unknown collection (422)', async () => {
    const collection = await testCollection(sys.db.pool, { check_interval: 3600 });
    const firing = payload([{ labels: { alertname: 'A', collection } }]);

    const wrong = await post(on, firing, 'Bearer not-the-token');
    expect(wrong).toMatchObject({ status: 401, body: { error: expect.stringMatching(/Authorization: Bearer/) } });
    expect(wrong.headers.get('www-authenticate')).toMatch(/^Bearer/);
    expect(await post(on, firing, null)).toMatchObject({ status: 401 });
    expect(await post(on, firing, `Basic ${Buffer.from(`x:${TOKEN}`).toString('base64')}`)).toMatchObject({
      status: 401,
    });

    expect(await post(on, '{"version": "4", "alerts": [')).toMatchObject({
      status: 400,
      body: { error: expect.stringMatching(/^the body is not JSON/) },
    });
    const malformed = await post(on, { ...firing, version: '3', alerts: [{ labels: { collection } }] });
    expect(malformed).toMatchObject({ status: 400, body: { error: expect.stringMatching(/version 4/) } });
    expect(malformed.body.issues).toEqual(expect.arrayContaining([expect.stringMatching(/^version: /)]));

    // One unknown collection refuses the whole batch: the known one is not asked for either.
    const unknown = await post(
      on,
      payload([
        { labels: { alertname: 'A', collection } },
        { labels: { alertname: 'B', collection: 'no_such_collection' } },
      ]),
    );
    expect(unknown).toMatchObject({
      status: 422,
      body: {
        error: 'not watched, so nothing was triggered: no_such_collection',
        unknown: [{ collection: 'no_such_collection', why: expect.stringMatching(/no collection named/) }],
      },
    });
    expect(await attemptsOf(collection)).toEqual([]);
  });

  it('off without SELFHEAL_ALERTMANAGER_TOKEN: 404, saying how to turn it on', async () => {
    const collection = await testCollection(sys.db.pool, { check_interval: 3600 });
    const r = await post(off, payload([{ labels: { alertname: 'A', collection } }]));
    expect(r).toMatchObject({ status: 404, body: { error: expect.stringMatching(/set SELFHEAL_ALERTMANAGER_TOKEN/) } });
    expect(await attemptsOf(collection)).toEqual([]);
  });
});
