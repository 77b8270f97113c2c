/**
 * The signed audit trail: one row per fact (an attempt started, a strategy chosen, approved,
 * executed, verified, compensated, a rollback, a configuration, a command asked for in SQL), each
 * signed with HMAC-SHA256 over its content and the signature of the row before it
 * (src/postgres/audit-log.ts). The key is the worker's, never in the database: whoever can write
 * these tables still cannot sign a row.
 *
 * Rows are never changed or deleted (retention leaves this table alone): a trigger refuses UPDATE,
 * DELETE and TRUNCATE, which stops mistakes; the signatures catch the rest (the table's owner or a
 * superuser can disable a trigger). ruvector.audit_head holds the last row's number and signature,
 * itself signed, and is locked by every append, so appends are serialized and the chain never
 * forks; it is how a deleted last row shows.
 */
export const sql = `
CREATE TABLE ruvector.audit_log (
    seq         BIGINT PRIMARY KEY,
    at          TIMESTAMPTZ NOT NULL,
    actor       TEXT NOT NULL,
    event       TEXT NOT NULL,
    collection  TEXT,
    action_id   BIGINT,
    strategy    TEXT,
    reversible  BOOLEAN,
    -- 'auto', 'approved by <who>', 'refused', or 'manual (<trigger>)' for a person's own execution.
    allowed_by  TEXT,
    details     JSONB NOT NULL,
    -- Which key signed it (a digest of the key, not the key); NULL with hmac for a row written without one.
    key_id      TEXT,
    prev_hmac   TEXT NOT NULL,
    hmac        TEXT
);
CREATE INDEX audit_log_action ON ruvector.audit_log (action_id) WHERE action_id IS NOT NULL;
CREATE INDEX audit_log_at ON ruvector.audit_log (at);

CREATE TABLE ruvector.audit_head (
    one         BOOLEAN PRIMARY KEY DEFAULT true CHECK (one),
    seq         BIGINT NOT NULL,
    hmac        TEXT NOT NULL,
    head_hmac   TEXT,
    updated_at  TIMESTAMPTZ NOT NULL DEFAULT NOW()
);
INSERT INTO ruvector.audit_head (seq, hmac) VALUES (0, '');

CREATE FUNCTION ruvector.audit_log_refuse_change() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $fn$
BEGIN
  RAISE EXCEPTION 'ruvector.audit_log is append-only: % is refused', TG_OP
    USING ERRCODE = 'insufficient_privilege',
          HINT = 'rows are never changed or deleted; selfheal audit verify checks the chain';
END
$fn$;
REVOKE ALL ON FUNCTION ruvector.audit_log_refuse_change() FROM PUBLIC;

CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON ruvector.audit_log
    FOR EACH ROW EXECUTE FUNCTION ruvector.audit_log_refuse_change();
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON ruvector.audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION ruvector.audit_log_refuse_change();
`;
