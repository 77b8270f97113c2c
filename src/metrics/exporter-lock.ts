import pg from 'pg';

/** Any constant works; every selfheal worker of a database must use the same one. */
export const EXPORTER_LOCK_KEY = 726_451_013;

/** Well under Prometheus' default scrape timeout (10 s). */
const LOCK_CHECK_TIMEOUT_MS = 5_000;

/**
 * Who exports the store's metrics: the worker whose own session holds a PostgreSQL advisory lock.
 * The lock lives as long as that session, so when its worker dies (or loses the database) the
 * server releases it and another worker's next scrape takes it over; no lease to renew, no clock.
 * A connection of its own, outside the pool: a pooled client may be closed when idle, taking the lock with it.
 */
export class ExporterLock {
  private client: pg.Client | null = null;
  private held = false;
  private acquired = 0;
  private connecting: Promise<pg.Client> | null = null;

  constructor(
    private readonly connectionString: string,
    private readonly key = EXPORTER_LOCK_KEY,
  ) {}

  /** Whether this worker exports now: it checks its session is alive, or tries to take the lock. */
  async holds(): Promise<boolean> {
    try {
      const c = await this.connection();
      if (this.held) {
        await c.query('SELECT 1');
        return true;
      }
      const { rows } = await c.query<{ ok: boolean }>('SELECT pg_try_advisory_lock($1) AS ok', [this.key]);
      this.held = rows[0]!.ok;
      if (this.held) this.acquired += 1;
      return this.held;
    } catch {
      // The session is gone, and its lock with it: a new one tries again at the next scrape.
      this.drop();
      return false;
    }
  }

  /**
   * Counts the times this worker took the lock: when it changes, another worker may have exported
   * meanwhile, and what this one counted before is no longer the series Prometheus follows.
   */
  get generation(): number {
    return this.acquired;
  }

  private async connection(): Promise<pg.Client> {
    if (this.client) return this.client;
    this.connecting ??= (async () => {
      const c = new pg.Client({
        connectionString: this.connectionString,
        application_name: 'selfheal metrics',
        // A session that silently died (a partition, a failover) must fail the check, not hang every scrape
        // behind it: keepalives find it, and no check waits past the scrape's own timeout.
        keepAlive: true,
        connectionTimeoutMillis: LOCK_CHECK_TIMEOUT_MS,
        query_timeout: LOCK_CHECK_TIMEOUT_MS,
      });
      // A broken connection errors here rather than crashing the process; the next check notices.
      c.on('error', () => this.drop());
      c.on('end', () => this.drop());
      try {
        await c.connect();
      } catch (err) {
        await c.end().catch(() => undefined);
        throw err;
      }
      this.client = c;
      return c;
    })().finally(() => {
      this.connecting = null;
    });
    return this.connecting;
  }

  private drop(): void {
    const c = this.client;
    this.client = null;
    this.held = false;
    if (c) void c.end().catch(() => undefined);
  }

  /** Ends the session: the lock is released at once for the other workers. */
  async close(): Promise<void> {
    await this.connecting?.catch(() => undefined);
    const c = this.client;
    this.client = null;
    this.held = false;
    this.connecting = null;
    if (c) await c.end().catch(() => undefined);
  }
}
