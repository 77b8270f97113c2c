import { auditSigner, readAudit, readAuditHead, verifyAuditChain } from '../../postgres/audit-log';
import { actionIdSchema } from '../action-id';
import { onlyFlags, type ParsedArgs, UsageError } from '../args';
import type { CommandResult } from '../command';
import { parseSince, parseWholeNumber } from '../durations';
import type { SystemHandles } from '../system-connection';
import { counted } from '../../domain/counted';

const USAGE =
  'usage: selfheal audit [--since 24h|ISO] [--action id] [--limit n] [--json]\n' +
  '       selfheal audit verify [--head seq:hmac] [--json]';

/**
 * `selfheal audit`: the signed trail, oldest first (every fact the store recorded, who and what
 * allowed it). `selfheal audit verify`: walks the whole chain with SELFHEAL_AUDIT_KEY and names the
 * first row edited, moved or deleted; exit 1 when the chain is broken. It writes nothing.
 */
export async function auditCommand(
  args: ParsedArgs,
  sys: SystemHandles,
  out: (l: string) => void,
): Promise<CommandResult> {
  if (args.positionals[0] === 'verify') return verify(args, sys, out);
  onlyFlags(args, ['json', 'since', 'action', 'limit']);
  if (args.positionals.length) throw new UsageError(USAGE);
  const since = args.flags.since === undefined ? undefined : parseSince(String(args.flags.since));
  const action = args.flags.action === undefined ? undefined : actionIdSchema.parse(String(args.flags.action));
  const limit = args.flags.limit === undefined ? 1000 : parseWholeNumber('limit', String(args.flags.limit), 1, 100_000);
  // A valid id beyond 2^53 names no action: nothing to list.
  const rows =
    action?.id === null
      ? []
      : await readAudit(await sys.pool(), {
          ...(since ? { since } : {}),
          ...(action?.id ? { action_id: action.id } : {}),
          limit,
        });
  if (rows.length === 0)
    out(
      'no audit rows' + (since ? ` since ${since.toISOString()}` : '') + (action ? ` for action ${action.text}` : ''),
    );
  for (const r of rows) {
    const what = [
      r.collection,
      r.action_id === null ? null : `action ${r.action_id}`,
      r.strategy === null ? null : `${r.strategy}${r.reversible === false ? ' (irreversible)' : ''}`,
      r.allowed_by === null ? null : `allowed: ${r.allowed_by}`,
    ].filter(Boolean);
    const of = what.length ? `: ${what.join(', ')}` : '';
    out(`#${r.seq} ${r.at} ${r.event} by ${r.actor}${of}${r.hmac ? '' : ' [UNSIGNED]'}`);
  }
  return { data: rows, exitCode: 0 };
}

async function verify(args: ParsedArgs, sys: SystemHandles, out: (l: string) => void): Promise<CommandResult> {
  onlyFlags(args, ['json', 'head']);
  if (args.positionals.length !== 1) throw new UsageError(USAGE);
  let anchor: { seq: number; hmac: string } | undefined;
  if (args.flags.head !== undefined) {
    const m = /^([1-9][0-9]{0,15}):([0-9a-f]{64})$/.exec(String(args.flags.head));
    if (!m) throw new UsageError(`--head takes seq:hmac as an earlier verify printed it, not "${args.flags.head}"`);
    anchor = { seq: Number(m[1]), hmac: m[2]! };
  }
  if (!sys.settings.auditKey)
    throw new UsageError('selfheal audit verify needs the key the trail is signed with: set SELFHEAL_AUDIT_KEY');
  const signer = auditSigner(sys.settings.auditKey);
  const pool = await sys.pool();
  // One snapshot: rows appended while it reads do not look like a head that runs ahead.
  const c = await pool.connect();
  let rows, head;
  try {
    await c.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    rows = await readAudit(c);
    head = await readAuditHead(c);
    await c.query('COMMIT');
  } finally {
    c.release();
  }
  const report = verifyAuditChain(signer.key!, signer.keyId!, rows, head, anchor);
  const first = report.problems[0];
  if (first) {
    out(`audit trail BROKEN at row ${first.seq}: ${first.message}`);
    for (const p of report.problems.slice(1)) out(`  also row ${p.seq}: ${p.message}`);
  } else {
    out(`audit trail intact: ${counted(report.rows, 'row')}, every one signed and in its place`);
  }
  // Kept somewhere else, the head proves later that the trail was not cut back to an older state.
  out(`head: ${report.head.seq}:${report.head.hmac}`);
  return { data: report, exitCode: report.ok ? 0 : 1 };
}
