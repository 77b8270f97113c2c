import { strategySpec } from '../strategy-spec';

export const analyzeTableSpec = strategySpec({
  name: 'analyze_table',
  handles: ['StaleStatistics'],
  impact: 0.1,
  estimated_duration_seconds: 60,
  reversible: false,
  requires_approval: false,
  sandbox_levels: ['complete', 'prerequisites'],
  description: "ANALYZE the collection's table so the planner's estimates match the data again",
  params: {},
});
