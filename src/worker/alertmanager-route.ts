import { Client, Connection } from '@temporalio/client';
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { alertAsks, alertmanagerPayloadSchema, type AlertAsk } from '../domain/alertmanager';
import { temporalConnectionOptions } from '../config/temporal-connection';
import type { WorkerEnv } from '../config/worker-env';
import { databaseKey } from '../postgres/database-key';
import { getCollection, UnknownCollectionError, UnwatchedCollectionError } from '../postgres/collections';
import type { Pool } from '../postgres/pool';
import { requestHealing, type HealingRequester } from '../temporal/request-healing';
import type { TriggerAnswer } from '../../workflows/guardian-messages';
import { sendJson, type RouteHandler, type WorkerHttp } from './worker-http';

export const ALERTMANAGER_PATH = '/alertmanager';

export interface AlertmanagerDeps {
  /** The shared secret; unset, the receiver is off and says so. */
  token: string | undefined;
  /** Opened on the first request that needs it: a worker nobody alerts never connects for it. */
  requester: () => Promise<HealingRequester>;
  log: (line: string) => void;
}

/** Compared as hashes, so neither the content nor the length of the token shows in the time taken. */
function authorized(req: IncomingMessage, token: string): boolean {
  const m = /^Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? '');
  const digest = (s: string) => createHash('sha256').update(s).digest();
  return timingSafeEqual(digest(m?.[1] ?? ''), digest(token)) && m !== null;
}

/**
 * POST /alertmanager: Alertmanager's webhook. Each firing alert with a `collection` label asks that
 * collection's guardian for an attempt, as `selfheal trigger` does, recorded as
 * `alertmanager: <alertname>`. Refused and changing nothing: receiver off (404), no or a wrong
 * token (401), a body that is not Alertmanager's payload (400), a collection that is not watched
 * (422, none of the batch asked for: Alertmanager does not resend a 4xx, and a half-done batch
 * would say less than a refused one).
 */
export function alertmanagerHandler(deps: AlertmanagerDeps): RouteHandler {
  return async (req, res, body) => {
    if (!deps.token) {
      sendJson(res, 404, {
        error: 'the Alertmanager receiver is off: set SELFHEAL_ALERTMANAGER_TOKEN on the worker to turn it on',
      });
      return;
    }
    if (!authorized(req, deps.token)) {
      res.setHeader('www-authenticate', 'Bearer realm="selfheal"');
      sendJson(res, 401, { error: 'missing or wrong token: send Authorization: Bearer <SELFHEAL_ALERTMANAGER_TOKEN>' });
      return;
    }
    let raw: unknown;
    try {
      raw = JSON.parse(body.toString('utf8'));
    } catch (err) {
      sendJson(res, 400, { error: `the body is not JSON: ${(err as Error).message}` });
      return;
    }
    const parsed = alertmanagerPayloadSchema.safeParse(raw);
    if (!parsed.success) {
      sendJson(res, 400, {
        error: "the body is not Alertmanager's webhook payload (version 4)",
        issues: parsed.error.issues.map((i) => `${i.path.join('.') || '(body)'}: ${i.message}`),
      });
      return;
    }
    const { asks, ignored } = alertAsks(parsed.data);
    if (asks.length === 0) {
      sendJson(res, 200, { triggered: [], ignored });
      return;
    }
    const r = await deps.requester();
    const unknown = await notWatched(r.pool, asks);
    if (unknown.length) {
      sendJson(res, 422, {
        error: `not watched, so nothing was triggered: ${unknown.map((u) => u.collection).join(', ')}`,
        unknown,
      });
      return;
    }
    const triggered: (AlertAsk & { answer: TriggerAnswer })[] = [];
    for (const a of asks) triggered.push({ ...a, answer: await requestHealing(r, a.collection, { by: a.trigger }) });
    deps.log(
      `selfheal worker: alertmanager ${parsed.data.groupKey}: ` +
        triggered.map((t) => `${t.collection} ${t.answer.kind} (${t.alertname})`).join(', '),
    );
    sendJson(res, 200, { triggered, ignored });
  };
}

async function notWatched(pool: Pool, asks: AlertAsk[]): Promise<{ collection: string; why: string }[]> {
  const out: { collection: string; why: string }[] = [];
  for (const a of asks) {
    try {
      await getCollection(pool, a.collection);
    } catch (err) {
      if (!(err instanceof UnknownCollectionError || err instanceof UnwatchedCollectionError)) throw err;
      out.push({ collection: a.collection, why: err.message });
    }
  }
  return out;
}

/**
 * Registers POST /alertmanager on the worker's HTTP server, configured by the worker's environment.
 * Its Temporal connection opens at the first alert and lives until close() (the worker's shutdown).
 */
export function routeAlertmanager(
  http: WorkerHttp,
  o: { env: WorkerEnv; pool: Pool; log: (l: string) => void },
): { close(): Promise<void> } {
  let requester: Promise<HealingRequester> | undefined;
  let connection: Connection | undefined;
  const connect = async (): Promise<HealingRequester> => {
    const c = await Connection.connect({ ...temporalConnectionOptions(o.env), connectTimeout: 10_000 });
    connection = c;
    const client = new Client({ connection: c, namespace: o.env.TEMPORAL_NAMESPACE });
    return {
      temporal: () => Promise.resolve(client),
      pool: o.pool,
      database: await databaseKey(o.pool),
      taskQueue: o.env.SELFHEAL_TASK_QUEUE,
    };
  };
  http.route(
    'POST',
    ALERTMANAGER_PATH,
    alertmanagerHandler({
      token: o.env.SELFHEAL_ALERTMANAGER_TOKEN,
      log: o.log,
      // A failed connection is tried again at the next alert.
      requester: () =>
        (requester ??= connect().catch((err: unknown) => {
          requester = undefined;
          throw err;
        })),
    }),
  );
  return {
    async close() {
      await requester?.catch(() => undefined);
      await connection?.close().catch(() => undefined);
    },
  };
}
