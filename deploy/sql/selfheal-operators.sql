-- Who may call selfheal's SQL interface (schema ruvector): an example, safe to run again.
--   viewer   reads:    ruvector_healing_status(), _history(since, limit_), _effectiveness(since)
--   operator also asks: ruvector_healing_trigger, _approve, _reject, _abort, _configure, _execute,
--            _rollback, and reads what became of a command: ruvector_healing_command(id)
-- The functions run as the role that owns the store (SECURITY DEFINER): these roles need no right
-- on any table, and every command records the caller's login role (session_user) as who asked.
-- EXECUTE is revoked from PUBLIC when the store is migrated; only these grants open the functions.
--
-- Run it once per watched database, after the worker has migrated the store, as a superuser or as
-- the role selfheal runs as (it owns the functions):
--
--   psql "$ADMIN_URL" -v viewer=selfheal_viewer -v operator=selfheal_operator -f deploy/sql/selfheal-operators.sql
--
-- Then give people the roles:  GRANT selfheal_operator TO alice;  GRANT selfheal_viewer TO grafana;
-- and call the functions qualified (SELECT * FROM ruvector.ruvector_healing_status()), or with
-- ruvector on the search_path (SET search_path = "$user", public, ruvector).
\set ON_ERROR_STOP on
\if :{?viewer}
\else
  \set viewer selfheal_viewer
\endif
\if :{?operator}
\else
  \set operator selfheal_operator
\endif

SELECT format('CREATE ROLE %I NOLOGIN', :'viewer')
 WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = :'viewer') \gexec
SELECT format('CREATE ROLE %I NOLOGIN', :'operator')
 WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = :'operator') \gexec

-- Naming the functions needs USAGE on their schema; it opens none of the tables.
GRANT USAGE ON SCHEMA ruvector TO :"viewer", :"operator";

GRANT EXECUTE ON FUNCTION
    ruvector.ruvector_healing_status(),
    ruvector.ruvector_healing_history(timestamptz, integer),
    ruvector.ruvector_healing_effectiveness(timestamptz)
  TO :"viewer";

-- An operator reads what a viewer reads (through membership), and asks for changes.
SELECT format('GRANT %I TO %I', :'viewer', :'operator')
 WHERE NOT pg_has_role(:'operator', :'viewer', 'MEMBER') \gexec
GRANT EXECUTE ON FUNCTION
    ruvector.ruvector_healing_trigger(text),
    ruvector.ruvector_healing_approve(bigint, text),
    ruvector.ruvector_healing_reject(bigint, text),
    ruvector.ruvector_healing_abort(bigint, text),
    ruvector.ruvector_healing_configure(jsonb, text),
    ruvector.ruvector_healing_execute(text, text, jsonb, boolean),
    ruvector.ruvector_healing_rollback(text),
    ruvector.ruvector_healing_command(bigint)
  TO :"operator";
