import { parseWorkerEnv } from '../../src/config/worker-env';
import {
  auditSigner,
  canonicalJson,
  headHmac,
  rowHmac,
  verifyAuditChain,
  type AuditFact,
  type AuditHead,
  type AuditRow,
} from '../../src/postgres/audit-log';
import { allowedBy, finishedFacts, type FinishedAttempt } from '../../src/postgres/attempt-audit';

const signer = auditSigner('unit-test-audit-key-0123456789abcdef');
const key = signer.key!;
const keyId = signer.keyId!;

const fact = (i: number): AuditFact => ({
  actor: i % 2 ? 'alice' : 'guardian',
  event: 'configured',
  collection: 'demo',
  action_id: i,
  strategy: null,
  reversible: null,
  allowed_by: null,
  details: { n: i, nested: { b: 2, a: [1, { y: 0.1 + 0.2, x: null }] } },
});

/** A chain as appendAudit writes it, with its head. */
function chain(n: number): { rows: AuditRow[]; head: AuditHead } {
  let prev = '';
  const rows: AuditRow[] = [];
  for (let i = 1; i <= n; i++) {
    const base = { ...fact(i), at: `2026-01-01T00:00:0${i % 10}.000Z`, key_id: keyId, prev_hmac: prev };
    const hmac = rowHmac(key, base);
    rows.push({ ...base, seq: i, hmac });
    prev = hmac;
  }
  return { rows, head: { seq: n, hmac: prev, head_hmac: headHmac(key, n, prev) } };
}

const verify = (rows: AuditRow[], head: AuditHead | null, anchor?: { seq: number; hmac: string }) =>
  verifyAuditChain(key, keyId, rows, head, anchor);
const first = (v: ReturnType<typeof verify>) => v.problems[0] && { seq: v.problems[0].seq, kind: v.problems[0].kind };

describe('canonical JSON', () => {
  it('is the same text whatever the key order, nested too, and drops what JSON drops', () => {
    expect(canonicalJson({ b: 1, a: { d: [3, { z: 1, y: 2 }], c: undefined } })).toBe(
      '{"a":{"d":[3,{"y":2,"z":1}]},"b":1}',
    );
    expect(canonicalJson({ a: 1, b: 2 })).toBe(canonicalJson({ b: 2, a: 1 }));
    expect(canonicalJson([undefined, null, 'é"'])).toBe('[null,null,"é\\""]');
    expect(canonicalJson(new Date('2026-01-01T00:00:00Z'))).toBe('"2026-01-01T00:00:00.000Z"');
  });

  it('reads back the same from its own parse, so what is stored is what was signed', () => {
    const v = fact(3).details;
    expect(canonicalJson(JSON.parse(canonicalJson(v)))).toBe(canonicalJson(v));
  });
});

describe('the signed chain', () => {
  it('an intact chain verifies: every row signed and in its place, the head counting them all', () => {
    const { rows, head } = chain(6);
    expect(verify(rows, head)).toEqual({
      ok: true,
      rows: 6,
      signed: 6,
      head: { seq: 6, hmac: head.hmac },
      problems: [],
    });
  });

  it('an edited field is found at its row', () => {
    const { rows, head } = chain(6);
    rows[2] = { ...rows[2]!, actor: 'mallory' };
    expect(first(verify(rows, head))).toEqual({ seq: 3, kind: 'edited' });
    const details = chain(6);
    details.rows[4] = { ...details.rows[4]!, details: { ...details.rows[4]!.details, n: 99 } };
    expect(first(verify(details.rows, details.head))).toEqual({ seq: 5, kind: 'edited' });
  });

  it('two rows swapped are authentic but out of place', () => {
    const { rows, head } = chain(6);
    const [third, fourth] = [rows[2]!, rows[3]!];
    rows[2] = { ...fourth, seq: 3 };
    rows[3] = { ...third, seq: 4 };
    const v = verify(rows, head);
    expect(first(v)).toEqual({ seq: 3, kind: 'reordered' });
    expect(v.problems[0]!.message).toBe('row 3 is out of place: it was signed to follow row 4');
  });

  it('a deleted middle row is named, renumbered or not', () => {
    const { rows, head } = chain(6);
    const gap = rows.filter((r) => r.seq !== 3);
    expect(verify(gap, head).problems).toEqual([{ seq: 3, kind: 'deleted', message: 'row 3 is missing: deleted' }]);
    const renumbered = gap.map((r) => (r.seq > 3 ? { ...r, seq: r.seq - 1 } : r));
    expect(first(verify(renumbered, head))).toEqual({ seq: 3, kind: 'deleted' });
  });

  it('a deleted last row shows against the signed head; a head moved back to match is an edited head', () => {
    const { rows, head } = chain(6);
    const cut = rows.slice(0, 5);
    expect(verify(cut, head).problems).toEqual([
      {
        seq: 6,
        kind: 'truncated',
        message: 'row 6, the last, is missing: deleted from the end (the signed head counts 6 rows)',
      },
    ]);
    expect(first(verify(cut, { ...head, seq: 5, hmac: cut[4]!.hmac! }))).toEqual({ seq: 5, kind: 'head' });
    expect(first(verify(cut, null))).toEqual({ seq: 6, kind: 'head' });
  });

  it('a trail cut back to an older state, head and all, passes alone; a head seen before catches it', () => {
    const older = chain(4);
    const later = chain(6);
    // The rows of the first four are the same; the head is the one saved when there were four.
    expect(verify(later.rows.slice(0, 4), older.head).ok).toBe(true);
    const anchor = { seq: 6, hmac: later.head.hmac };
    expect(first(verify(later.rows.slice(0, 4), older.head, anchor))).toEqual({ seq: 6, kind: 'truncated' });
    expect(verify(later.rows, later.head, anchor).ok).toBe(true);
  });

  it('a forged row (a made-up signature) is not authentic; rows of another key and unsigned rows are named', () => {
    const { rows, head } = chain(4);
    const forged: AuditRow = { ...rows[3]!, seq: 5, prev_hmac: rows[3]!.hmac!, hmac: 'ab'.repeat(32), actor: 'x' };
    expect(first(verify([...rows, forged], head))).toEqual({ seq: 5, kind: 'edited' });
    const other = auditSigner('another-key-entirely-0123456789abcdef');
    expect(first(verifyAuditChain(other.key!, other.keyId!, rows, head))).toEqual({ seq: 1, kind: 'other_key' });
    const unsigned: AuditRow = { ...fact(5), seq: 5, at: rows[0]!.at, key_id: null, prev_hmac: head.hmac, hmac: null };
    const v = verify([...rows, unsigned], { seq: 5, hmac: head.hmac, head_hmac: null });
    expect(v.problems.map((p) => p.kind)).toEqual(['unsigned', 'unsigned']);
    expect(v.ok).toBe(false);
  });
});

