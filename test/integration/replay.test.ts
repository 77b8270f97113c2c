import { Worker } from '@temporalio/worker';
import { readdirSync } from 'node:fs';
import { HISTORY_DIR, readHistory } from '../support/histories';
import { testStack } from '../support/test-system';

/**
 * Histories recorded from real attempts (SELFHEAL_RECORD_HISTORIES=1 npm test) replay against the
 * current workflow code: a change that would break attempts in flight fails here.
 */
describe('recorded healing-attempt histories', () => {
  const files = readdirSync(HISTORY_DIR)
    .filter((f) => f.endsWith('.binpb'))
    .sort();

  it('are kept for the healed, compensated, approved (and told) and aborted paths, and for a guardian', () => {
    expect(files).toEqual(
      expect.arrayContaining([
        'compact-indexes-healed.binpb',
        'pause-maintenance-compensated.binpb',
        'compact-indexes-approved.binpb',
        'pause-maintenance-aborted.binpb',
        'guardian-cooldown.binpb',
        'database-guardian-cooldown.binpb',
        'compact-indexes-approval-notified.binpb',
      ]),
    );
  });

  it.each(files)('%s replays without a determinism violation', async (file) => {
    const history = readHistory(file);
    await Worker.runReplayHistory({ workflowBundle: { codePath: testStack().workflowBundle } }, history, file);
  });
});
