import { proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../../activities';
import { mustFinishOptions, quickOptions } from '../activity-options';

/** The attempt's activities: quick steps, and the ones that must finish (cleanup, compensation). */
export const acts = proxyActivities<Activities>(quickOptions);
export const mustFinish = proxyActivities<Activities>(mustFinishOptions);
