import type { QueryResult, QueryResultRow } from 'pg';

/** A pool or a client: what a statement runs on, inside a transaction or not. */
export interface Queryable {
  query<R extends QueryResultRow = QueryResultRow>(text: string, values?: unknown[]): Promise<QueryResult<R>>;
}
