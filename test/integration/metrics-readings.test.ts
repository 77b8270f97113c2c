import { connect, createServer, type Socket } from 'node:net';
import { ensureDemoCollection } from '../../src/demo/demo-collection';
import { ExporterLock } from '../../src/metrics/exporter-lock';
import { createSelfhealMetrics, type SelfhealMetrics } from '../../src/metrics/selfheal-metrics';
import { parseExposition, valueOf } from '../support/exposition';
import { createTestDatabase, uniqueName, type TestDatabase } from '../support/test-system';
import { testAudit } from '../support/test-audit';

/**
 * The store's metrics read straight from a real store, without Temporal: what the counters count
 * when scrapes come at once, and what they leave out.
 */
describe('the store metrics, read from the store', () => {
  let db: TestDatabase;
  let collection: string;
  let metrics: SelfhealMetrics;

  beforeAll(async () => {
    db = await createTestDatabase('metricsread');
    collection = uniqueName('c');
    await ensureDemoCollection(db.pool, testAudit, collection, 'public', collection, 100);
    metrics = createSelfhealMetrics({
      pool: db.appPool,
      databaseUrl: db.appUrl,
      temporal: () => Promise.reject(new Error('no Temporal in this test')),
      log: () => undefined,
      // No reuse: every metric of a scrape asks for a reading at once, as scrapes overlapping a slow reading do.
      maxAgeMs: 0,
    });
  });

  afterAll(async () => {
    await metrics?.close();
    await db?.drop();
  });

  /** An ended attempt, begun long enough ago for the counters to treat its id as settled. */
  async function ended(status: string, trigger: string): Promise<void> {
    await db.pool.query(
      `INSERT INTO ruvector.healing_attempts
              (workflow_id, run_id, collection_id, trigger, status, started_at, completed_at)
       SELECT $1, $2, c.id, $3, $4, now() - interval '2 minutes', now() FROM ruvector.collections c WHERE c.name = $5`,
      [`healing-attempt/${collection}`, uniqueName('run'), trigger, status, collection],
    );
  }

  const attempts = async (): Promise<number> =>
    valueOf(parseExposition(await metrics.text()), 'ruvector_healing_attempts_total', {
      collection,
      strategy: 'none',
    });

  it('scrapes at once count an attempt that ended once; a refused rollback is no attempt', async () => {
    // The first reading names the pair, at 0.
    expect(await attempts()).toBe(0);
    await ended('Deferred', 'manual by test');
    // A rollback that was refused ends Deferred too, without a strategy.
    await ended('Deferred', 'rollback by test');
    const texts = await Promise.all([metrics.text(), metrics.text(), metrics.text(), metrics.text()]);
    for (const t of texts)
      expect(valueOf(parseExposition(t), 'ruvector_healing_attempts_total', { collection, strategy: 'none' })).toBe(1);
    expect(await attempts()).toBe(1);
  });

  it("a lock session that silently stops answering fails the exporter's check instead of hanging every scrape", async () => {
    // A TCP relay to the store that can stop passing bytes, as a network partition does.
    let frozen = false;
    const sockets: Socket[] = [];
    const relay = createServer((client) => {
      const url = new URL(db.appUrl);
      const server = connect(Number(url.port), url.hostname);
      sockets.push(client, server);
      client.on('data', (d) => void (frozen || server.write(d)));
      server.on('data', (d) => void (frozen || client.write(d)));
      client.on('error', () => undefined);
      server.on('error', () => undefined);
    });
    await new Promise<void>((r) => relay.listen(0, '127.0.0.1', () => r()));
    const url = new URL(db.appUrl);
    url.hostname = '127.0.0.1';
    url.port = String((relay.address() as { port: number }).port);
    const lock = new ExporterLock(url.toString(), 726_451_999);
    try {
      expect(await lock.holds()).toBe(true);
      frozen = true;
      let timer: NodeJS.Timeout | undefined;
      const answer = await Promise.race([
        lock.holds(),
        new Promise((r) => (timer = setTimeout(() => r('no answer after 15 s'), 15_000))),
      ]);
      clearTimeout(timer);
      expect(answer).toBe(false);
    } finally {
      for (const so of sockets) so.destroy();
      await lock.close();
      await new Promise<void>((r) => relay.close(() => r()));
    }
  }, 30_000);
});
