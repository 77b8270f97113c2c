/**
 * The SQL interface: ruvector_healing_status, _history and _effectiveness read the store; trigger,
 * approve, reject, abort, configure, execute and rollback check what SQL can check, queue a command
 * and NOTIFY, and a worker relays it to Temporal (a function cannot reach Temporal itself, and a
 * queued row survives a worker that is down).
 *
 * They live in schema ruvector because the store's role owns it (since PostgreSQL 15 only the
 * owner creates in public), and USAGE on it opens nothing but what is granted function by
 * function. All are SECURITY DEFINER with a fixed search_path: a granted caller needs no right on
 * any table, and cannot slip its own objects into what they run. EXECUTE is revoked from PUBLIC on
 * every one of them; deploy/sql/selfheal-operators.sql grants them to a viewer and an operator role.
 */
export const sql = `
CREATE TABLE ruvector.healing_commands (
    id               BIGSERIAL PRIMARY KEY,
    kind             TEXT NOT NULL
                     CHECK (kind IN ('trigger', 'approve', 'reject', 'abort', 'configure', 'execute', 'rollback')),
    args             JSONB NOT NULL,
    -- The caller's login role (session_user): who asked, whatever role the function runs as.
    requested_by     TEXT NOT NULL,
    requested_at     TIMESTAMPTZ NOT NULL DEFAULT clock_timestamp(),
    -- Set when a worker begins to relay it: a later relay knows Temporal may have it already.
    relay_started_at TIMESTAMPTZ,
    relay_attempts   INTEGER NOT NULL DEFAULT 0,
    relayed_by       TEXT,
    relayed_at       TIMESTAMPTZ,
    result           JSONB,
    error            TEXT
);
CREATE INDEX healing_commands_unrelayed ON ruvector.healing_commands (id) WHERE relayed_at IS NULL;

-- Rewritten from the registry by every migrate run (src/postgres/sql-catalog.ts).
CREATE TABLE ruvector.known_strategies (
    name        TEXT PRIMARY KEY,
    position    INTEGER NOT NULL,
    handles     TEXT[] NOT NULL,
    reversible  BOOLEAN NOT NULL,
    params      JSONB NOT NULL
);

CREATE TABLE ruvector.known_config_keys (
    key            TEXT PRIMARY KEY,
    json_type      TEXT NOT NULL CHECK (json_type IN ('number', 'boolean', 'string', 'array')),
    whole_number   BOOLEAN NOT NULL,
    min_value      DOUBLE PRECISION,
    min_exclusive  BOOLEAN NOT NULL,
    max_value      DOUBLE PRECISION,
    max_exclusive  BOOLEAN NOT NULL,
    allowed        TEXT[],
    default_value  JSONB,
    database_wide  BOOLEAN NOT NULL,
    alias_of       TEXT
);

-- Defaults, then the '*' row, then the collection's own: what the worker and the CLI merge.
CREATE FUNCTION ruvector.effective_config(p_collection text) RETURNS jsonb
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $fn$
  SELECT (SELECT coalesce(jsonb_object_agg(k.key, k.default_value), '{}'::jsonb)
            FROM ruvector.known_config_keys k WHERE k.alias_of IS NULL)
      || coalesce((SELECT h.config FROM ruvector.healing_config h WHERE h.scope = '*'), '{}'::jsonb)
      || coalesce((SELECT h.config FROM ruvector.healing_config h WHERE h.scope = p_collection), '{}'::jsonb)
$fn$;

CREATE FUNCTION ruvector.ruvector_healing_status()
RETURNS TABLE (
    collection          text,
    table_name          text,
    enabled             boolean,
    last_healing        timestamptz,
    total_healings_24h  integer,
    success_rate        double precision,
    active_remediations jsonb,
    cooldown_until      timestamptz,
    attempts_in_window  integer,
    last_sample_at      timestamptz)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $fn$
  WITH w AS (
    SELECT c.id, c.name,
           coalesce(n.nspname::text, c.table_schema) || '.' || coalesce(r.relname::text, c.table_name) AS tbl,
           ruvector.effective_config(c.name) AS config
      FROM ruvector.collections c
      LEFT JOIN pg_class o ON o.oid = c.table_oid
      LEFT JOIN pg_class r ON r.relkind IN ('r', 'p')
           AND r.oid = coalesce(o.oid, to_regclass(format('%I.%I', c.table_schema, c.table_name)))
      LEFT JOIN pg_namespace n ON n.oid = r.relnamespace
     WHERE c.unwatched_at IS NULL
  ), a AS (
    -- Rollbacks are not the guardian's attempts: they start no cooldown and use no window.
    SELECT a.*, o.id AS outcome, o.success, o.verified,
           a.status NOT IN ('Deferred', 'NoStrategy', 'DryRun') AND a.trigger NOT LIKE 'rollback by %' AS acted
      FROM ruvector.healing_attempts a LEFT JOIN ruvector.healing_outcomes o ON o.id = a.outcome_id
     WHERE a.collection_id IN (SELECT w.id FROM w)
  ), s AS (
    SELECT a.collection_id,
           max(a.completed_at) AS last_healing,
           count(*) FILTER (WHERE a.started_at > now() - interval '24 hours')::int AS total_24h,
           count(a.outcome) FILTER (WHERE a.started_at > now() - interval '24 hours')::int AS completed_24h,
           count(a.outcome) FILTER (WHERE a.started_at > now() - interval '24 hours' AND a.success
             AND a.verified)::int AS verified_24h,
           max(a.completed_at) FILTER (WHERE a.acted) AS last_acted,
           coalesce(jsonb_agg(jsonb_build_object(
             'action_id', a.id, 'workflow_id', a.workflow_id, 'run_id', a.run_id, 'trigger', a.trigger,
             'problem_class', a.problem_class, 'strategy', a.strategy_name,
             'started_at', to_char(a.started_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'))
             ORDER BY a.id) FILTER (WHERE a.status = 'running'), '[]'::jsonb) AS running
      FROM a GROUP BY a.collection_id
  )
  SELECT w.name, w.tbl, (w.config->>'enabled')::boolean,
         date_trunc('milliseconds', s.last_healing),
         coalesce(s.total_24h, 0),
         CASE WHEN s.completed_24h > 0 THEN s.verified_24h::float8 / s.completed_24h END,
         coalesce(s.running, '[]'::jsonb),
         CASE WHEN s.last_acted + make_interval(secs => (w.config->>'min_healing_interval')::float8) > now()
              THEN date_trunc('milliseconds',
                     s.last_acted + make_interval(secs => (w.config->>'min_healing_interval')::float8)) END,
         (SELECT count(*)::int FROM a WHERE a.collection_id = w.id AND a.acted
             AND a.started_at > now() - make_interval(secs => (w.config->>'attempt_window')::float8)),
         (SELECT date_trunc('milliseconds', max(cw.latest_at)) FROM ruvector.counter_windows cw
           WHERE cw.collection_id = w.id)
    FROM w LEFT JOIN s ON s.collection_id = w.id
   ORDER BY w.name
$fn$;

CREATE FUNCTION ruvector.ruvector_healing_history(
    since  timestamptz DEFAULT now() - interval '24 hours',
    limit_ integer DEFAULT 20)
RETURNS TABLE (
    action_id      bigint,
    collection     text,
    trigger        text,
    status         text,
    problem_class  text,
    strategy       text,
    success        boolean,
    verified       boolean,
    improvement    double precision,
    initial_lambda double precision,
    final_lambda   double precision,
    reason         text,
    error_message  text,
    why            text,
    workflow_id    text,
    run_id         text,
    started_at     timestamptz,
    completed_at   timestamptz)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $fn$
#variable_conflict use_column
BEGIN
  IF ruvector_healing_history.since IS NULL THEN
    RAISE EXCEPTION 'since is required (a timestamptz, e.g. now() - interval ''24 hours'')'
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  IF ruvector_healing_history.limit_ IS NULL OR ruvector_healing_history.limit_ NOT BETWEEN 1 AND 10000 THEN
    RAISE EXCEPTION 'limit_ takes a whole number from 1 to 10000, not %',
      coalesce(ruvector_healing_history.limit_::text, 'NULL') USING ERRCODE = 'invalid_parameter_value';
  END IF;
  RETURN QUERY
    SELECT a.id, c.name, a.trigger, a.status, a.problem_class, a.strategy_name, o.success, o.verified,
           o.improvement_pct::float8, o.initial_lambda::float8, o.final_lambda::float8, a.reason, o.error_message,
           a.selection->>'why', a.workflow_id, a.run_id,
           date_trunc('milliseconds', a.started_at), date_trunc('milliseconds', a.completed_at)
      FROM ruvector.healing_attempts a
      JOIN ruvector.collections c ON c.id = a.collection_id
      LEFT JOIN ruvector.healing_outcomes o ON o.id = a.outcome_id
     WHERE a.started_at >= ruvector_healing_history.since
     ORDER BY a.started_at DESC, a.id DESC
     LIMIT ruvector_healing_history.limit_;
END
$fn$;

-- Per strategy (registry order, then names this version no longer has), then '*' for all together.
CREATE FUNCTION ruvector.ruvector_healing_effectiveness(since timestamptz DEFAULT now() - interval '30 days')
RETURNS TABLE (
    strategy              text,
    known                 boolean,
    outcomes              integer,
    recoveries            integer,
    success_rate          double precision,
    mean_recovery_seconds double precision,
    measured_from_start   integer,
    weights               jsonb)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $fn$
  WITH ran AS (
    -- Healed: completed, and its strategy succeeded and was verified; timed from detection when known.
    SELECT o.strategy_name,
           (a.status = 'Completed' AND o.success AND o.verified IS TRUE) AS healed,
           extract(epoch FROM o.completed_at - coalesce(a.detected_at, a.started_at))::float8 AS seconds,
           a.detected_at IS NULL AS from_start
      FROM ruvector.healing_attempts a
      JOIN ruvector.collections c ON c.id = a.collection_id
      JOIN ruvector.healing_outcomes o ON o.id = a.outcome_id
     WHERE a.started_at >= $1
  ), per AS (
    SELECT ran.strategy_name, count(*)::int AS outcomes, count(*) FILTER (WHERE ran.healed)::int AS recoveries,
           avg(ran.seconds) FILTER (WHERE ran.healed) AS mean_seconds,
           count(*) FILTER (WHERE ran.healed AND ran.from_start)::int AS from_start
      FROM ran GROUP BY 1
  ), names AS (
    SELECT k.name, true AS known, k.position AS pos, k.handles FROM ruvector.known_strategies k
    UNION ALL
    SELECT x.name, false, NULL::int, '{}'::text[]
      FROM (SELECT per.strategy_name AS name FROM per
            UNION SELECT sw.strategy_name FROM ruvector.strategy_weights sw) x
     WHERE x.name NOT IN (SELECT k.name FROM ruvector.known_strategies k)
  ), classes AS (
    -- The classes it handles in their order, then classes it has a stored weight for besides.
    SELECT n.name, h.cls, h.ord FROM names n CROSS JOIN LATERAL unnest(n.handles) WITH ORDINALITY AS h(cls, ord)
    UNION ALL
    SELECT sw.strategy_name, sw.problem_class, 1000 + row_number() OVER (PARTITION BY sw.strategy_name
             ORDER BY sw.problem_class)
      FROM ruvector.strategy_weights sw JOIN names n ON n.name = sw.strategy_name
     WHERE sw.problem_class <> ALL(n.handles)
  ), weights AS (
    SELECT cl.name, jsonb_agg(CASE WHEN sw.strategy_name IS NULL
             THEN jsonb_build_object('problem_class', cl.cls, 'prior', true, 'weight', 1, 'computed_at', NULL)
             ELSE jsonb_build_object('problem_class', cl.cls, 'prior', false,
               'weight', sw.weight::numeric::float8, 'success_rate', sw.success_rate::numeric::float8,
               'avg_improvement', sw.avg_improvement::numeric::float8, 'outcomes', sw.outcomes,
               'feedback_count', sw.feedback_count, 'update_id', sw.update_id,
               'computed_at', to_char(sw.computed_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')) END
             ORDER BY cl.ord) AS list
      FROM classes cl
      LEFT JOIN ruvector.strategy_weights sw ON sw.strategy_name = cl.name AND sw.problem_class = cl.cls
     GROUP BY cl.name
  )
  SELECT r.strategy, r.known, r.outcomes, r.recoveries, r.success_rate, r.mean_recovery_seconds,
         r.measured_from_start, r.weights
    FROM (
      SELECT n.name AS strategy, n.known, coalesce(p.outcomes, 0) AS outcomes, coalesce(p.recoveries, 0) AS recoveries,
             p.recoveries::float8 / p.outcomes AS success_rate, p.mean_seconds AS mean_recovery_seconds,
             coalesce(p.from_start, 0) AS measured_from_start, coalesce(wt.list, '[]'::jsonb) AS weights,
             CASE WHEN n.known THEN 0 ELSE 1 END AS grp, n.pos, n.name AS sort_name
        FROM names n LEFT JOIN per p ON p.strategy_name = n.name LEFT JOIN weights wt ON wt.name = n.name
      UNION ALL
      SELECT '*', NULL, count(*)::int, count(*) FILTER (WHERE ran.healed)::int,
             CASE WHEN count(*) > 0 THEN (count(*) FILTER (WHERE ran.healed))::float8 / count(*) END,
             avg(ran.seconds) FILTER (WHERE ran.healed), count(*) FILTER (WHERE ran.healed AND ran.from_start)::int,
             NULL, 2, NULL, '*'
        FROM ran
    ) r
   ORDER BY r.grp, r.pos, r.sort_name
$fn$;

-- What a command function takes: helpers that raise the refusal, run as the definer of their callers.
CREATE FUNCTION ruvector.check_watched_collection(p_collection text) RETURNS void
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $fn$
DECLARE
  v_unwatched timestamptz;
  v_reason text;
BEGIN
  IF p_collection IS NULL THEN
    RAISE EXCEPTION 'collection is required' USING ERRCODE = 'null_value_not_allowed';
  END IF;
  SELECT c.unwatched_at, c.unwatch_reason INTO v_unwatched, v_reason FROM ruvector.collections c
   WHERE c.name = p_collection;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'no collection named "%"', p_collection USING ERRCODE = 'undefined_object',
      HINT = 'SELECT collection FROM ruvector.ruvector_healing_status() lists the watched ones';
  END IF;
  IF v_unwatched IS NOT NULL THEN
    RAISE EXCEPTION 'collection "%" is no longer watched (%)', p_collection, coalesce(v_reason, 'unwatched')
      USING ERRCODE = 'object_not_in_prerequisite_state';
  END IF;
END
$fn$;

CREATE FUNCTION ruvector.check_running_action(p_action_id bigint, p_comment text) RETURNS void
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $fn$
DECLARE
  v_status text;
BEGIN
  IF p_action_id IS NULL THEN
    RAISE EXCEPTION 'action_id is required' USING ERRCODE = 'null_value_not_allowed';
  END IF;
  IF length(p_comment) > 2000 THEN
    RAISE EXCEPTION 'comment is at most 2000 characters, not %', length(p_comment)
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  SELECT a.status INTO v_status FROM ruvector.healing_attempts a WHERE a.id = p_action_id;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'no action %', p_action_id USING ERRCODE = 'no_data_found',
      HINT = 'the attempts waiting for approval are listed by selfheal pending';
  END IF;
  IF v_status <> 'running' THEN
    RAISE EXCEPTION 'action % has already finished (%)', p_action_id, v_status
      USING ERRCODE = 'object_not_in_prerequisite_state';
  END IF;
END
$fn$;

CREATE FUNCTION ruvector.check_strategy(p_strategy text) RETURNS void
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $fn$
BEGIN
  IF p_strategy IS NULL THEN
    RAISE EXCEPTION 'strategy is required' USING ERRCODE = 'null_value_not_allowed';
  END IF;
  IF NOT EXISTS (SELECT 1 FROM ruvector.known_strategies k WHERE k.name = p_strategy) THEN
    RAISE EXCEPTION 'no strategy "%" (known: %)', p_strategy,
      (SELECT string_agg(k.name, ', ' ORDER BY k.position) FROM ruvector.known_strategies k)
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
END
$fn$;

-- Keys, types, bounds and names, as the configuration schema has them; cross-field rules are the worker's.
CREATE FUNCTION ruvector.check_config(p_config jsonb, p_collection text) RETURNS void
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $fn$
DECLARE
  e record;
  k ruvector.known_config_keys;
  item jsonb;
  n double precision;
  what text;
BEGIN
  IF p_config IS NULL OR jsonb_typeof(p_config) <> 'object' THEN
    RAISE EXCEPTION 'configuration is a JSON object, not %', coalesce(jsonb_typeof(p_config), 'NULL')
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  IF p_config = '{}'::jsonb THEN
    RAISE EXCEPTION 'configuration is empty: name at least one setting' USING ERRCODE = 'invalid_parameter_value';
  END IF;
  FOR e IN SELECT * FROM jsonb_each(p_config) ORDER BY 1 LOOP
    SELECT * INTO k FROM ruvector.known_config_keys c WHERE c.key = e.key;
    IF NOT FOUND THEN
      RAISE EXCEPTION 'unknown setting "%" (known: %)', e.key,
        (SELECT string_agg(c.key, ', ' ORDER BY c.key) FROM ruvector.known_config_keys c)
        USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF jsonb_typeof(e.value) <> k.json_type THEN
      RAISE EXCEPTION '%: expected % but got %', e.key, k.json_type, jsonb_typeof(e.value)
        USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF k.json_type = 'number' THEN
      n := (e.value #>> '{}')::double precision;
      IF k.whole_number AND n <> trunc(n) THEN
        RAISE EXCEPTION '%: expected a whole number, not %', e.key, e.value USING ERRCODE = 'invalid_parameter_value';
      END IF;
      IF k.min_value IS NOT NULL AND (n < k.min_value OR (k.min_exclusive AND n = k.min_value)) THEN
        RAISE EXCEPTION '%: % is too small (%)', e.key, e.value,
          CASE WHEN k.min_exclusive THEN 'above ' ELSE 'at least ' END || k.min_value
          USING ERRCODE = 'invalid_parameter_value';
      END IF;
      IF k.max_value IS NOT NULL AND (n > k.max_value OR (k.max_exclusive AND n = k.max_value)) THEN
        RAISE EXCEPTION '%: % is too large (%)', e.key, e.value,
          CASE WHEN k.max_exclusive THEN 'below ' ELSE 'at most ' END || k.max_value
          USING ERRCODE = 'invalid_parameter_value';
      END IF;
    END IF;
    IF k.json_type = 'array' AND k.allowed IS NOT NULL THEN
      FOR item IN SELECT * FROM jsonb_array_elements(e.value) LOOP
        IF jsonb_typeof(item) <> 'string' OR NOT ((item #>> '{}') = ANY (k.allowed)) THEN
          what := CASE WHEN e.key = 'require_approval_strategies' THEN 'no strategy' ELSE 'no problem class' END;
          RAISE EXCEPTION '%: % % (known: %)', e.key, what, item, array_to_string(k.allowed, ', ')
            USING ERRCODE = 'invalid_parameter_value';
        END IF;
      END LOOP;
    END IF;
    IF p_collection IS NOT NULL AND k.database_wide THEN
      RAISE EXCEPTION '% applies to the whole database: set it with collection NULL', e.key
        USING ERRCODE = 'invalid_parameter_value';
    END IF;
  END LOOP;
END
$fn$;

CREATE FUNCTION ruvector.queue_healing_command(p_kind text, p_args jsonb) RETURNS bigint
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $fn$
DECLARE
  v_id bigint;
BEGIN
  INSERT INTO ruvector.healing_commands (kind, args, requested_by) VALUES (p_kind, p_args, session_user)
  RETURNING id INTO v_id;
  -- Delivered when the caller commits: a rolled-back call queues nothing and wakes nobody.
  PERFORM pg_notify('selfheal_commands', v_id::text);
  RETURN v_id;
END
$fn$;

CREATE FUNCTION ruvector.ruvector_healing_trigger(collection text) RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $fn$
BEGIN
  PERFORM ruvector.check_watched_collection(ruvector_healing_trigger.collection);
  RETURN ruvector.queue_healing_command('trigger',
    jsonb_build_object('collection', ruvector_healing_trigger.collection));
END
$fn$;

CREATE FUNCTION ruvector.ruvector_healing_approve(action_id bigint, comment text DEFAULT NULL) RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $fn$
BEGIN
  PERFORM ruvector.check_running_action(ruvector_healing_approve.action_id, ruvector_healing_approve.comment);
  RETURN ruvector.queue_healing_command('approve', jsonb_strip_nulls(jsonb_build_object(
    'action_id', ruvector_healing_approve.action_id, 'comment', ruvector_healing_approve.comment)));
END
$fn$;

CREATE FUNCTION ruvector.ruvector_healing_reject(action_id bigint, comment text DEFAULT NULL) RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $fn$
BEGIN
  PERFORM ruvector.check_running_action(ruvector_healing_reject.action_id, ruvector_healing_reject.comment);
  RETURN ruvector.queue_healing_command('reject', jsonb_strip_nulls(jsonb_build_object(
    'action_id', ruvector_healing_reject.action_id, 'comment', ruvector_healing_reject.comment)));
END
$fn$;

CREATE FUNCTION ruvector.ruvector_healing_abort(action_id bigint, comment text DEFAULT NULL) RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $fn$
BEGIN
  PERFORM ruvector.check_running_action(ruvector_healing_abort.action_id, ruvector_healing_abort.comment);
  RETURN ruvector.queue_healing_command('abort', jsonb_strip_nulls(jsonb_build_object(
    'action_id', ruvector_healing_abort.action_id, 'comment', ruvector_healing_abort.comment)));
END
$fn$;

CREATE FUNCTION ruvector.ruvector_healing_configure(config jsonb, collection text DEFAULT NULL) RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $fn$
BEGIN
  IF ruvector_healing_configure.collection IS NOT NULL THEN
    PERFORM ruvector.check_watched_collection(ruvector_healing_configure.collection);
  END IF;
  PERFORM ruvector.check_config(ruvector_healing_configure.config, ruvector_healing_configure.collection);
  RETURN ruvector.queue_healing_command('configure', jsonb_build_object(
    'config', ruvector_healing_configure.config, 'collection', ruvector_healing_configure.collection));
END
$fn$;

-- params takes the strategy's parameters, and also dry_run, as callers of the SQL interface write it.
CREATE FUNCTION ruvector.ruvector_healing_execute(
    collection text,
    strategy   text,
    params     jsonb DEFAULT '{}',
    dry_run    boolean DEFAULT false) RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $fn$
DECLARE
  v_params jsonb := coalesce(ruvector_healing_execute.params, '{}'::jsonb);
  v_dry boolean := coalesce(ruvector_healing_execute.dry_run, false);
  v_takes jsonb;
  v_text jsonb := '{}'::jsonb;
  e record;
BEGIN
  PERFORM ruvector.check_watched_collection(ruvector_healing_execute.collection);
  PERFORM ruvector.check_strategy(ruvector_healing_execute.strategy);
  IF jsonb_typeof(v_params) <> 'object' THEN
    RAISE EXCEPTION 'params is a JSON object, not %', jsonb_typeof(v_params) USING ERRCODE = 'invalid_parameter_value';
  END IF;
  IF v_params ? 'dry_run' THEN
    IF jsonb_typeof(v_params->'dry_run') <> 'boolean' THEN
      RAISE EXCEPTION 'params.dry_run is true or false, not %', v_params->'dry_run'
        USING ERRCODE = 'invalid_parameter_value';
    END IF;
    v_dry := v_dry OR (v_params->>'dry_run')::boolean;
    v_params := v_params - 'dry_run';
  END IF;
  SELECT k.params INTO v_takes FROM ruvector.known_strategies k WHERE k.name = ruvector_healing_execute.strategy;
  FOR e IN SELECT * FROM jsonb_each(v_params) ORDER BY 1 LOOP
    IF NOT v_takes ? e.key THEN
      RAISE EXCEPTION 'no parameter "%": % takes %', e.key, ruvector_healing_execute.strategy,
        coalesce((SELECT string_agg(format('%s (%s)', t.key, t.value #>> '{}'), ', ' ORDER BY t.key)
                    FROM jsonb_each(v_takes) t), 'no parameters')
        USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF jsonb_typeof(e.value) NOT IN ('string', 'number') THEN
      RAISE EXCEPTION 'parameter %: a number or text, not %', e.key, jsonb_typeof(e.value)
        USING ERRCODE = 'invalid_parameter_value';
    END IF;
    -- Parameters travel as text, as \`execute --param k=v\` gives them; the worker checks the values.
    v_text := v_text || jsonb_build_object(e.key, e.value #>> '{}');
  END LOOP;
  RETURN ruvector.queue_healing_command('execute', jsonb_build_object(
    'collection', ruvector_healing_execute.collection, 'strategy', ruvector_healing_execute.strategy,
    'params', v_text, 'dry_run', v_dry));
END
$fn$;

CREATE FUNCTION ruvector.ruvector_healing_rollback(collection text) RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $fn$
BEGIN
  PERFORM ruvector.check_watched_collection(ruvector_healing_rollback.collection);
  RETURN ruvector.queue_healing_command('rollback',
    jsonb_build_object('collection', ruvector_healing_rollback.collection));
END
$fn$;

-- A queued command and what became of it: the answer the worker wrote back, or its refusal.
CREATE FUNCTION ruvector.ruvector_healing_command(command_id bigint)
RETURNS TABLE (
    id           bigint,
    kind         text,
    args         jsonb,
    requested_by text,
    requested_at timestamptz,
    relayed_at   timestamptz,
    result       jsonb,
    error        text)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $fn$
  SELECT h.id, h.kind, h.args, h.requested_by, h.requested_at, h.relayed_at, h.result, h.error
    FROM ruvector.healing_commands h WHERE h.id = $1
$fn$;

REVOKE ALL ON FUNCTION ruvector.effective_config(text) FROM PUBLIC;
REVOKE ALL ON FUNCTION ruvector.check_watched_collection(text) FROM PUBLIC;
REVOKE ALL ON FUNCTION ruvector.check_running_action(bigint, text) FROM PUBLIC;
REVOKE ALL ON FUNCTION ruvector.check_strategy(text) FROM PUBLIC;
REVOKE ALL ON FUNCTION ruvector.check_config(jsonb, text) FROM PUBLIC;
REVOKE ALL ON FUNCTION ruvector.queue_healing_command(text, jsonb) FROM PUBLIC;
REVOKE ALL ON FUNCTION ruvector.ruvector_healing_status() FROM PUBLIC;
REVOKE ALL ON FUNCTION ruvector.ruvector_healing_history(timestamptz, integer) FROM PUBLIC;
REVOKE ALL ON FUNCTION ruvector.ruvector_healing_effectiveness(timestamptz) FROM PUBLIC;
REVOKE ALL ON FUNCTION ruvector.ruvector_healing_command(bigint) FROM PUBLIC;
REVOKE ALL ON FUNCTION ruvector.ruvector_healing_trigger(text) FROM PUBLIC;
REVOKE ALL ON FUNCTION ruvector.ruvector_healing_approve(bigint, text) FROM PUBLIC;
REVOKE ALL ON FUNCTION ruvector.ruvector_healing_reject(bigint, text) FROM PUBLIC;
REVOKE ALL ON FUNCTION ruvector.ruvector_healing_abort(bigint, text) FROM PUBLIC;
REVOKE ALL ON FUNCTION ruvector.ruvector_healing_configure(jsonb, text) FROM PUBLIC;
REVOKE ALL ON FUNCTION ruvector.ruvector_healing_execute(text, text, jsonb, boolean) FROM PUBLIC;
REVOKE ALL ON FUNCTION ruvector.ruvector_healing_rollback(text) FROM PUBLIC;
`;
