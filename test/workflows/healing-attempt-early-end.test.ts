import type { FinishAttempt } from '../../src/postgres/outcome-store';
import { healingAttempt } from '../../workflows/healing-attempt';
import { ACTION_ID, attemptActivities, bloated, contended, healthy, skewed } from '../support/attempt-fixtures';
import { mockActivities, useTimeSkipping, type MockActivities } from '../support/time-skipping';

describe('healing attempt: ends before acting', () => {
  const ts = useTimeSkipping();

  async function run(mocks: MockActivities, input: Partial<Parameters<typeof healingAttempt>[0]> = {}) {
    const m = mockActivities(mocks);
    const outcome = await ts.withWorker(m, async (taskQueue) =>
      ts.env.client.workflow.execute(healingAttempt, {
        taskQueue,
        workflowId: `early-${Math.random().toString(36).slice(2)}/c1`,
        args: [{ collection: 'c1', trigger: 'test', ...input }],
      }),
    );
    expect(m.inputsOf('recordOutcome')).toHaveLength(1);
    return { outcome, m, record: m.inputsOf('recordOutcome')[0] as FinishAttempt };
  }
  const noActing = (names: string[]) =>
    expect(names.filter((n) => /sandbox|plan|execute|verify|compensate|cleanup/i.test(n))).toEqual([]);

  it('a normal collection is Deferred: nothing to heal', async () => {
    const r = await run(attemptActivities({ samples: [healthy('c1')], strategy: 'compact_indexes' }));
    expect(r.outcome).toMatchObject({
      kind: 'Deferred',
      reason: expect.stringMatching(/^integrity is normal .*nothing to heal/),
      attempt_id: ACTION_ID,
    });
    expect(r.m.names()).toEqual(['prepareAttempt', 'sampleIntegrity', 'recordOutcome']);
  });

  it('healing disabled by configuration is Deferred', async () => {
    const r = await run(
      attemptActivities({ samples: [bloated('c1')], strategy: 'compact_indexes', config: { enabled: false } }),
    );
    expect(r.outcome).toMatchObject({ kind: 'Deferred', reason: 'healing is disabled by configuration' });
    noActing(r.m.names());
  });

  it('no strategy that may act on this kind of collection is NoStrategy: it needs a person', async () => {
    const r = await run(attemptActivities({ samples: [skewed('c1')], strategy: 'rebuild_centroids' }));
    expect(r.outcome).toMatchObject({ kind: 'NoStrategy', problem: { class: 'CentroidSkew' }, attempt_id: ACTION_ID });
    expect(r.record).toMatchObject({
      status: 'NoStrategy',
      reason: expect.stringMatching(
        /^no strategy may act on CentroidSkew here \(rebuild_centroids: rebuild_centroids runs only on ivf/,
      ),
    });
    expect(r.m.names()).toEqual(['prepareAttempt', 'sampleIntegrity', 'loadLearnedSelection', 'recordOutcome']);
  });

  it('a strategy above the impact cap is not dropped: it waits for a person', async () => {
    const r = await run(
      attemptActivities({
        samples: [bloated('c1')],
        strategy: 'compact_indexes',
        config: { max_auto_heal_impact: 0.4, approval_timeout: 60 },
      }),
    );
    expect(r.outcome).toMatchObject({ kind: 'Deferred', reason: 'approval timed out after 60 s' });
  });

  it('a failed sandbox test is Deferred with the failed checks, and nothing acts', async () => {
    const r = await run(
      attemptActivities(
        { samples: [bloated('c1')], strategy: 'compact_indexes' },
        {
          sandboxTest: async () => ({
            passed: false,
            level: 'prerequisites',
            checks: [{ name: 'privileges', passed: false, detail: 'missing MAINTAIN' }],
            duration_ms: 1,
          }),
        },
      ),
    );
    expect(r.outcome).toMatchObject({ kind: 'Deferred', reason: 'sandbox test failed: privileges: missing MAINTAIN' });
    expect(r.m.names()).toEqual([
      'prepareAttempt',
      'sampleIntegrity',
      'loadLearnedSelection',
      'sandboxTest',
      'recordOutcome',
    ]);
    expect(r.record).toMatchObject({ status: 'Deferred', sandbox: expect.objectContaining({ passed: false }) });
  });

  it('a dry run stops after the sandbox, changes nothing and records DryRun', async () => {
    const r = await run(attemptActivities({ samples: [bloated('c1')], strategy: 'compact_indexes' }), {
      dry_run: true,
    });
    expect(r.outcome).toMatchObject({
      kind: 'DryRun',
      strategy: 'compact_indexes',
      sandbox_passed: true,
      reason: 'dry run: compact_indexes would run; sandbox passed',
    });
    expect(r.m.names()).toEqual([
      'prepareAttempt',
      'sampleIntegrity',
      'loadLearnedSelection',
      'sandboxTest',
      'recordOutcome',
    ]);
  });

  it('a manual execution runs the named strategy without approval, recording its context for learning; one for another class is Deferred', async () => {
    const ok = await run(
      attemptActivities({
        samples: [contended('c1'), healthy('c1')],
        strategy: 'pause_maintenance',
        config: { stabilization_wait: 10, require_approval: ['MaintenanceContention'] },
      }),
      { strategy: 'pause_maintenance' },
    );
    expect(ok.outcome).toMatchObject({ kind: 'Completed', strategy: 'pause_maintenance', verified: true });
    // Nothing is chosen, but the context is recorded: its outcome teaches the model too.
    expect(ok.m.activities.loadLearnedSelection).toHaveBeenCalledTimes(1);
    expect(ok.m.inputsOf('recordOutcome')[0]!.selection).toMatchObject({
      rule: 'manual',
      strategy: 'pause_maintenance',
      context: { critical: expect.any(Boolean), attempts_so_far: 1 },
    });
    const wrong = await run(attemptActivities({ samples: [bloated('c1')], strategy: 'pause_maintenance' }), {
      strategy: 'pause_maintenance',
    });
    expect(wrong.outcome).toMatchObject({
      kind: 'Deferred',
      reason: 'pause_maintenance handles MaintenanceContention, but the problem now is IndexFragmentation',
    });
    noActing(wrong.m.names());
  });

  it('parameters without a named strategy are refused before anything acts', async () => {
    const r = await run(attemptActivities({ samples: [bloated('c1')], strategy: 'compact_indexes' }), {
      params: { indexes: 'ix11' },
    });
    expect(r.outcome).toMatchObject({
      kind: 'Deferred',
      reason: 'parameters are for a manual execution of a named strategy only',
    });
    noActing(r.m.names());
  });
});
