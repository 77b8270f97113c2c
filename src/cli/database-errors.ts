import { sqlstateOf } from '../postgres/sqlstate';
import { STORE_TABLES } from '../postgres/store-tables';

/** Exit codes the advice picks from (main.ts EXIT). */
const FAILURE = 1;
const BAD_INPUT = 2;
const NOT_FOUND = 3;
const REFUSED = 5;

export interface Advice {
  message: string;
  code: number;
}

const RUNNING = 'is selfheal running (`npm start`)? Otherwise check DATABASE_URL';

/** What to do when DATABASE_URL's role may not use selfheal's store: use the role the README says to. */
function storeRole(what: string): string {
  return (
    `${what} is selfheal's own store: the CLI connects as the role selfheal runs as, which owns schema ruvector ` +
    "(deploy/sql/selfheal-role.sql creates it, see the README's Least privilege): set DATABASE_URL to that role. " +
    'A person who should only read or decide calls the SQL functions instead, granted by ' +
    'deploy/sql/selfheal-operators.sql (README, SQL interface)'
  );
}

/**
 * A PostgreSQL failure as a person can act on it: what went wrong and what to do, instead of the
 * driver's words. From a pg error (SQLSTATE `code`), a network error reaching the server, or an
 * activity's failure that carried a SQLSTATE (type `PgError:<code>`). Null when it is none of those.
 */
export function adviseDatabaseError(err: unknown): Advice | null {
  const net = networkError(err);
  if (net) {
    const where = net.address ? ` at ${net.address}${net.port ? `:${net.port}` : ''}` : '';
    if (net.code === 'ECONNREFUSED')
      return { message: `cannot reach PostgreSQL${where} (connection refused): ${RUNNING}`, code: FAILURE };
    if (net.code === 'ENOTFOUND' || net.code === 'EAI_AGAIN')
      return {
        message: `cannot resolve the PostgreSQL host${where ? ` ${net.address}` : ''}: check the host in DATABASE_URL`,
        code: FAILURE,
      };
    return { message: `cannot reach PostgreSQL${where} (${net.code}): ${RUNNING}`, code: FAILURE };
  }
  const pg = sqlstateError(err);
  if (!pg) return null;
  const { code, message } = pg;
  const said = `PostgreSQL: ${message}`;
  switch (code) {
    case '28P01':
    case '28000':
      return { message: `${said} — it refused the login: check the user and password in DATABASE_URL`, code: FAILURE };
    case '3D000':
      return { message: `${said} — check the database name in DATABASE_URL`, code: FAILURE };
    case '42501':
      return { message: `${said} — ${missingRight(message)}`, code: REFUSED };
    case '42P01':
      return { message: `${said} — ${missingTable(message)}`, code: NOT_FOUND };
    case '42703':
      return {
        message:
          `${said} — the collection's table does not have the columns this needs: check the collection ` +
          `(\`selfheal status\`)`,
        code: BAD_INPUT,
      };
    case '53300':
    case '53400':
      return {
        message:
          `${said} — the server has no free connection slot: try again shortly, or close idle sessions or ` +
          `raise max_connections`,
        code: FAILURE,
      };
    case '57P01':
    case '57P02':
    case '57P03':
      return {
        message: `${said} — the server is shutting down, restarting or starting up: try again in a moment`,
        code: FAILURE,
      };
    case '25006':
      return {
        message: `${said} — this server is read-only (a standby?): point DATABASE_URL at the primary`,
        code: FAILURE,
      };
    case '55P03':
    case '57014':
    case '40001':
    case '40P01':
      return { message: `${said} — it gave up waiting for another session: try again`, code: FAILURE };
  }
  // Data exceptions: a value that should have been refused before it reached the server.
  if (code.startsWith('22')) return { message: `${said} — a value was refused: check what was typed`, code: BAD_INPUT };
  if (code.startsWith('08'))
    return { message: `${said} — the connection to PostgreSQL failed: ${RUNNING}`, code: FAILURE };
  return { message: `${said} (SQLSTATE ${code})`, code: FAILURE };
}

