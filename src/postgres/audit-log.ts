import { createHmac, timingSafeEqual } from 'node:crypto';
import { withTransaction, type Pool } from './pool';
import type { Queryable } from './queryable';

/**
 * The signed audit trail (ruvector.audit_log, migration 16). Each row's hmac is
 * HMAC-SHA256(key, canonical(content) || prev_hmac), where prev_hmac is the hmac of the row before
 * it ('' for the first) and canonical() is JSON with keys sorted and no spaces, so the same content
 * always gives the same bytes, whatever order PostgreSQL's jsonb hands keys back in. The row's
 * number (seq) is not signed: its place is, through prev_hmac, which is what makes a swapped or
 * missing row show. ruvector.audit_head keeps the last seq and hmac, signed as well: a deleted last
 * row leaves the head pointing past the end.
 */

export const AUDIT_EVENTS = [
  'started',
  'detected',
  'chosen',
  'approved',
  'rejected',
  'executed',
  'verified',
  'not_verified',
  'compensated',
  'completed',
  'deferred',
  'no_strategy',
  'dry_run',
  'failed',
  'aborted',
  'rolled_back',
  'configured',
  'sql_command',
  'feedback',
  'paused',
  'resumed',
  'watched',
  'renamed',
  'unwatched',
  'rule_added',
  'rule_removed',
] as const;
export type AuditEvent = (typeof AUDIT_EVENTS)[number];

/** The signing key, or none: rows are then written unsigned, and `audit verify` reports each one. */
export interface AuditSigner {
  readonly key: Buffer | null;
  /** A digest of the key (never the key): says which key signed a row, so a wrong key is named as such. */
  readonly keyId: string | null;
}

export const UNSIGNED_AUDIT: AuditSigner = { key: null, keyId: null };

/** Who a change is by and the key that signs its audit row: what each recording function is given. */
export interface AuditedBy {
  signer: AuditSigner;
  by: string;
}

/** The least a key may be: 32 characters, e.g. `openssl rand -hex 32` (64). */
export const AUDIT_KEY_MIN_LENGTH = 32;

export function auditSigner(secret: string | null | undefined): AuditSigner {
  if (!secret) return UNSIGNED_AUDIT;
  if (secret.length < AUDIT_KEY_MIN_LENGTH)
    throw new Error(`the audit key is at least ${AUDIT_KEY_MIN_LENGTH} characters (e.g. \`openssl rand -hex 32\`)`);
  const key = Buffer.from(secret, 'utf8');
  return { key, keyId: createHmac('sha256', key).update('selfheal audit key id').digest('hex').slice(0, 16) };
}

