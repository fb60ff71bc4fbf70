"""On PostgreSQL, the database also guards the quarter's lifecycle, its results and TRUNCATE.

Migration 0005 made a locked quarter's sheets and events refuse row changes.
Three ways around it remained, and this migration closes them:

* TRUNCATE fires no row triggers. A statement-level BEFORE TRUNCATE trigger
  on every table of the appraisal record refuses it outright.
* A quarter's status could be set to anything. A row trigger on the quarter
  accepts only the steps the services take (open -> closed, closed -> closed
  for a recompute, closed -> open for a reopen, closed -> published,
  published -> final, final -> paid), each changing only the columns that
  step's service writes; year and number never change, and only an open
  quarter can be deleted. A reopen must be logged: the quarter log's insert
  trigger notes the id of every 'reopen' row in a transaction-local setting,
  and a constraint trigger deferred to COMMIT refuses a closed -> open change
  unless a 'reopen' row for that quarter was inserted in the same transaction
  (each reopen uses up one such row).
  (The service saves the quarter before it writes the log, so the check has to
  wait for the commit; deferring it keeps the service as it is.)
* A published quarter's results could be rewritten. From approval on (status
  published, final or paid) a result cannot be inserted, deleted or changed,
  with two exceptions: forgetting a deleted login (approved_by set to NULL),
  and, while the quarter is published, the revocation an upheld objection makes
  (approval -> revoked, award -> none and 0, revocation reason = the ruling of
  an upheld objection against that employee in that quarter, computed_at).
* The quarter log is append-only: a row can only lose a deleted login.

It also fixes what made `pg_restore --data-only` fail: 0005's functions named
each other and their tables without a schema, and a restore runs with an empty
search_path. Every function is now created in the schema the migration runs in,
calls the others by that schema, and has its search_path fixed to it.

These guards stop mistakes and writes that go around the services (queryset
updates, raw SQL, a fixture, TRUNCATE); a role that owns the tables can still
drop or disable a trigger on purpose. Restores load the data with triggers off
(session_replication_role = replica, which scripts/backup.py sets).
"""

import importlib

from django.db import migrations

# The tables TRUNCATE is refused on: everything that makes up the appraisal record.
TRUNCATE_GUARDED = [
    "appraisal_quarter",
    "appraisal_quarterlog",
    "appraisal_quarterresult",
    "appraisal_departmentreview",
    "appraisal_objection",
    "appraisal_rulesettings",
    "appraisal_dailysheet",
    "appraisal_dailysheet_criteria",
    "appraisal_sheetrevision",
    "appraisal_event",
]

