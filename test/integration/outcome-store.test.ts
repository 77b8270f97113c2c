import { migrate, MIGRATIONS } from '../../src/postgres/migrate';
import { createTestDatabase, type TestDatabase } from '../support/test-system';

/** ruvector.healing_outcomes is an interface: its CREATE TABLE, column by column. */
const SEED_COLUMNS: [string, string, boolean, string | null][] = [
  ['id', 'bigint', false, "nextval('ruvector.healing_outcomes_id_seq'::regclass)"],
  ['collection_id', 'integer', false, null],
  ['tenant_id', 'text', true, null],
  ['problem_class', 'text', false, null],
  ['problem_details', 'jsonb', false, null],
  ['strategy_name', 'text', false, null],
  ['strategy_params', 'jsonb', true, null],
  ['started_at', 'timestamp with time zone', false, null],
  ['completed_at', 'timestamp with time zone', true, null],
  ['duration_ms', 'integer', true, null],
  ['success', 'boolean', false, null],
  ['verified', 'boolean', true, null],
  ['actions_taken', 'integer', true, null],
  ['improvement_pct', 'real', true, null],
  ['error_message', 'text', true, null],
  ['initial_lambda', 'real', false, null],
  ['final_lambda', 'real', true, null],
  ['witness_edges', 'jsonb', true, null],
  ['system_metrics', 'jsonb', true, null],
  ['feedback_score', 'real', true, null],
  ['created_at', 'timestamp with time zone', true, 'now()'],
];

/** What selfheal adds after them (who gave the feedback and when): the interface's queries are unchanged. */
const ADDED_COLUMNS: [string, string, boolean, string | null][] = [
  ['feedback_by', 'text', true, null],
  ['feedback_comment', 'text', true, null],
  ['feedback_at', 'timestamp with time zone', true, null],
];

describe('outcome store migrations', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase('store');
  });
  afterAll(async () => db?.drop());

  it("creates ruvector.healing_outcomes with exactly the columns, types and defaults of the outcome table interface, then only selfheal's additions", async () => {
    const { rows } = await db.pool.query(
      `SELECT column_name, data_type, is_nullable = 'YES' AS nullable, column_default
         FROM information_schema.columns WHERE table_schema = 'ruvector' AND table_name = 'healing_outcomes'
        ORDER BY ordinal_position`,
    );
    expect(rows.map((r) => [r.column_name, r.data_type, r.nullable, r.column_default])).toEqual([
      ...SEED_COLUMNS,
      ...ADDED_COLUMNS,
    ]);
  });

  it('has the interface indexes and the primary key, and nothing else', async () => {
    const { rows } = await db.pool.query(
      `SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = 'ruvector' AND tablename = 'healing_outcomes'
        ORDER BY indexname`,
    );
    expect(rows.map((r) => r.indexdef.replace(/ USING btree/, '')).sort()).toEqual(
      [
        'CREATE INDEX idx_healing_outcomes_class ON ruvector.healing_outcomes (problem_class)',
        'CREATE INDEX idx_healing_outcomes_strategy ON ruvector.healing_outcomes (strategy_name)',
        'CREATE INDEX idx_healing_outcomes_success ON ruvector.healing_outcomes (success, verified)',
        'CREATE UNIQUE INDEX healing_outcomes_pkey ON ruvector.healing_outcomes (id)',
      ].sort(),
    );
  });

  it('is ordered and idempotent: a second and a concurrent run apply nothing', async () => {
    const { rows } = await db.pool.query('SELECT id FROM ruvector.schema_migrations ORDER BY id');
    expect(rows.map((r) => r.id)).toEqual(MIGRATIONS.map((m) => m.id));
    expect(MIGRATIONS.map((m) => m.id)).toEqual(MIGRATIONS.map((_, i) => i + 1));
    expect(await Promise.all([migrate(db.pool), migrate(db.pool)])).toEqual([[], []]);
  });
});
