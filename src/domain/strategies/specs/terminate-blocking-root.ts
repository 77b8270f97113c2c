import { strategySpec } from '../strategy-spec';

export const terminateBlockingRootSpec = strategySpec({
  name: 'terminate_blocking_root',
  handles: ['BlockingChain'],
  impact: 0.4,
  estimated_duration_seconds: 15,
  reversible: false,
  requires_approval: false,
  sandbox_levels: ['prerequisites'],
  description:
    'end the session at the head of each lock chain: cancel an active root first, terminate an idle-in-transaction ' +
    'one; never a superuser session',
  params: {},
});