function missingRight(message: string): string {
  const role = 'the role in DATABASE_URL';
  const m = /permission denied for (table|relation|view|sequence|schema|function|database) "?([^"\s]+)"?/i.exec(
    message,
  );
  if (m) {
    const [, kind, name] = m as unknown as [string, string, string];
    const k = kind.toLowerCase();
    // PostgreSQL names the table without its schema; selfheal's own are in ruvector.
    if (k === 'schema' && name === 'ruvector') return storeRole('schema ruvector');
    if ((k === 'table' || k === 'relation') && (STORE_TABLES.has(name) || name.startsWith('ruvector.')))
      return storeRole(`table ${name.startsWith('ruvector.') ? name : `ruvector.${name}`}`);
    switch (k) {
      case 'schema':
        return (
          `${role} lacks USAGE on schema ${name}: GRANT USAGE ON SCHEMA ${name} TO it ` +
          `(CREATE too, for selfheal's own schema)`
        );
      case 'function':
        return (
          `${role} may not call ${name}: GRANT EXECUTE ON FUNCTION ${name} TO it (for pgstatindex, ` +
          `membership in pg_stat_scan_tables)`
        );
      case 'database':
        return (
          `${role} lacks a right on database ${name}: GRANT CONNECT (and CREATE, for migrations) ON DATABASE ` +
          `${name} TO it`
        );
      case 'sequence':
        return `${role} may not use sequence ${name}: GRANT USAGE ON SEQUENCE ${name} TO it`;
      default:
        // Only the worker's strategies change a user's table, with the rights the README lists.
        return (
          `${role} may not read ${kind.toLowerCase()} ${name}: GRANT SELECT ON ${name} TO it (qualified with its ` +
          `schema); what selfheal's strategies change needs the rights in the README's Least privilege`
        );
    }
  }
  const owner = /must be (?:the )?owner of (?:table|relation|index) "?([^"\s]+)"?/i.exec(message);
  if (owner)
    return (
      `only the owner of ${owner[1]} (or a superuser) may do that: connect as its owner, or GRANT the ` +
      `owner role to ${role}`
    );
  if (/superuser/i.test(message)) return `${role} needs superuser, or the predefined role the message names`;
  return `${role} lacks the right named there: grant it, or connect as a role that has it`;
}

function missingTable(message: string): string {
  const name = /relation "([^"]+)" does not exist/.exec(message)?.[1];
  if (name?.startsWith('ruvector.')) {
    return (
      `selfheal's own table ${name} is missing: run \`selfheal migrate\` (the worker applies migrations at ` +
      `start), and check that DATABASE_URL names the database selfheal runs on`
    );
  }
  return (
    `${name ? `table ${name}` : 'the table'} does not exist: if it is a collection's table it was dropped; ` +
    `\`selfheal list --all\` shows what is watched, \`selfheal watch <schema.table>\` watches it again`
  );
}

function networkError(err: unknown): { code: string; address?: string; port?: number } | null {
  const e = err as { code?: unknown; address?: unknown; port?: unknown; errors?: unknown[] } | null;
  if (!e || typeof e !== 'object') return null;
  const codes = ['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN'];
  if (typeof e.code === 'string' && codes.includes(e.code)) {
    // Several addresses tried (localhost: ::1 and 127.0.0.1): the first one says where.
    const inner = Array.isArray(e.errors)
      ? (e.errors[0] as { address?: unknown; port?: unknown } | undefined)
      : undefined;
    const address =
      typeof e.address === 'string' ? e.address : typeof inner?.address === 'string' ? inner.address : undefined;
    const port = typeof e.port === 'number' ? e.port : typeof inner?.port === 'number' ? inner.port : undefined;
    return { code: e.code, ...(address ? { address } : {}), ...(port ? { port } : {}) };
  }
  return null;
}

/** A pg error, or an activity failure (anywhere in a Temporal cause chain) that carried its SQLSTATE. */
function sqlstateError(err: unknown): { code: string; message: string } | null {
  for (
    let e: unknown = err, depth = 0;
    e instanceof Error && depth < 6;
    e = (e as { cause?: unknown }).cause, depth++
  ) {
    const code = sqlstateOf(e);
    // A pg error's code is a SQLSTATE; Node's own errors (ECONNREFUSED) are handled above.
    if (code && (e as { severity?: unknown }).severity !== undefined) return { code, message: e.message };
    const type = (e as { type?: unknown }).type;
    if (typeof type === 'string' && /^PgError:[0-9A-Z]{5}$/.test(type)) {
      return { code: type.slice('PgError:'.length), message: e.message.replace(/ \(SQLSTATE [0-9A-Z]{5}\)$/, '') };
    }
  }
  return null;
}
