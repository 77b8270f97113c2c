import { strategySpec } from '../strategy-spec';

export const dropReplicationSlotSpec = strategySpec({
  name: 'drop_replication_slot',
  handles: ['SlotRetention'],
  impact: 0.5,
  estimated_duration_seconds: 10,
  reversible: false,
  requires_approval: true,
  sandbox_levels: ['prerequisites'],
  shared_target: 'server',
  description: 'drop the inactive slots that retain WAL past the warning size; never an active one',
  params: {},
});