FUNCTIONS = """
-- 0005's three functions again, schema-qualified and with a fixed search_path.
CREATE OR REPLACE FUNCTION {s}.appraisal_quarter_is_locked(d date) RETURNS boolean
LANGUAGE sql STABLE SET search_path = {s}, pg_temp AS $$
    SELECT EXISTS (
        SELECT 1 FROM appraisal_quarter
        WHERE year = extract(year FROM d)::int
          AND number = extract(quarter FROM d)::int
          AND status IN ('closed', 'published', 'final', 'paid')
    )
$$;

CREATE OR REPLACE FUNCTION {s}.appraisal_refuse_locked_quarter() RETURNS trigger
LANGUAGE plpgsql SET search_path = {s}, pg_temp AS $$
DECLARE
    old_row jsonb;
    new_row jsonb;
    d date;
    i int;
BEGIN
    IF TG_OP <> 'INSERT' THEN
        old_row := to_jsonb(OLD);
    END IF;
    IF TG_OP <> 'DELETE' THEN
        new_row := to_jsonb(NEW);
    END IF;
    IF TG_OP = 'UPDATE' THEN
        FOR i IN 1 .. TG_NARGS - 1 LOOP
            IF new_row ->> TG_ARGV[i] IS NULL THEN
                old_row := old_row - TG_ARGV[i];
                new_row := new_row - TG_ARGV[i];
            END IF;
        END LOOP;
        IF old_row = new_row THEN
            RETURN NEW;
        END IF;
    END IF;
    FOREACH d IN ARRAY ARRAY[(old_row ->> TG_ARGV[0])::date, (new_row ->> TG_ARGV[0])::date] LOOP
        IF d IS NOT NULL AND {s}.appraisal_quarter_is_locked(d) THEN
            RAISE EXCEPTION 'appraisal: % of % lies in a locked quarter', TG_TABLE_NAME, d
                USING ERRCODE = 'check_violation';
        END IF;
    END LOOP;
    IF TG_OP = 'DELETE' THEN
        RETURN OLD;
    END IF;
    RETURN NEW;
END
$$;

CREATE OR REPLACE FUNCTION {s}.appraisal_refuse_locked_sheet_criteria() RETURNS trigger
LANGUAGE plpgsql SET search_path = {s}, pg_temp AS $$
DECLARE
    d date;
BEGIN
    SELECT day INTO d FROM appraisal_dailysheet
    WHERE id = CASE WHEN TG_OP = 'DELETE' THEN OLD.dailysheet_id ELSE NEW.dailysheet_id END;
    IF d IS NOT NULL AND {s}.appraisal_quarter_is_locked(d) THEN
        RAISE EXCEPTION 'appraisal: criteria of the sheet of % lie in a locked quarter', d
            USING ERRCODE = 'check_violation';
    END IF;
    IF TG_OP = 'DELETE' THEN
        RETURN OLD;
    END IF;
    RETURN NEW;
END
$$;

-- The names of the columns whose values differ between two versions of a row.
CREATE OR REPLACE FUNCTION {s}.appraisal_changed_columns(old_row jsonb, new_row jsonb)
RETURNS text[] LANGUAGE sql IMMUTABLE SET search_path = {s}, pg_temp AS $$
    SELECT coalesce(array_agg(n.key ORDER BY n.key), '{{}}')
    FROM jsonb_each(new_row) n JOIN jsonb_each(old_row) o ON o.key = n.key
    WHERE n.value IS DISTINCT FROM o.value
$$;

CREATE OR REPLACE FUNCTION {s}.appraisal_refuse_truncate() RETURNS trigger
LANGUAGE plpgsql SET search_path = {s}, pg_temp AS $$
BEGIN
    RAISE EXCEPTION 'appraisal: % cannot be truncated; it holds the appraisal record', TG_TABLE_NAME
        USING ERRCODE = 'check_violation',
              HINT = 'A restore loads data with session_replication_role = replica.';
END
$$;

-- Each step of the lifecycle and the columns its service writes (besides status).
CREATE OR REPLACE FUNCTION {s}.appraisal_quarter_lifecycle() RETURNS trigger
LANGUAGE plpgsql SET search_path = {s}, pg_temp AS $$
DECLARE
    changed text[];
    writable text[];
BEGIN
    IF TG_OP = 'DELETE' THEN
        IF OLD.status <> 'open' THEN
            RAISE EXCEPTION 'appraisal: quarter %Q% is %; only an open quarter can be deleted',
                OLD.year, OLD.number, OLD.status USING ERRCODE = 'check_violation';
        END IF;
        RETURN OLD;
    END IF;
    changed := {s}.appraisal_changed_columns(to_jsonb(OLD), to_jsonb(NEW));
    writable := CASE OLD.status || '>' || NEW.status
        WHEN 'open>open' THEN ARRAY['closed_at', 'published_on', 'notice_ends_on', 'final_on',
                                    'payout_month', 'paid_at']
        WHEN 'open>closed' THEN ARRAY['status', 'closed_at']
        WHEN 'closed>closed' THEN ARRAY['closed_at']
        WHEN 'closed>open' THEN ARRAY['status', 'closed_at']
        WHEN 'closed>published' THEN ARRAY['status', 'published_on', 'notice_ends_on']
        WHEN 'published>final' THEN ARRAY['status', 'final_on', 'payout_month']
        WHEN 'final>paid' THEN ARRAY['status', 'paid_at']
        ELSE ARRAY[]::text[]
    END;
    IF NOT changed <@ writable THEN
        RAISE EXCEPTION 'appraisal: quarter %Q% cannot go from % to % changing %',
            OLD.year, OLD.number, OLD.status, NEW.status, array_to_string(changed, ', ')
            USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END
$$;

-- The quarter log's insert trigger: remember, until the transaction ends, the
-- reopen rows it wrote. set_config(..., true) is undone with a rolled-back savepoint.
CREATE OR REPLACE FUNCTION {s}.appraisal_note_reopen_log() RETURNS trigger
LANGUAGE plpgsql SET search_path = {s}, pg_temp AS $$
BEGIN
    PERFORM set_config(
        'appraisal.reopen_log_ids',
        concat_ws(',', nullif(current_setting('appraisal.reopen_log_ids', true), ''), NEW.id),
        true
    );
    RETURN NULL;
END
$$;

-- At COMMIT: a quarter that went from closed to open has its reopen logged.
-- Each reopen uses up one entry, so one entry does not cover two reopens.
CREATE OR REPLACE FUNCTION {s}.appraisal_require_reopen_log() RETURNS trigger
LANGUAGE plpgsql SET search_path = {s}, pg_temp AS $$
DECLARE
    logged bigint[];
    entry bigint;
BEGIN
    logged := coalesce(string_to_array(
        nullif(current_setting('appraisal.reopen_log_ids', true), ''), ','
    )::bigint[], '{{}}');
    SELECT min(id) INTO entry FROM appraisal_quarterlog
    WHERE quarter_id = NEW.id AND action = 'reopen' AND id = ANY(logged);
    IF entry IS NULL THEN
        RAISE EXCEPTION 'appraisal: quarter %Q% was reopened without a reopen entry in its log',
            NEW.year, NEW.number USING ERRCODE = 'check_violation';
    END IF;
    PERFORM set_config(
        'appraisal.reopen_log_ids', array_to_string(array_remove(logged, entry), ','), true
    );
    RETURN NULL;
END
$$;

CREATE OR REPLACE FUNCTION {s}.appraisal_quarter_log_append_only() RETURNS trigger
LANGUAGE plpgsql SET search_path = {s}, pg_temp AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND NEW.by_id IS NULL
       AND {s}.appraisal_changed_columns(to_jsonb(OLD), to_jsonb(NEW)) <@ ARRAY['by_id'] THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'appraisal: the quarter log is append-only (% refused)', TG_OP
        USING ERRCODE = 'check_violation';
END
$$;

-- Results from approval on: only a deleted login and an upheld objection's revocation.
CREATE OR REPLACE FUNCTION {s}.appraisal_quarter_result_guard() RETURNS trigger
LANGUAGE plpgsql SET search_path = {s}, pg_temp AS $$
DECLARE
    old_status text;
    new_status text;
    changed text[];
BEGIN
    IF TG_OP <> 'INSERT' THEN
        SELECT status INTO old_status FROM appraisal_quarter WHERE id = OLD.quarter_id;
    END IF;
    IF TG_OP <> 'DELETE' THEN
        SELECT status INTO new_status FROM appraisal_quarter WHERE id = NEW.quarter_id;
    END IF;
    IF coalesce(old_status, 'open') NOT IN ('published', 'final', 'paid')
       AND coalesce(new_status, 'open') NOT IN ('published', 'final', 'paid') THEN
        RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
    END IF;
    IF TG_OP = 'UPDATE' THEN
        changed := {s}.appraisal_changed_columns(to_jsonb(OLD), to_jsonb(NEW));
        IF NEW.approved_by_id IS NULL THEN
            changed := array_remove(changed, 'approved_by_id');
        END IF;
        IF changed = '{{}}' THEN
            RETURN NEW;
        END IF;
        IF old_status = 'published'
           AND changed <@ ARRAY['approval', 'revocation_reason', 'award_tier', 'award_amount',
                                'computed_at']
           AND OLD.approval <> 'revoked' AND NEW.approval = 'revoked'
           AND NEW.award_tier = 'none' AND NEW.award_amount = 0
           AND EXISTS (
               SELECT 1 FROM appraisal_objection
               WHERE quarter_id = NEW.quarter_id AND employee_id = NEW.employee_id
                 AND status = 'upheld' AND ruling = NEW.revocation_reason
           ) THEN
            RETURN NEW;
        END IF;
    END IF;
    RAISE EXCEPTION 'appraisal: the results of quarter % are approved and cannot change (% refused)',
        coalesce(NEW.quarter_id, OLD.quarter_id), TG_OP USING ERRCODE = 'check_violation';
END
$$;
"""

