import type { BlockingChain } from '../collection-stats';
import { addBetween, definePart, diagnosis } from '../sensor-part';

export const LOCKS = 'locks';

/** Chains whose root is ordinary work; a maintenance root is MaintenanceContention's. */
export function sessionChains(chains: readonly BlockingChain[]): BlockingChain[] {
  return chains.filter((c) => !c.root_is_maintenance);
}

export function lockHealth(chains: readonly BlockingChain[]): number {
  return 1 / (1 + sessionChains(chains).reduce((n, c) => n + c.blocked, 0));
}

/** Sessions queued behind a lock on the collection, by the root each chain ends at. */
export const lockChainsPart = definePart({
  name: 'lock chains',
  reads: ['blocking_chains'],
  thresholds: [],
  contribute(g, stats) {
    addBetween(
      g,
      { id: LOCKS, kind: 'sessions', label: 'lock waits on the collection' },
      'lock',
      lockHealth(stats.blocking_chains),
    );
  },
  diagnoses: [
    diagnosis({
      class: 'BlockingChain',
      scope: 'collection',
      witness: 'lock',
      precedence: 80,
      diagnose(_w, stats) {
        const chains = sessionChains(stats.blocking_chains);
        if (chains.length === 0) return null;
        return {
          class: 'BlockingChain',
          root_pids: chains.map((c) => c.root_pid),
          idle_in_transaction_roots: chains
            .filter((c) => c.root_state.startsWith('idle in transaction'))
            .map((c) => c.root_pid),
          blocked_sessions: chains.reduce((n, c) => n + c.blocked, 0),
          max_depth: Math.max(...chains.map((c) => c.depth)),
        };
      },
    }),
  ],
});
