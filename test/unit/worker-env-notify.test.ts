import { parseWorkerEnv } from '../../src/config/worker-env';

describe('the worker environment: webhooks and the Alertmanager receiver', () => {
  const base = {
    TEMPORAL_ADDRESS: '127.0.0.1:7233',
    DATABASE_URL: 'postgres://u:p@db:5432/app',
    SELFHEAL_AUDIT_KEY: 'test-audit-key-of-at-least-32-characters',
  };

  it('no webhooks and the receiver off unless set', () => {
    expect(parseWorkerEnv(base)).toMatchObject({ SELFHEAL_WEBHOOK_URLS: [], SELFHEAL_SLACK_WEBHOOK_URLS: [] });
    expect(parseWorkerEnv(base).SELFHEAL_ALERTMANAGER_TOKEN).toBeUndefined();
    expect(parseWorkerEnv({ ...base, SELFHEAL_ALERTMANAGER_TOKEN: '' }).SELFHEAL_ALERTMANAGER_TOKEN).toBeUndefined();
  });

  it('takes comma-separated http(s) URLs and a token', () => {
    const env = parseWorkerEnv({
      ...base,
      SELFHEAL_WEBHOOK_URLS: 'https://hooks.example.com/a, http://10.0.0.1:8080/b',
      SELFHEAL_SLACK_WEBHOOK_URLS: 'https://hooks.slack.com/services/T/B/x',
      SELFHEAL_ALERTMANAGER_TOKEN: 'a-shared-secret-of-32-characters',
    });
    expect(env.SELFHEAL_WEBHOOK_URLS).toEqual(['https://hooks.example.com/a', 'http://10.0.0.1:8080/b']);
    expect(env.SELFHEAL_SLACK_WEBHOOK_URLS).toEqual(['https://hooks.slack.com/services/T/B/x']);
    expect(env.SELFHEAL_ALERTMANAGER_TOKEN).toBe('a-shared-secret-of-32-characters');
  });

  it('names a bad URL and a token too short to be a secret', () => {
    expect(() =>
      parseWorkerEnv({ ...base, SELFHEAL_WEBHOOK_URLS: 'ftp://x/y', SELFHEAL_ALERTMANAGER_TOKEN: 'short' }),
    ).toThrow(/SELFHEAL_WEBHOOK_URLS\.0: an http\(s\) URL[\s\S]*SELFHEAL_ALERTMANAGER_TOKEN: at least 16 characters/);
  });
});
