import { strategySpec } from '../strategy-spec';

export const resumeWalReplaySpec = strategySpec({
  name: 'resume_wal_replay',
  handles: ['ReplicationLag'],
  impact: 0.1,
  estimated_duration_seconds: 60,
  reversible: false,
  requires_approval: false,
  sandbox_levels: ['prerequisites'],
  shared_target: 'standbys',
  description: 'resume WAL replay on a standby whose replay was paused, and wait until the primary sees it caught up',
  params: {},
});
