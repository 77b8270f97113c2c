import { parseWorkerEnv } from '../../src/config/worker-env';
import { temporalConnectionOptions, temporalEnvSchema } from '../../src/config/temporal-connection';
import { DEFAULT_HEALING_CONFIG } from '../../src/domain/healing-config';
import { parseSize } from '../../src/cli/sizes';
import { ruleMatches, watchRuleSchema } from '../../src/postgres/watch-rules';
import { defaultCollectionName } from '../../src/postgres/watch-table';
import { selectStrategy } from '../../src/strategies/registry';

describe('watch rules', () => {
  const rule = (r: object) => watchRuleSchema.parse(r);
  const t = (schema: string, name: string, size_bytes = 10 * 1024 * 1024) => ({ schema, name, size_bytes });

  it('match schema.table globs, bare table names in any schema, excludes and a minimum size', () => {
    const r = rule({ include: ['app.*', 'events'], exclude: ['*_tmp', 'app.audit?'], min_size_bytes: 1024 * 1024 });
    expect(ruleMatches(r, t('app', 'orders'))).toBe(true);
    expect(ruleMatches(r, t('other', 'events'))).toBe(true);
    expect(ruleMatches(r, t('other', 'orders'))).toBe(false);
    expect(ruleMatches(r, t('app', 'orders_tmp'))).toBe(false);
    expect(ruleMatches(r, t('app', 'audit1'))).toBe(false);
    expect(ruleMatches(r, t('app', 'audit12'))).toBe(true);
    expect(ruleMatches(r, t('app', 'orders', 1000))).toBe(false);
    // Regex characters in names are literal, not patterns.
    expect(ruleMatches(rule({ include: ['a.b+c'] }), t('a', 'bbc'))).toBe(false);
    expect(ruleMatches(rule({ include: ['a.b+c'] }), t('a', 'b+c'))).toBe(true);
  });

  it('default to every table, and refuse unknown keys', () => {
    expect(ruleMatches(rule({}), t('x', 'y', 0))).toBe(true);
    expect(() => rule({ includes: ['*'] })).toThrow(/Unrecognized key/);
  });

  it('sizes read as PostgreSQL writes them, and nonsense is refused', () => {
    expect(parseSize('min-size', '1MB')).toBe(1024 * 1024);
    expect(parseSize('min-size', '512kB')).toBe(512 * 1024);
    expect(parseSize('min-size', '2g')).toBe(2 * 1024 ** 3);
    expect(parseSize('min-size', '0')).toBe(0);
    expect(() => parseSize('min-size', '1 parsec')).toThrow(/--min-size takes a size/);
  });

  it('give a table a collection name it can have', () => {
    expect(defaultCollectionName('public', 'orders')).toBe('orders');
    expect(defaultCollectionName('app', 'Order Items')).toBe('Order_Items');
    expect(defaultCollectionName('app', '2024_events')).toBe('_2024_events');
  });
});

describe('collection kinds in strategy selection', () => {
  const considered = (kind: 'table' | 'ivf' | null, cls: 'HotspotCongestion' | 'CentroidSkew' | 'MemoryPressure') =>
    selectStrategy(cls, { ...DEFAULT_HEALING_CONFIG, max_auto_heal_impact: 1 }, {}, kind).considered;

  it('a table collection never gets a row mover; an ivf one does', () => {
    const table = considered('table', 'HotspotCongestion');
    expect(table.filter((c) => c.eligible).map((c) => c.name)).toEqual(['scale_replicas']);
    expect(table.find((c) => c.name === 'rebalance_partitions')!.reason).toMatch(/only on ivf collections/);
    expect(table.find((c) => c.name === 'throttle_ingestion')!.reason).toMatch(/for HotspotCongestion only on ivf/);
    expect(selectStrategy('CentroidSkew', DEFAULT_HEALING_CONFIG, {}, 'table').strategy).toBeNull();
    expect(selectStrategy('HotspotCongestion', DEFAULT_HEALING_CONFIG, {}, 'ivf').strategy!.name).toBe(
      'rebalance_partitions',
    );
  });

  it('a lever barred for one class on a kind still serves its other classes there', () => {
    expect(considered('table', 'MemoryPressure').find((c) => c.name === 'throttle_ingestion')!.eligible).toBe(true);
  });

  it('attempts recorded before kinds (kind unknown) consider every strategy, as they did', () => {
    expect(considered(null, 'HotspotCongestion').every((c) => c.eligible)).toBe(true);
  });
});

describe('the worker environment', () => {
  const base = {
    TEMPORAL_ADDRESS: '127.0.0.1:7233',
    DATABASE_URL: 'postgres://u:p@db:5432/app',
    SELFHEAL_AUDIT_KEY: 'k'.repeat(32),
  };

  it('takes the standard Temporal settings with defaults', () => {
    const env = parseWorkerEnv(base);
    expect(env).toMatchObject({
      TEMPORAL_NAMESPACE: 'default',
      SELFHEAL_TASK_QUEUE: 'selfheal',
      SELFHEAL_MIGRATE: true,
      SELFHEAL_STANDBY_URLS: [],
    });
    expect(temporalConnectionOptions(temporalEnvSchema.parse(base))).toEqual({ address: '127.0.0.1:7233' });
    // An API key means Temporal Cloud: TLS on.
    expect(temporalConnectionOptions(temporalEnvSchema.parse({ ...base, TEMPORAL_API_KEY: 'k' }))).toEqual({
      address: '127.0.0.1:7233',
      tls: {},
      apiKey: 'k',
    });
  });

  it('names every bad or missing setting at once', () => {
    let message = '';
    try {
      parseWorkerEnv({
        TEMPORAL_ADDRESS: 'nohost',
        SELFHEAL_STANDBY_URLS: 'mysql://x',
        TEMPORAL_TLS_CLIENT_CERT_PATH: '/c.pem',
      });
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toMatch(/^the worker's environment is not usable:/);
    expect(message).toMatch(/TEMPORAL_ADDRESS: TEMPORAL_ADDRESS is host:port/);
    expect(message).toMatch(/DATABASE_URL: not set/);
    expect(message).toMatch(/SELFHEAL_STANDBY_URLS.0: a PostgreSQL URL/);
    expect(message).toMatch(/TEMPORAL_TLS_CLIENT_KEY_PATH: mTLS needs both/);
  });
});
