import type { ProblemClassName } from '../domain/problem-class';

/**
 * Where a fault lives. A collection's own fault is healed on that collection; a server's (its
 * connection slots, replication slots, standbys, a role's sort memory) shows in every collection
 * of the server, and is healed by one attempt, whatever the number of collections that see it.
 */
export type FaultScope = 'collection' | 'server';

const SCOPES: Record<ProblemClassName, FaultScope> = {
  HotspotCongestion: 'collection',
  CentroidSkew: 'collection',
  ReplicationLag: 'server',
  MaintenanceContention: 'collection',
  IndexFragmentation: 'collection',
  MemoryPressure: 'server',
  Unknown: 'collection',
  InvalidIndex: 'collection',
  BlockingChain: 'collection',
  RunawayQuery: 'collection',
  ConnectionExhaustion: 'server',
  WraparoundRisk: 'collection',
  StaleStatistics: 'collection',
  SlotRetention: 'server',
};

export function faultScope(problem: ProblemClassName): FaultScope {
  return SCOPES[problem];
}
