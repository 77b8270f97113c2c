import { failedChecks, personNeeded, personNeededSignature } from '../../src/guardian/person-needed';

/** A Deferred attempt's reason, as the attempt records a failed sandbox (sandbox.ts). */
const sandboxFailed = (...checks: [string, string][]) => ({
  status: 'Deferred',
  reason: `sandbox test failed: ${checks.map(([n, d]) => `${n}: ${d}`).join('; ')}`,
});

describe('which deferrals need a person', () => {
  it('a blocking root that is a superuser session: selfheal never signals one', () => {
    const p = personNeeded(
      sandboxFailed([
        'roots_not_superuser',
        'superuser sessions are never signalled: pid 42 (postgres, idle in transaction); a person must end them',
      ]),
    );
    expect(p).toEqual({
      kind: 'superuser_session',
      reason: expect.stringMatching(
        /^a superuser session is involved, .*: a person must end it; sandbox test failed: roots_not_superuser: .*pid 42/,
      ),
    });
    expect(
      personNeeded(sandboxFailed(['not_superuser', 'superuser statements are never cancelled: pid 9']))?.kind,
    ).toBe('superuser_session');
  });

  it.each([
    ['can_signal_backends', 'needs pg_signal_backend (or superuser)', 'missing_right'],
    ['can_alter_table', 'needs the rights of app_owner', 'missing_right'],
    ['can_alter_system', 'needs superuser or GRANT ALTER SYSTEM ON PARAMETER max_slot_wal_keep_size', 'missing_right'],
    ['alter_role_rolled_back', 'ALTER ROLE app failed: permission denied to alter role', 'missing_right'],
    ['can_scale', 'server-side dry run refused: 403 Forbidden: deployments.apps is forbidden', 'missing_right'],
    ['kube_credentials', 'no kubeconfig found', 'configuration'],
    ['standbys_reachable', 'no standby URLs given to the worker (SELFHEAL_STANDBY_URLS)', 'configuration'],
    ['below_max_replicas', 'already at max_replicas: 6 replicas, max_replicas 6', 'at_limit'],
    [
      'complete_run',
      'ran on 20000 of ~9000000 rows in a scratch copy: 900 ms, projected 405.0 s (limit 240 s)',
      'too_slow',
    ],
  ])('%s failing (%s) is %s', (name, detail, kind) => {
    expect(personNeeded(sandboxFailed([name, detail]))?.kind).toBe(kind);
  });

  it.each([
    ['roots_present', 'no session blocks the collection any more'],
    ['targets_exist', 'no fragmented btree index of the table is left'],
    ['no_old_snapshots', 'a concurrent index build would wait for: pid 3 (idle in transaction, 80 s)'],
    ['can_alter_table', 'table no longer exists'],
    ['can_scale', 'the count changed to 4 while testing'],
    ['standbys_reachable', 'standby s1: connection refused'],
    ['alter_role_rolled_back', 'ALTER ROLE app failed: canceling statement due to lock timeout'],
  ])('%s failing (%s) passes by itself: a retry may work', (name, detail) => {
    expect(personNeeded(sandboxFailed([name, detail]))).toBeNull();
  });

  it('one check a person must resolve among passing causes is enough', () => {
    expect(
      personNeeded(sandboxFailed(['roots_present', 'pid 4 (app, active)'], ['can_signal_backends', 'needs it']))?.kind,
    ).toBe('missing_right');
  });

  it('a problem nobody can classify, and no strategy that may act by itself, need a person', () => {
    expect(
      personNeeded({ status: 'Deferred', reason: 'Problem requires human review; weakest: table (0.2)' })?.kind,
    ).toBe('needs_review');
    expect(personNeeded({ status: 'NoStrategy', reason: null })).toEqual({
      kind: 'no_strategy',
      reason: 'no strategy may act here by itself',
    });
    expect(
      personNeeded({
        status: 'Deferred',
        reason: 'no strategy may act on HotspotCongestion here (rebalance_partitions: ivf only): it needs a person',
      })?.kind,
    ).toBe('no_strategy');
  });

  it.each([
    'rejected by alice: not now',
    'approval timed out after 3600 s',
    'healing is disabled by configuration',
    'another attempt is changing role app (lease `healing-lease/s/role/app` names it): one attempt at a time…',
    'integrity is normal (λ 2.000 of 2.000): nothing to heal; weakest: none',
    'dry run: compact_indexes would run; sandbox passed',
  ])('not what a person must resolve: %s', (reason) => {
    expect(personNeeded({ status: 'Deferred', reason })).toBeNull();
  });

  it('only attempts that ended without acting are asked about', () => {
    expect(personNeeded({ status: 'Completed', reason: 'sandbox test failed: roots_not_superuser: x' })).toBeNull();
    expect(personNeeded({ status: 'Failed', reason: 'Problem requires human review' })).toBeNull();
  });

  it('reads the failed checks of a sandbox reason, details holding "; " and ": " included', () => {
    expect(failedChecks('sandbox test failed: a_b: one: two; still one; c: three')).toEqual([
      { name: 'a_b', detail: 'one: two; still one' },
      { name: 'c', detail: 'three' },
    ]);
    expect(failedChecks('rejected by bob')).toEqual([]);
  });

  it('the same cause on the same class is the same news; another cause or class is not', () => {
    const su = personNeeded(sandboxFailed(['roots_not_superuser', 'pid 1']))!;
    const right = personNeeded(sandboxFailed(['can_signal_backends', 'needs it']))!;
    expect(personNeededSignature('BlockingChain', su)).toBe(personNeededSignature('BlockingChain', su));
    expect(personNeededSignature('BlockingChain', su)).not.toBe(personNeededSignature('BlockingChain', right));
    expect(personNeededSignature('BlockingChain', su)).not.toBe(personNeededSignature('RunawayQuery', su));
  });
});
