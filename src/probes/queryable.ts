import type { QueryResult, QueryResultRow } from 'pg';

/** A pool or a client: probes run on either. */
export interface Queryable {
  query<R extends QueryResultRow = QueryResultRow>(text: string, values?: unknown[]): Promise<QueryResult<R>>;
}
