import type { HealingConfig } from '../../domain/healing-config';
import { edge } from '../../graph/system-graph';
import type { MaintenanceJob } from '../collection-stats';
import { definePart, diagnosis } from '../sensor-part';

export const MAINTENANCE = 'maintenance';

type Settings = Pick<HealingConfig, 'maintenance_long_running_seconds'>;

/** A job weighs on maintenance health when it blocks sessions, or when it has run long. */
export function contendingJobs(jobs: readonly MaintenanceJob[], s: Settings): MaintenanceJob[] {
  return jobs.filter((j) => j.blocking > 0 || j.running_seconds >= s.maintenance_long_running_seconds);
}

export function maintenanceHealth(jobs: readonly MaintenanceJob[], s: Settings): number {
  const contending = contendingJobs(jobs, s);
  const blocked = contending.reduce((n, j) => n + j.blocking, 0);
  return 1 / (1 + blocked + 0.5 * contending.length);
}

/** Vacuum, analyze and index builds serve the table (and, through the index part, every index). */
export const maintenancePart = definePart({
  name: 'maintenance',
  reads: ['maintenance'],
  thresholds: ['maintenance_long_running_seconds'],
  contribute(g, stats, s) {
    const h = maintenanceHealth(stats.maintenance, s);
    g.nodes.push({ id: MAINTENANCE, kind: 'maintenance', label: 'vacuum / analyze / index builds', health: h });
    g.edges.push(edge(MAINTENANCE, g.table, 'dependency', 1, h));
  },
  diagnoses: [
    diagnosis({
      class: 'MaintenanceContention',
      scope: 'collection',
      witness: 'dependency',
      precedence: 50,
      diagnose(_w, stats, config) {
        const jobs = contendingJobs(stats.maintenance, config);
        if (jobs.length === 0) return null;
        return {
          class: 'MaintenanceContention',
          job_types: [...new Set(jobs.map((j) => j.job_type))].sort(),
          queue_depth: jobs.reduce((n, j) => n + j.blocking, 0),
        };
      },
    }),
  ],
});
