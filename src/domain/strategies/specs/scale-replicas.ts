import { z } from 'zod';
import { wholeNumberParam } from '../param-spec';
import { strategySpec } from '../strategy-spec';

export const scaleReplicasSpec = strategySpec({
  name: 'scale_replicas',
  handles: ['HotspotCongestion'],
  impact: 0.2,
  estimated_duration_seconds: 300,
  reversible: true,
  requires_approval: true,
  sandbox_levels: ['prerequisites'],
  shared_target: 'deployment',
  description:
    'scale the read deployment (k8s_read_deployment) to ceil(1.5 × replicas), capped by max_replicas, and wait ' +
    'until every replica is ready; scaled back to the previous count on rollback',
  params: {
    target: wholeNumberParam(
      'the replica count to scale the read deployment to, above the current one and at most max_replicas',
      1,
      1000,
    ),
  },
  snapshot: z.object({ namespace: z.string(), deployment: z.string(), previous_replicas: z.number().int().min(0) }),
});
