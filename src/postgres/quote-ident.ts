import { QUOTED_KEYWORDS } from './sql-keywords';

/**
 * The one place identifiers become SQL text. Values always go as parameters; names cannot, so
 * they are double-quoted here with embedded quotes doubled, as PostgreSQL's quote_ident does.
 */
export function quoteIdent(name: string): string {
  if (name.length === 0) throw new Error('an SQL identifier cannot be empty');
  if (name.includes('\0')) throw new Error('an SQL identifier cannot contain NUL');
  return `"${name.replace(/"/g, '""')}"`;
}

/** schema.name, each part quoted. */
export function qualifiedName(schema: string, name: string): string {
  return `${quoteIdent(schema)}.${quoteIdent(name)}`;
}

/**
 * A name as a person types it back into selfheal or psql: bare when PostgreSQL would read it so
 * (lowercase letters, digits and _, not a keyword), else quoted, as quote_ident does. For display;
 * SQL text always uses quoteIdent.
 */
export function displayIdent(name: string): string {
  return /^[a-z_][a-z0-9_]*$/.test(name) && !QUOTED_KEYWORDS.has(name) ? name : quoteIdent(name);
}

/** schema.name as a person types it back: each part quoted only when it must be. */
export function displayQualifiedName(schema: string, name: string): string {
  return `${displayIdent(schema)}.${displayIdent(name)}`;
}

/** A string constant for the few statements that take no parameters (DDL options): quotes doubled. */
export function quoteLiteral(value: string): string {
  if (value.includes('\0')) throw new Error('an SQL literal cannot contain NUL');
  return `'${value.replace(/'/g, "''")}'`;
}

/** A reloption name such as fillfactor or toast.autovacuum_enabled: each dotted part quoted. */
export function quoteOptionName(name: string): string {
  return name.split('.').map(quoteIdent).join('.');
}
