import { strategySpec } from '../strategy-spec';

export const freezeTableSpec = strategySpec({
  name: 'freeze_table',
  handles: ['WraparoundRisk'],
  impact: 0.3,
  estimated_duration_seconds: 300,
  reversible: false,
  requires_approval: false,
  sandbox_levels: ['complete', 'prerequisites'],
  description: "VACUUM (FREEZE) the collection's table so its relfrozenxid age falls to about zero",
  params: {},
});
