import { adoptCollectionGuardians } from '../../src/temporal/adopt-collection-guardians';
import { guardianStatus } from '../../src/temporal/guardian-client';
import { collectionGuardianWorkflowId } from '../../src/domain/workflow-ids';
import type { collectionGuardian } from '../../workflows/collection-guardian';
import { guardianStatusQuery, pauseUpdate } from '../../workflows/guardian-messages';
import { testCollection } from '../support/collections';
import { useWorkerSystem } from '../support/test-harness';
import { waitFor } from '../support/test-system';

/** An earlier version ran one guardian per collection: on upgrade each hands its state over and ends. */
describe('upgrade from per-collection guardians', () => {
  const sys = useWorkerSystem('upgrade');

  it('a running per-collection guardian hands its pause to the database guardian and is ended, not left failing', async () => {
    const paused = await testCollection(sys.db.pool, { check_interval: 3600 });
    const plain = await testCollection(sys.db.pool, { check_interval: 3600 });
    const old = await Promise.all(
      [paused, plain].map((c) =>
        sys.w.client.workflow.start<typeof collectionGuardian>('collectionGuardian', {
          taskQueue: sys.w.taskQueue,
          workflowId: collectionGuardianWorkflowId(c),
          args: [{ collection: c }],
        }),
      ),
    );
    await old[0]!.executeUpdate(pauseUpdate, { args: [{ by: 'ops', reason: 'vacuum window' }] });
    // The paused one does not sample; the other does.
    await waitFor(
      'the other old guardian to sample',
      async () => (await old[1]!.query(guardianStatusQuery)).last_sample_at !== null,
    );

    const adopted = await adoptCollectionGuardians(sys.w.client, sys.db.key, sys.w.taskQueue, [paused, plain]);
    expect(adopted.sort()).toEqual([paused, plain].sort());
    for (const h of old) expect((await h.describe()).status.name).toBe('TERMINATED');
    expect(await guardianStatus(sys.w.client, sys.db.key, paused)).toMatchObject({
      enabled: false,
      paused_by: 'ops: vacuum window',
    });
    await waitFor(
      'the database guardian to sample the other one',
      async () => (await guardianStatus(sys.w.client, sys.db.key, plain))?.last_sample_at ?? undefined,
    );
    expect(await guardianStatus(sys.w.client, sys.db.key, plain)).toMatchObject({ enabled: true, state: 'normal' });
    // A second start finds nothing left to adopt.
    expect(await adoptCollectionGuardians(sys.w.client, sys.db.key, sys.w.taskQueue, [paused, plain])).toEqual([]);
  });
});
