import { Client, Connection } from '@temporalio/client';
import type { TemporalConnectionOptions } from '../config/temporal-connection';
import { createSelfhealMetrics, type SelfhealMetrics } from '../metrics/selfheal-metrics';
import type { Pool } from '../postgres/pool';
import { sendText, type WorkerHttp } from './worker-http';

export interface MetricsRouteDeps {
  pool: Pool;
  databaseUrl: string;
  temporal: TemporalConnectionOptions;
  namespace: string;
  log: (line: string) => void;
}

/**
 * GET /metrics on the worker's HTTP server (Prometheus text format). The Temporal connection for the
 * guardian's status is the route's own, made at the first scrape and again after a failure: the
 * worker's start-up connection is closed once the worker runs.
 */
export function registerMetrics(
  http: WorkerHttp,
  deps: MetricsRouteDeps,
): { metrics: SelfhealMetrics; close(): Promise<void> } {
  let connecting: Promise<Client> | null = null;
  let connection: Connection | null = null;
  const temporal = (): Promise<Client> => {
    connecting ??= Connection.connect({ ...deps.temporal, connectTimeout: 5_000 }).then(
      (c) => {
        connection = c;
        return new Client({ connection: c, namespace: deps.namespace });
      },
      (err: unknown) => {
        connecting = null;
        throw err;
      },
    );
    return connecting;
  };
  const metrics = createSelfhealMetrics({ pool: deps.pool, databaseUrl: deps.databaseUrl, temporal, log: deps.log });
  http.route('GET', '/metrics', async (_req, res) => {
    sendText(res, 200, await metrics.text(), metrics.registry.contentType);
  });
  return {
    metrics,
    async close() {
      await metrics.close();
      await connecting?.catch(() => undefined);
      await connection?.close().catch(() => undefined);
    },
  };
}