describe("an attempt's audit facts", () => {
  const a = { id: 7, collection: 'demo', trigger: 'guardian', workflow_id: 'w', run_id: 'r', detected_at: null };
  const done: FinishedAttempt = {
    status: 'Completed',
    problem_class: 'IndexFragmentation',
    strategy_name: 'compact_indexes',
    reason: 'healed',
    compensation: null,
    approval: { decision: 'approved', by: 'alice', at: '2026-01-01T00:00:00.000Z', comment: 'go' },
    selection: { why: 'the only one', rule: 'only' },
    outcome: {
      success: true,
      verified: true,
      actions_taken: 1,
      improvement_pct: 0.4,
      error_message: null,
      initial_lambda: 1.2,
      final_lambda: 2,
      strategy_params: null,
    },
  };

  it('say who allowed the strategy: the rules, a person, a refusal, or the person who ran it', () => {
    expect(allowedBy(a, done)).toBe('approved by alice');
    expect(allowedBy(a, { ...done, approval: null })).toBe('auto');
    expect(allowedBy(a, { ...done, status: 'Deferred', approval: { decision: 'rejected', by: 'bob' } })).toBe(
      'refused',
    );
    expect(allowedBy(a, { ...done, status: 'Deferred', approval: null, reason: 'approval timed out after 60 s' })).toBe(
      'refused',
    );
    expect(allowedBy({ ...a, trigger: 'execute by carol' }, { ...done, approval: null })).toBe(
      'manual (execute by carol)',
    );
    expect(allowedBy(a, { ...done, strategy_name: null })).toBeNull();
    // Aborted while it waited for approval: its strategy never ran, and nobody allowed it to.
    expect(allowedBy(a, { ...done, status: 'Aborted', approval: null, outcome: null })).toBe(
      'not allowed: aborted before it acted',
    );
  });

  it('in order, with the approver and the one who aborted as their actors', () => {
    expect(finishedFacts(a, done, 3).map((f) => [f.event, f.actor])).toEqual([
      ['detected', 'guardian'],
      ['chosen', 'guardian'],
      ['approved', 'alice'],
      ['executed', 'guardian'],
      ['verified', 'guardian'],
      ['completed', 'guardian'],
    ]);
    const aborted = finishedFacts(
      { ...a, trigger: 'manual by dan' },
      {
        ...done,
        status: 'Aborted',
        approval: null,
        reason: 'aborted by erin: too slow during execute',
        compensation: { ran: true, compensated: true, errors: [] },
      },
      3,
    );
    expect(aborted.map((f) => [f.event, f.actor])).toEqual([
      ['detected', 'dan'],
      ['chosen', 'dan'],
      ['executed', 'dan'],
      ['compensated', 'dan'],
      ['aborted', 'erin'],
    ]);
    expect(aborted[1]).toMatchObject({ strategy: 'compact_indexes', reversible: false, allowed_by: 'auto' });
  });
});

describe("the worker environment's audit key", () => {
  const base = { TEMPORAL_ADDRESS: '127.0.0.1:7233', DATABASE_URL: 'postgres://u:p@db:5432/app' };

  it('is required: without it the worker does not start, unless it is told to run unsigned', () => {
    expect(() => parseWorkerEnv(base)).toThrow(/SELFHEAL_AUDIT_KEY: not set: the audit trail is signed with it/);
    expect(parseWorkerEnv({ ...base, SELFHEAL_AUDIT_UNSIGNED: 'true' })).toMatchObject({
      SELFHEAL_AUDIT_UNSIGNED: true,
    });
    expect(() => parseWorkerEnv({ ...base, SELFHEAL_AUDIT_KEY: 'short' })).toThrow(
      /SELFHEAL_AUDIT_KEY: at least 32 characters/,
    );
    expect(parseWorkerEnv({ ...base, SELFHEAL_AUDIT_KEY: 'k'.repeat(32) }).SELFHEAL_AUDIT_KEY).toBe('k'.repeat(32));
  });
});