/** JSON with object keys sorted (by code unit) and undefined dropped, as JSON.stringify would drop it. */
export function canonicalJson(v: unknown): string {
  if (v !== null && typeof v === 'object' && typeof (v as { toJSON?: unknown }).toJSON === 'function')
    return canonicalJson((v as { toJSON: () => unknown }).toJSON());
  if (Array.isArray(v)) return `[${v.map((x) => canonicalJson(x === undefined ? null : x)).join(',')}]`;
  if (v !== null && typeof v === 'object') {
    const entries = Object.entries(v as Record<string, unknown>)
      .filter(([, x]) => x !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, x]) => `${JSON.stringify(k)}:${canonicalJson(x)}`).join(',')}}`;
  }
  return JSON.stringify(v ?? null);
}

/** What one append records; the trail adds when, its place and its signature. */
export interface AuditFact {
  actor: string;
  event: AuditEvent;
  collection: string | null;
  action_id: number | null;
  strategy: string | null;
  reversible: boolean | null;
  allowed_by: string | null;
  details: Record<string, unknown>;
}

export interface AuditRow extends AuditFact {
  seq: number;
  /** ISO, milliseconds, UTC: exactly what was signed. */
  at: string;
  key_id: string | null;
  prev_hmac: string;
  hmac: string | null;
}

function signedContent(r: Omit<AuditRow, 'seq' | 'prev_hmac' | 'hmac'>): string {
  return canonicalJson({
    at: r.at,
    actor: r.actor,
    event: r.event,
    collection: r.collection,
    action_id: r.action_id,
    strategy: r.strategy,
    reversible: r.reversible,
    allowed_by: r.allowed_by,
    details: r.details,
    key_id: r.key_id,
  });
}

function hmacOf(key: Buffer, text: string): string {
  return createHmac('sha256', key).update(text, 'utf8').digest('hex');
}

export function rowHmac(key: Buffer, r: Omit<AuditRow, 'seq' | 'hmac'>): string {
  return hmacOf(key, signedContent(r) + r.prev_hmac);
}

export function headHmac(key: Buffer, seq: number, hmac: string): string {
  return hmacOf(key, canonicalJson({ head: seq, hmac }));
}

/**
 * Appends facts to the trail in the caller's transaction: the head row is locked until it commits,
 * so appends from any number of workers are serialized and the chain never forks, and a fact that
 * rolls back takes its audit rows with it. Call it last in the transaction: the head is the lock
 * every recording transaction shares, so it should be held only for the commit.
 */
export async function appendAudit(tx: Queryable, signer: AuditSigner, facts: readonly AuditFact[]): Promise<void> {
  if (facts.length === 0) return;
  const head = (
    await tx.query<{ seq: number; hmac: string; now: string }>(
      `SELECT seq, hmac, to_char(clock_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS now
         FROM ruvector.audit_head FOR UPDATE`,
    )
  ).rows[0];
  if (!head) throw new Error('ruvector.audit_head has no row: the audit trail cannot be appended to');
  let seq = head.seq;
  let prev = head.hmac;
  const rows: AuditRow[] = facts.map((f) => {
    // Stored as its canonical text, so what is read back is what was signed.
    const details = JSON.parse(canonicalJson(f.details)) as Record<string, unknown>;
    const base = { ...f, details, at: head.now, key_id: signer.keyId, prev_hmac: prev };
    const hmac = signer.key ? rowHmac(signer.key, base) : null;
    if (hmac) prev = hmac;
    return { ...base, seq: ++seq, hmac };
  });
  await tx.query(
    `INSERT INTO ruvector.audit_log (seq, at, actor, event, collection, action_id, strategy, reversible, allowed_by,
       details, key_id, prev_hmac, hmac)
     SELECT seq, at, actor, event, collection, action_id, strategy, reversible, allowed_by, details, key_id, prev_hmac,
            hmac
       FROM jsonb_to_recordset($1::jsonb) AS x(seq bigint, at timestamptz, actor text, event text, collection text,
            action_id bigint, strategy text, reversible bool, allowed_by text, details jsonb, key_id text,
            prev_hmac text, hmac text)`,
    [JSON.stringify(rows)],
  );
  // Unsigned rows leave the last signature as the chain's, and the head unsigned until a key signs it.
  await tx.query('UPDATE ruvector.audit_head SET seq = $1, hmac = $2, head_hmac = $3, updated_at = now()', [
    seq,
    prev,
    signer.key ? headHmac(signer.key, seq, prev) : null,
  ]);
}

/** appendAudit in a transaction of its own, for a fact no other write of the store goes with. */
export async function appendAuditNow(pool: Pool, signer: AuditSigner, facts: readonly AuditFact[]): Promise<void> {
  await withTransaction(pool, (tx) => appendAudit(tx, signer, facts));
}

const ROW_COLUMNS = `seq, to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS at, actor, event,
       collection, action_id, strategy, reversible, allowed_by, details, key_id, prev_hmac, hmac`;

/** The trail, oldest first, narrowed to rows since a time or of one action. */
export async function readAudit(
  db: Queryable,
  opts: { since?: Date; action_id?: number; limit?: number } = {},
): Promise<AuditRow[]> {
  const { rows } = await db.query<AuditRow>(
    `SELECT ${ROW_COLUMNS} FROM ruvector.audit_log
      WHERE ($1::timestamptz IS NULL OR at >= $1) AND ($2::bigint IS NULL OR action_id = $2)
      ORDER BY seq LIMIT $3`,
    [opts.since ?? null, opts.action_id ?? null, opts.limit ?? 1_000_000],
  );
  return rows;
}

export interface AuditHead {
  seq: number;
  hmac: string;
  head_hmac: string | null;
}

export type AuditProblemKind = 'edited' | 'reordered' | 'deleted' | 'truncated' | 'unsigned' | 'other_key' | 'head';

export interface AuditProblem {
  /** The row it was found at (for a deleted row, the first one missing). */
  seq: number;
  kind: AuditProblemKind;
  message: string;
}

export interface AuditVerification {
  ok: boolean;
  rows: number;
  signed: number;
  head: { seq: number; hmac: string };
  /** Every problem, in the order of the rows; the first is what `audit verify` leads with. */
  problems: AuditProblem[];
}

function sameHex(a: string, b: string): boolean {
  const x = Buffer.from(a, 'hex');
  const y = Buffer.from(b, 'hex');
  return x.length === y.length && x.length > 0 && timingSafeEqual(x, y);
}

/**
 * Walks the chain and says where it is broken. Each row is checked on its own (does its signature
 * cover its content and the prev_hmac it records?) and in its place (is that prev_hmac the
 * signature of the row before it?): a row that is authentic but out of place was moved; one whose
 * signature does not cover it was edited; a gap in the numbers, or a row linked to a row that is
 * not there, is a deletion; a head past the last row is a deletion at the end. `anchor` is a head
 * seen before (`seq:hmac`, e.g. printed by an earlier verify): a trail cut back to an older state,
 * head and all, still has to contain it.
 */
export function verifyAuditChain(
  key: Buffer,
  keyId: string,
  rows: readonly AuditRow[],
  head: AuditHead | null,
  anchor?: { seq: number; hmac: string },
): AuditVerification {
  const problems: AuditProblem[] = [];
  const bySignature = new Map<string, number>();
  for (const r of rows) if (r.hmac) bySignature.set(r.hmac, r.seq);
  let prev = '';
  let lastSeq = 0;
  let signed = 0;
  for (const r of rows) {
    const gap = r.seq !== lastSeq + 1;
    if (gap) {
      problems.push({
        seq: lastSeq + 1,
        kind: 'deleted',
        message:
          r.seq === lastSeq + 2
            ? `row ${lastSeq + 1} is missing: deleted`
            : `rows ${lastSeq + 1} to ${r.seq - 1} are missing: deleted`,
      });
    }
    lastSeq = r.seq;
    if (r.hmac === null) {
      problems.push({
        seq: r.seq,
        kind: 'unsigned',
        message: `row ${r.seq} is unsigned: written without SELFHEAL_AUDIT_KEY, so nothing vouches for it`,
      });
      continue;
    }
    if (r.key_id !== keyId) {
      problems.push({
        seq: r.seq,
        kind: 'other_key',
        message: `row ${r.seq} is signed with another key (id ${r.key_id ?? 'none'}, this key is ${keyId})`,
      });
      prev = r.hmac;
      continue;
    }
    if (!sameHex(rowHmac(key, r), r.hmac)) {
      problems.push({
        seq: r.seq,
        kind: 'edited',
        message: `row ${r.seq} was edited: its signature does not cover what it holds now`,
      });
    } else {
      signed++;
      if (r.prev_hmac !== prev) {
        const after = bySignature.get(r.prev_hmac);
        if (after !== undefined && after !== r.seq)
          problems.push({
            seq: r.seq,
            kind: 'reordered',
            message: `row ${r.seq} is out of place: it was signed to follow row ${after}`,
          });
        else if (!gap)
          problems.push({
            seq: r.seq,
            kind: 'deleted',
            message:
              `row ${r.seq} was signed to follow a row that is not there: a row before it was deleted ` +
              `(and the rows renumbered)`,
          });
      }
    }
    prev = r.hmac;
  }
  if (!head) {
    problems.push({ seq: lastSeq + 1, kind: 'head', message: 'ruvector.audit_head is missing: it was deleted' });
  } else {
    if (head.head_hmac === null) {
      if (head.seq > 0)
        problems.push({
          seq: head.seq,
          kind: 'unsigned',
          message: 'the chain head is unsigned: the last append was made without SELFHEAL_AUDIT_KEY',
        });
    } else if (!sameHex(headHmac(key, head.seq, head.hmac), head.head_hmac)) {
      problems.push({
        seq: head.seq,
        kind: 'head',
        message: 'the chain head was edited: its signature does not match',
      });
    }
    if (head.seq > lastSeq)
      problems.push({
        seq: lastSeq + 1,
        kind: 'truncated',
        message:
          head.seq === lastSeq + 1
            ? `row ${head.seq}, the last, is missing: deleted from the end (the signed head counts ${head.seq} rows)`
            : `rows ${lastSeq + 1} to ${head.seq} are missing: deleted from the end (the signed head counts ` +
              `${head.seq} rows)`,
      });
    else if (head.seq < lastSeq)
      problems.push({
        seq: head.seq + 1,
        kind: 'head',
        message: `rows after ${head.seq} are not counted by the chain head: added without it`,
      });
    else if (head.hmac !== prev)
      problems.push({
        seq: head.seq,
        kind: 'head',
        message: `the chain head does not hold row ${head.seq}'s signature: the last row was replaced`,
      });
  }
  if (anchor) {
    const at = rows.find((r) => r.seq === anchor.seq);
    if (!at || at.hmac !== anchor.hmac)
      problems.push({
        seq: anchor.seq,
        kind: 'truncated',
        message:
          `row ${anchor.seq}, as seen before (${anchor.hmac.slice(0, 12)}…), is ` +
          `${at ? 'not the row there now' : 'gone'}: the trail was cut back or replaced since`,
      });
  }
  problems.sort((a, b) => a.seq - b.seq);
  return {
    ok: problems.length === 0,
    rows: rows.length,
    signed,
    head: { seq: head?.seq ?? 0, hmac: head?.hmac ?? '' },
    problems,
  };
}

export async function readAuditHead(db: Queryable): Promise<AuditHead | null> {
  const { rows } = await db.query<AuditHead>('SELECT seq, hmac, head_hmac FROM ruvector.audit_head');
  return rows[0] ?? null;
}
