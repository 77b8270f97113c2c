import { ApplicationFailure } from '@temporalio/common';
import { createHash } from 'node:crypto';
import { genericNoticeBody, noticeKey, noticeSchema, slackNoticeBody, type Notice } from '../src/domain/notice';
import { temporalUiLink } from '../src/domain/ui-link';
import {
  attemptFacts,
  claimDelivery,
  finishDelivery,
  tryLockDelivery,
  unlockDelivery,
  type DeliveryStatus,
} from '../src/postgres/notifications';
import type { Pool } from '../src/postgres/pool';
import { classified } from './activity-errors';

/** Where a person is told, from the worker's environment (never from a workflow: the URLs carry secrets). */
export interface NotifyTargets {
  /** Generic JSON webhooks (SELFHEAL_WEBHOOK_URLS). */
  webhooks: string[];
  /** Slack-compatible incoming webhooks (SELFHEAL_SLACK_WEBHOOK_URLS). */
  slack: string[];
  /** The Temporal UI, for the link to the attempt (SELFHEAL_UI_URL). */
  uiUrl: string | null;
  namespace: string;
  /** Each POST's bound; the activity's retry policy spaces the tries. */
  timeoutMs?: number;
}

export const NO_NOTIFY_TARGETS: NotifyTargets = { webhooks: [], slack: [], uiUrl: null, namespace: 'default' };

export interface NoticeDelivery {
  key: string;
  /** Target names (kind:host:hash) posted by this try, posted before it, or refused for good. */
  posted: string[];
  already: string[];
  refused: string[];
}

type Kind = 'webhook' | 'slack';

const DEFAULT_TIMEOUT_MS = 10_000;

/** kind:host:hash, so the store and the logs tell targets apart without holding their secret paths. */
export function targetName(kind: Kind, url: string): string {
  const hash = createHash('sha256').update(url).digest('hex').slice(0, 12);
  let host = 'invalid-url';
  try {
    host = new URL(url).host;
  } catch {
    // The environment schema refuses bad URLs; a test may still hand one in.
  }
  return `${kind}:${host}:${hash}`;
}

type Posted = { status: DeliveryStatus; http_status: number | null; error: string | null };

/**
 * One POST. 2xx is delivered; 408, 425, 429, 5xx and network errors are worth another try; any
 * other answer (a 404 for a deleted hook, a 3xx) will not change by retrying, so the target is
 * given up and recorded as refused.
 */
async function postJson(url: string, body: string, key: string, timeoutMs: number): Promise<Posted> {
  try {
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'idempotency-key': key, 'user-agent': 'selfheal' },
      body,
      redirect: 'manual',
      signal: AbortSignal.timeout(timeoutMs),
    });
    const text = res.ok ? '' : (await res.text().catch(() => '')).slice(0, 200);
    if (res.ok) return { status: 'posted', http_status: res.status, error: null };
    const again = res.status >= 500 || [408, 425, 429].includes(res.status);
    return {
      status: again ? 'sending' : 'refused',
      http_status: res.status,
      error: `answered ${res.status}${text ? `: ${text}` : ''}`,
    };
  } catch (err) {
    return { status: 'sending', http_status: null, error: err instanceof Error ? err.message : String(err) };
  }
}

/**
 * Posts a notice to every configured target, each once: a target already delivered (an earlier
 * try, a replayed or repeated request) is skipped. Fails retryably while some target still fails,
 * so the workflow's retry policy tries again with backoff.
 */
export function createNotificationActivities(pool: Pool, targets: NotifyTargets) {
  const list: { kind: Kind; url: string; name: string }[] = [
    ...targets.webhooks.map((url) => ({ kind: 'webhook' as const, url, name: targetName('webhook', url) })),
    ...targets.slack.map((url) => ({ kind: 'slack' as const, url, name: targetName('slack', url) })),
  ];
  return {
    async postNotification(raw: Notice): Promise<NoticeDelivery> {
      return classified(async () => {
        const given = noticeSchema.parse(raw);
        const key = noticeKey(given);
        const out: NoticeDelivery = { key, posted: [], already: [], refused: [] };
        if (list.length === 0) return out;
        const facts = given.problem_class && given.strategy ? undefined : await attemptFacts(pool, given.action_id);
        const n: Notice = {
          ...given,
          problem_class: given.problem_class ?? facts?.problem_class ?? null,
          strategy: given.strategy ?? facts?.strategy_name ?? null,
        };
        const link = temporalUiLink(targets.uiUrl, targets.namespace, n.workflow_id, n.run_id);
        const bodies: Record<Kind, string> = {
          webhook: JSON.stringify(genericNoticeBody(n, link)),
          slack: JSON.stringify(slackNoticeBody(n, link)),
        };
        const failing: string[] = [];
        await Promise.all(
          list.map(async (t) => {
            const c = await pool.connect();
            let locked = false;
            let broken: Error | undefined;
            // The session lost while the POST waits (a restart, a failover) fails this try; an error nobody
            // listens for would crash the worker.
            const lost = (err: Error): void => void (broken ??= err);
            c.on('error', lost);
            try {
              locked = await tryLockDelivery(c, n, t.name);
              // Another try posts it right now: this one is retried, and then finds how that one ended.
              if (!locked) {
                failing.push(`${t.name} being posted by another try`);
                return;
              }
              // Each statement commits at once: nothing stays open in the store while the POST waits.
              const before = await claimDelivery(c, n, t.name);
              if (before !== 'sending') {
                (before === 'posted' ? out.already : out.refused).push(t.name);
                return;
              }
              const r = await postJson(t.url, bodies[t.kind], key, targets.timeoutMs ?? DEFAULT_TIMEOUT_MS);
              await finishDelivery(c, n, t.name, r);
              if (r.status === 'posted') out.posted.push(t.name);
              else if (r.status === 'refused') out.refused.push(t.name);
              else failing.push(`${t.name} ${r.error ?? 'failed'}`);
            } catch (err) {
              broken = err as Error;
              throw err;
            } finally {
              if (locked && !broken) await unlockDelivery(c, n, t.name).catch((err: Error) => (broken = err));
              c.removeListener('error', lost);
              // A session that failed midway may still hold the lock: it is closed, not pooled.
              c.release(broken);
            }
          }),
        );
        if (failing.length)
          throw ApplicationFailure.create({
            type: 'WebhookFailed',
            message: `notice ${key} not delivered to ${failing.join('; ')}`,
            nonRetryable: false,
          });
        return out;
      });
    },
  };
}