TRIGGERS = """
DROP TRIGGER IF EXISTS appraisal_dailysheet_criteria_locked_quarter ON {s}.appraisal_dailysheet_criteria;
DROP TRIGGER IF EXISTS appraisal_event_locked_quarter ON {s}.appraisal_event;
DROP TRIGGER IF EXISTS appraisal_dailysheet_locked_quarter ON {s}.appraisal_dailysheet;
CREATE TRIGGER appraisal_dailysheet_locked_quarter
    BEFORE INSERT OR UPDATE OR DELETE ON {s}.appraisal_dailysheet
    FOR EACH ROW EXECUTE FUNCTION {s}.appraisal_refuse_locked_quarter('day', 'entered_by_id');
CREATE TRIGGER appraisal_event_locked_quarter
    BEFORE INSERT OR UPDATE OR DELETE ON {s}.appraisal_event
    FOR EACH ROW EXECUTE FUNCTION {s}.appraisal_refuse_locked_quarter(
        'date', 'ruled_by_id', 'created_by_id'
    );
CREATE TRIGGER appraisal_dailysheet_criteria_locked_quarter
    BEFORE INSERT OR UPDATE OR DELETE ON {s}.appraisal_dailysheet_criteria
    FOR EACH ROW EXECUTE FUNCTION {s}.appraisal_refuse_locked_sheet_criteria();

CREATE TRIGGER appraisal_quarter_lifecycle
    BEFORE UPDATE OR DELETE ON {s}.appraisal_quarter
    FOR EACH ROW EXECUTE FUNCTION {s}.appraisal_quarter_lifecycle();
CREATE CONSTRAINT TRIGGER appraisal_quarter_reopen_logged
    AFTER UPDATE ON {s}.appraisal_quarter DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW WHEN (OLD.status = 'closed' AND NEW.status = 'open')
    EXECUTE FUNCTION {s}.appraisal_require_reopen_log();
CREATE TRIGGER appraisal_quarterlog_note_reopen
    AFTER INSERT ON {s}.appraisal_quarterlog
    FOR EACH ROW WHEN (NEW.action = 'reopen')
    EXECUTE FUNCTION {s}.appraisal_note_reopen_log();
CREATE TRIGGER appraisal_quarterlog_append_only
    BEFORE UPDATE OR DELETE ON {s}.appraisal_quarterlog
    FOR EACH ROW EXECUTE FUNCTION {s}.appraisal_quarter_log_append_only();
CREATE TRIGGER appraisal_quarterresult_approved
    BEFORE INSERT OR UPDATE OR DELETE ON {s}.appraisal_quarterresult
    FOR EACH ROW EXECUTE FUNCTION {s}.appraisal_quarter_result_guard();
"""

