import {
  ParentClosePolicy,
  condition,
  continueAsNew,
  defineUpdate,
  proxyActivities,
  setCurrentDetails,
  setHandler,
  startChild,
  workflowInfo,
} from '@temporalio/workflow';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import type { Activities } from '../activities';
import { COLLECTION_SA } from '../src/temporal/search-attributes';
import { guardianWorkflowId } from '../src/temporal/task-queue';
import { quickOptions } from './activity-options';
import { collectionGuardian } from './collection-guardian';

export interface DatabaseWatcherInput {
  /** Guardians this run has seen started (carried across continue-as-new, cleared now and then). */
  ensured?: string[];
}

/** Sync now (after `selfheal watch --database`) instead of at the next interval. */
export const syncNowUpdate = defineUpdate<{ watched: string[] }, []>('syncNow');

const acts = proxyActivities<Activities>({ ...quickOptions, retry: { ...quickOptions.retry, maximumAttempts: 3 } });
const MAX_ITERATIONS_PER_RUN = 200;

/**
 * One per database: every check_interval it follows renames, unwatches collections whose table was
 * dropped, watches the tables the watch rules match, and makes sure each watched collection has
 * its guardian.
 */
export async function databaseWatcher(input: DatabaseWatcherInput = {}): Promise<void> {
  const ensured = new Set(input.ensured ?? []);
  let wake = false;
  let lastWatched: string[] = [];
  let synced = 0;
  setHandler(syncNowUpdate, async () => {
    const before = synced;
    wake = true;
    await condition(() => synced > before);
    return { watched: lastWatched };
  });

  for (let i = 0; ; i++) {
    let interval = 60;
    try {
      const r = await acts.syncWatchedTables.executeWithOptions({ ...quickOptions, summary: 'watch: follow renames, drops and watch rules' }, []);
      interval = r.check_interval;
      lastWatched = r.watched;
      for (const u of r.unwatched) ensured.delete(u.collection);
      for (const name of r.collections) {
        if (ensured.has(name)) continue;
        try {
          await startChild(collectionGuardian, {
            workflowId: guardianWorkflowId(name),
            args: [{ collection: name }],
            parentClosePolicy: ParentClosePolicy.ABANDON,
            typedSearchAttributes: [{ key: COLLECTION_SA, value: name }],
            staticSummary: `guardian of collection ${name}`,
          });
        } catch (err) {
          // Running already (started by the CLI or an earlier watcher): that is what we wanted.
          if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
        }
        ensured.add(name);
      }
      const news = [
        r.watched.length ? `watched ${r.watched.join(', ')}` : '',
        ...r.renamed.map((x) => `${x.collection}: ${x.from} → ${x.to}`),
        ...r.unwatched.map((x) => `${x.collection} unwatched: ${x.reason}`),
        r.skipped.length ? `not watched: ${r.skipped.map((x) => `${x.table} (${x.reason})`).join('; ')}` : '',
      ].filter(Boolean);
      setCurrentDetails(`**${r.database}**: ${r.collections.length} collections watched${news.length ? ` — last pass: ${news.join('; ')}` : ''}`);
    } catch (err) {
      setCurrentDetails(`the last pass failed: ${err instanceof Error ? err.message : String(err)}`);
    }
    synced++;
    if (workflowInfo().continueAsNewSuggested || i >= MAX_ITERATIONS_PER_RUN) {
      // Now and then every guardian is checked again, so one that ended is started anew.
      await continueAsNew<typeof databaseWatcher>({});
    }
    wake = false;
    await condition(() => wake, interval * 1000, { summary: `next watch pass in ${interval} s` });
  }
}
