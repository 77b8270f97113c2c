import type { Notice } from '../domain/notice';
import { noticeKey } from '../domain/notice';
import type { Queryable } from './queryable';

export type DeliveryStatus = 'sending' | 'posted' | 'refused';

export interface Delivery {
  notice_key: string;
  target: string;
  action_id: number;
  event: Notice['event'];
  collection: string;
  status: DeliveryStatus;
  tries: number;
  last_status: number | null;
  last_error: string | null;
  posted_at: string | null;
}

// The two-key form keeps these apart from selfheal's other advisory locks.
const DELIVERY_LOCK_CLASS = 726_451_017;

/**
 * Taken on the session that posts, for the whole try: two tries of one delivery (an activity timed
 * out while its first try still posts) never post at once. A session lock, not a transaction held
 * open across the POST: a webhook answering slowly must not leave the store idle in transaction
 * (killed by idle_in_transaction_session_timeout, the try would be lost and posted again). False
 * while another try holds it; the lock goes with the session if the worker dies.
 */
export async function tryLockDelivery(db: Queryable, n: Notice, target: string): Promise<boolean> {
  const { rows } = await db.query<{ ok: boolean }>('SELECT pg_try_advisory_lock($1, hashtext($2)) AS ok', [
    DELIVERY_LOCK_CLASS,
    `${noticeKey(n)} ${target}`,
  ]);
  return rows[0]!.ok;
}

export async function unlockDelivery(db: Queryable, n: Notice, target: string): Promise<void> {
  await db.query('SELECT pg_advisory_unlock($1, hashtext($2))', [DELIVERY_LOCK_CLASS, `${noticeKey(n)} ${target}`]);
}

/** Opens (or reopens) the delivery of a notice to one target and counts the try, under tryLockDelivery. */
export async function claimDelivery(db: Queryable, n: Notice, target: string): Promise<DeliveryStatus> {
  const { rows } = await db.query<{ status: DeliveryStatus }>(
    `INSERT INTO ruvector.notifications AS d (notice_key, target, action_id, event, collection, tries)
     VALUES ($1, $2, $3, $4, $5, 1)
     ON CONFLICT (notice_key, target) DO UPDATE
        SET tries = d.tries + CASE WHEN d.status = 'sending' THEN 1 ELSE 0 END
     RETURNING d.status`,
    [noticeKey(n), target, n.action_id, n.event, n.collection],
  );
  return rows[0]!.status;
}

/** Records how the try ended: posted and refused are final, sending is tried again. */
export async function finishDelivery(
  db: Queryable,
  n: Notice,
  target: string,
  r: { status: DeliveryStatus; http_status: number | null; error: string | null },
): Promise<void> {
  await db.query(
    `UPDATE ruvector.notifications
        SET status = $3, last_status = $4, last_error = $5,
            posted_at = CASE WHEN $3 = 'posted' THEN now() ELSE posted_at END
      WHERE notice_key = $1 AND target = $2`,
    [noticeKey(n), target, r.status, r.http_status, r.error],
  );
}

/** Every delivery of an action's notices, oldest first. */
export async function deliveriesOf(db: Queryable, actionId: number): Promise<Delivery[]> {
  const { rows } = await db.query<Delivery>(
    `SELECT notice_key, target, action_id, event, collection, status, tries, last_status, last_error,
            to_char(posted_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS posted_at
       FROM ruvector.notifications WHERE action_id = $1 ORDER BY created_at, notice_key, target`,
    [actionId],
  );
  return rows;
}

/** What the attempt's row knows of its class and strategy: the guardian tells without them. */
export async function attemptFacts(
  db: Queryable,
  actionId: number,
): Promise<{ problem_class: string | null; strategy_name: string | null } | undefined> {
  const { rows } = await db.query<{ problem_class: string | null; strategy_name: string | null }>(
    'SELECT problem_class, strategy_name FROM ruvector.healing_attempts WHERE id = $1',
    [actionId],
  );
  return rows[0];
}
