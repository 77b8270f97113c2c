import type { QueryResult, QueryResultRow } from 'pg';
import type { Queryable } from './queryable';

/**
 * A Queryable that counts the statements sent through it (one round trip each) and keeps their
 * text, so a pass can report its own cost in round trips and a test can see what was sent.
 */
export class RoundTripCounter implements Queryable {
  private readonly sent: string[] = [];

  constructor(private readonly inner: Queryable) {}

  query<R extends QueryResultRow = QueryResultRow>(text: string, values?: unknown[]): Promise<QueryResult<R>> {
    this.sent.push(text);
    return this.inner.query<R>(text, values);
  }

  get round_trips(): number {
    return this.sent.length;
  }

  /** The statements sent so far, in order. */
  get statements(): readonly string[] {
    return this.sent;
  }
}
