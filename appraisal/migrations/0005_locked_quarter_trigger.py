"""On PostgreSQL, the database itself refuses changes to a locked quarter's sheets and events.

The services already refuse them on every database; the trigger also stops
`queryset.update()`, raw SQL and anything else that goes around the services.
A closed, published, final or paid quarter is locked (`LOCKED_STATUSES`).

An UPDATE that only sets a reference to a user to NULL (a login deleted) is let
through: it forgets who did something and changes nothing that counts.
"""

from django.db import migrations

FUNCTIONS = """
CREATE OR REPLACE FUNCTION appraisal_quarter_is_locked(d date) RETURNS boolean
LANGUAGE sql STABLE AS $$
    SELECT EXISTS (
        SELECT 1 FROM appraisal_quarter
        WHERE year = extract(year FROM d)::int
          AND number = extract(quarter FROM d)::int
          AND status IN ('closed', 'published', 'final', 'paid')
    )
$$;

-- TG_ARGV[0] names the row's date column; the other arguments name columns
-- that may be set to NULL (a deleted login) and nothing else.
CREATE OR REPLACE FUNCTION appraisal_refuse_locked_quarter() RETURNS trigger
LANGUAGE plpgsql AS $$
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
        IF d IS NOT NULL AND appraisal_quarter_is_locked(d) THEN
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

CREATE OR REPLACE FUNCTION appraisal_refuse_locked_sheet_criteria() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    d date;
BEGIN
    SELECT day INTO d FROM appraisal_dailysheet
    WHERE id = CASE WHEN TG_OP = 'DELETE' THEN OLD.dailysheet_id ELSE NEW.dailysheet_id END;
    IF d IS NOT NULL AND appraisal_quarter_is_locked(d) THEN
        RAISE EXCEPTION 'appraisal: criteria of the sheet of % lie in a locked quarter', d
            USING ERRCODE = 'check_violation';
    END IF;
    IF TG_OP = 'DELETE' THEN
        RETURN OLD;
    END IF;
    RETURN NEW;
END
$$;
"""

TRIGGERS = """
CREATE TRIGGER appraisal_dailysheet_locked_quarter
    BEFORE INSERT OR UPDATE OR DELETE ON appraisal_dailysheet
    FOR EACH ROW EXECUTE FUNCTION appraisal_refuse_locked_quarter('day', 'entered_by_id');
CREATE TRIGGER appraisal_event_locked_quarter
    BEFORE INSERT OR UPDATE OR DELETE ON appraisal_event
    FOR EACH ROW EXECUTE FUNCTION appraisal_refuse_locked_quarter(
        'date', 'ruled_by_id', 'created_by_id'
    );
CREATE TRIGGER appraisal_dailysheet_criteria_locked_quarter
    BEFORE INSERT OR UPDATE OR DELETE ON appraisal_dailysheet_criteria
    FOR EACH ROW EXECUTE FUNCTION appraisal_refuse_locked_sheet_criteria();
"""

DROP = """
DROP TRIGGER IF EXISTS appraisal_dailysheet_criteria_locked_quarter ON appraisal_dailysheet_criteria;
DROP TRIGGER IF EXISTS appraisal_event_locked_quarter ON appraisal_event;
DROP TRIGGER IF EXISTS appraisal_dailysheet_locked_quarter ON appraisal_dailysheet;
DROP FUNCTION IF EXISTS appraisal_refuse_locked_sheet_criteria();
DROP FUNCTION IF EXISTS appraisal_refuse_locked_quarter();
DROP FUNCTION IF EXISTS appraisal_quarter_is_locked(date);
"""


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FUNCTIONS, params=None)
        schema_editor.execute(TRIGGERS, params=None)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP, params=None)


class Migration(migrations.Migration):
    dependencies = [
        ("appraisal", "0004_verbose_names"),
    ]

    operations = [migrations.RunPython(create, drop, elidable=False)]
