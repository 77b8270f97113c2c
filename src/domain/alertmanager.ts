import { z } from 'zod';

const labels = z.record(z.string(), z.string());

/** One alert of Alertmanager's webhook (version 4); fields it may add later are kept, not refused. */
export const alertSchema = z.object({
  status: z.enum(['firing', 'resolved']),
  labels,
  annotations: labels.default({}),
  startsAt: z.string().datetime({ offset: true }),
  // Alertmanager sends the zero time for an alert with no end yet.
  endsAt: z.string().min(1),
  generatorURL: z.string().default(''),
  fingerprint: z.string().default(''),
});
export type Alert = z.infer<typeof alertSchema>;

/** Alertmanager's webhook payload, version "4": what its webhook receiver sends. */
export const alertmanagerPayloadSchema = z.object({
  version: z.literal('4'),
  groupKey: z.string(),
  truncatedAlerts: z.number().int().min(0).optional(),
  status: z.enum(['firing', 'resolved']),
  receiver: z.string(),
  groupLabels: labels,
  commonLabels: labels,
  commonAnnotations: labels.default({}),
  externalURL: z.string(),
  alerts: z.array(alertSchema).max(1000),
});
export type AlertmanagerPayload = z.infer<typeof alertmanagerPayloadSchema>;

/** The label that names the collection an alert is about. */
export const COLLECTION_LABEL = 'collection';

/** An attempt's trigger is at most this long (the store's and the attempt's bound). */
const MAX_TRIGGER = 100;

/** How an attempt an alert asked for is recorded: `alertmanager: <alertname>`. */
export function alertTrigger(alertname: string): string {
  const t = `alertmanager: ${alertname || 'unnamed alert'}`;
  return t.length <= MAX_TRIGGER ? t : `${t.slice(0, MAX_TRIGGER - 1)}…`;
}

export interface AlertAsk {
  collection: string;
  alertname: string;
  trigger: string;
}

/**
 * What a payload asks for: one attempt per collection named by a firing alert (several alerts on
 * one collection make one request, the first one's name recorded); the rest is ignored, and says
 * why. A resolved alert asks for nothing: the fault is gone.
 */
export function alertAsks(p: AlertmanagerPayload): { asks: AlertAsk[]; ignored: { alertname: string; why: string }[] } {
  const asks = new Map<string, AlertAsk>();
  const ignored: { alertname: string; why: string }[] = [];
  for (const a of p.alerts) {
    const alertname = a.labels.alertname ?? '';
    const collection = a.labels[COLLECTION_LABEL];
    if (a.status !== 'firing') ignored.push({ alertname, why: 'resolved' });
    else if (!collection) ignored.push({ alertname, why: `no "${COLLECTION_LABEL}" label` });
    else if (asks.has(collection)) ignored.push({ alertname, why: `${collection} is asked for already` });
    else asks.set(collection, { collection, alertname, trigger: alertTrigger(alertname) });
  }
  return { asks: [...asks.values()], ignored };
}