TRUNCATE_TRIGGER = """
CREATE TRIGGER {table}_no_truncate
    BEFORE TRUNCATE ON {s}.{table}
    FOR EACH STATEMENT EXECUTE FUNCTION {s}.appraisal_refuse_truncate();
"""

DROP = """
DROP TRIGGER IF EXISTS appraisal_quarterresult_approved ON {s}.appraisal_quarterresult;
DROP TRIGGER IF EXISTS appraisal_quarterlog_append_only ON {s}.appraisal_quarterlog;
DROP TRIGGER IF EXISTS appraisal_quarterlog_note_reopen ON {s}.appraisal_quarterlog;
DROP TRIGGER IF EXISTS appraisal_quarter_reopen_logged ON {s}.appraisal_quarter;
DROP TRIGGER IF EXISTS appraisal_quarter_lifecycle ON {s}.appraisal_quarter;
DROP FUNCTION IF EXISTS {s}.appraisal_quarter_result_guard();
DROP FUNCTION IF EXISTS {s}.appraisal_quarter_log_append_only();
DROP FUNCTION IF EXISTS {s}.appraisal_require_reopen_log();
DROP FUNCTION IF EXISTS {s}.appraisal_note_reopen_log();
DROP FUNCTION IF EXISTS {s}.appraisal_quarter_lifecycle();
"""


def _schema(schema_editor) -> str:
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("SELECT current_schema()")
        return schema_editor.quote_name(cursor.fetchone()[0])


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    s = _schema(schema_editor)
    schema_editor.execute(FUNCTIONS.format(s=s), params=None)
    schema_editor.execute(TRIGGERS.format(s=s), params=None)
    for table in TRUNCATE_GUARDED:
        schema_editor.execute(TRUNCATE_TRIGGER.format(s=s, table=table), params=None)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    s = _schema(schema_editor)
    for table in TRUNCATE_GUARDED:
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_no_truncate ON {s}.{table}", None)
    schema_editor.execute(DROP.format(s=s), params=None)
    schema_editor.execute(f"DROP FUNCTION IF EXISTS {s}.appraisal_refuse_truncate()", None)
    schema_editor.execute(f"DROP FUNCTION IF EXISTS {s}.appraisal_changed_columns(jsonb, jsonb)", None)
    # Back to 0005's definitions (CREATE OR REPLACE also drops the search_path setting).
    previous = importlib.import_module("appraisal.migrations.0005_locked_quarter_trigger")
    previous.drop(apps, schema_editor)
    previous.create(apps, schema_editor)


class Migration(migrations.Migration):
    dependencies = [
        ("appraisal", "0005_locked_quarter_trigger"),
    ]

    operations = [migrations.RunPython(create, drop, elidable=False)]
