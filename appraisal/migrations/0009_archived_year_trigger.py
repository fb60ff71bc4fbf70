"""On PostgreSQL, the database refuses changes to anything dated in an archived year.

The same locks as a closed quarter (0005), one level up: once the office
archives a year, its sheets, their criteria, sheet revisions, events, and its
quarters' results and objections cannot change, whatever tries (the services
refuse first on every database). A separate trigger, so the quarter's trigger
stays as it is.

An UPDATE that only sets a reference to a user to NULL (a login deleted) is let
through, as in 0005.
"""

from django.db import migrations

FUNCTIONS = """
CREATE OR REPLACE FUNCTION {s}.appraisal_year_is_archived(y int) RETURNS boolean
LANGUAGE sql STABLE SET search_path = {s}, pg_temp AS $$
    SELECT EXISTS (
        SELECT 1 FROM appraisal_year WHERE year = y AND archived_at IS NOT NULL
    )
$$;

-- TG_ARGV[0] says how the row is dated: 'date' (TG_ARGV[1] is a date column),
-- 'quarter' (TG_ARGV[1] is a quarter_id column) or 'sheet' (a sheet's
-- criteria: TG_ARGV[1] is the dailysheet_id column). The other arguments name
-- columns that may be set to NULL and nothing else.
CREATE OR REPLACE FUNCTION {s}.appraisal_refuse_archived_year() RETURNS trigger
LANGUAGE plpgsql SET search_path = {s}, pg_temp AS $$
DECLARE
    old_row jsonb;
    new_row jsonb;
    v text;
    y int;
    i int;
BEGIN
    IF TG_OP <> 'INSERT' THEN
        old_row := to_jsonb(OLD);
    END IF;
    IF TG_OP <> 'DELETE' THEN
        new_row := to_jsonb(NEW);
    END IF;
    IF TG_OP = 'UPDATE' THEN
        FOR i IN 2 .. TG_NARGS - 1 LOOP
            IF new_row ->> TG_ARGV[i] IS NULL THEN
                old_row := old_row - TG_ARGV[i];
                new_row := new_row - TG_ARGV[i];
            END IF;
        END LOOP;
        IF old_row = new_row THEN
            RETURN NEW;
        END IF;
    END IF;
    FOREACH v IN ARRAY ARRAY[old_row ->> TG_ARGV[1], new_row ->> TG_ARGV[1]] LOOP
        CONTINUE WHEN v IS NULL;
        IF TG_ARGV[0] = 'date' THEN
            y := extract(year FROM v::date)::int;
        ELSIF TG_ARGV[0] = 'quarter' THEN
            SELECT year INTO y FROM appraisal_quarter WHERE id = v::bigint;
        ELSE
            SELECT extract(year FROM day)::int INTO y FROM appraisal_dailysheet
            WHERE id = v::bigint;
        END IF;
        IF y IS NOT NULL AND {s}.appraisal_year_is_archived(y) THEN
            RAISE EXCEPTION 'appraisal: % of year % lies in an archived year', TG_TABLE_NAME, y
                USING ERRCODE = 'check_violation';
        END IF;
    END LOOP;
    IF TG_OP = 'DELETE' THEN
        RETURN OLD;
    END IF;
    RETURN NEW;
END
$$;
"""

TRIGGERS = """
CREATE TRIGGER appraisal_dailysheet_archived_year
    BEFORE INSERT OR UPDATE OR DELETE ON appraisal_dailysheet
    FOR EACH ROW EXECUTE FUNCTION {s}.appraisal_refuse_archived_year('date', 'day', 'entered_by_id');
CREATE TRIGGER appraisal_dailysheet_criteria_archived_year
    BEFORE INSERT OR UPDATE OR DELETE ON appraisal_dailysheet_criteria
    FOR EACH ROW EXECUTE FUNCTION {s}.appraisal_refuse_archived_year('sheet', 'dailysheet_id');
CREATE TRIGGER appraisal_sheetrevision_archived_year
    BEFORE INSERT OR UPDATE OR DELETE ON appraisal_sheetrevision
    FOR EACH ROW EXECUTE FUNCTION {s}.appraisal_refuse_archived_year(
        'date', 'day', 'changed_by_id', 'sheet_id'
    );
CREATE TRIGGER appraisal_event_archived_year
    BEFORE INSERT OR UPDATE OR DELETE ON appraisal_event
    FOR EACH ROW EXECUTE FUNCTION {s}.appraisal_refuse_archived_year(
        'date', 'date', 'ruled_by_id', 'created_by_id'
    );
CREATE TRIGGER appraisal_quarterresult_archived_year
    BEFORE INSERT OR UPDATE OR DELETE ON appraisal_quarterresult
    FOR EACH ROW EXECUTE FUNCTION {s}.appraisal_refuse_archived_year(
        'quarter', 'quarter_id', 'approved_by_id'
    );
CREATE TRIGGER appraisal_objection_archived_year
    BEFORE INSERT OR UPDATE OR DELETE ON appraisal_objection
    FOR EACH ROW EXECUTE FUNCTION {s}.appraisal_refuse_archived_year(
        'quarter', 'quarter_id', 'ruled_by_id', 'recorded_by_id'
    );
"""

DROP = """
DROP TRIGGER IF EXISTS appraisal_objection_archived_year ON appraisal_objection;
DROP TRIGGER IF EXISTS appraisal_quarterresult_archived_year ON appraisal_quarterresult;
DROP TRIGGER IF EXISTS appraisal_event_archived_year ON appraisal_event;
DROP TRIGGER IF EXISTS appraisal_sheetrevision_archived_year ON appraisal_sheetrevision;
DROP TRIGGER IF EXISTS appraisal_dailysheet_criteria_archived_year ON appraisal_dailysheet_criteria;
DROP TRIGGER IF EXISTS appraisal_dailysheet_archived_year ON appraisal_dailysheet;
DROP FUNCTION IF EXISTS {s}.appraisal_refuse_archived_year();
DROP FUNCTION IF EXISTS {s}.appraisal_year_is_archived(int);
"""


def _schema(schema_editor) -> str:
    # Schema-qualified like 0006, so that a restore (empty search_path) finds them.
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("SELECT current_schema()")
        return schema_editor.quote_name(cursor.fetchone()[0])


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        s = _schema(schema_editor)
        schema_editor.execute(FUNCTIONS.format(s=s), params=None)
        schema_editor.execute(TRIGGERS.format(s=s), params=None)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP.format(s=_schema(schema_editor)), params=None)


class Migration(migrations.Migration):
    dependencies = [
        ("appraisal", "0008_year_and_service_stars"),
    ]

    operations = [migrations.RunPython(create, drop, elidable=False)]
