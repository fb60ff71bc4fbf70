"""The day a close ended the quarter's entry (`Quarter.closed_on`).

An early close ends the entry of sheets and events on its day, and whoever is
employed that day is appraised (rules.md section 5, "Decision (who)"). Closing
again recomputes and must give the same result, so a recompute takes the day
from here instead of from the day it runs. On PostgreSQL the quarter's
lifecycle trigger of 0006 lets the column change wherever `closed_at` may.
Quarters closed before this migration keep it empty; `Quarter.entry_ended_on`
then takes the day of `closed_at`.
"""

import importlib

from django.db import migrations, models

FUNCTION = """
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
        WHEN 'open>open' THEN ARRAY['closed_at', 'closed_on', 'published_on', 'notice_ends_on',
                                    'final_on', 'payout_month', 'paid_at']
        WHEN 'open>closed' THEN ARRAY['status', 'closed_at', 'closed_on']
        WHEN 'closed>closed' THEN ARRAY['closed_at', 'closed_on']
        WHEN 'closed>open' THEN ARRAY['status', 'closed_at', 'closed_on']
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
"""


def _schema(schema_editor) -> str:
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("SELECT current_schema()")
        return schema_editor.quote_name(cursor.fetchone()[0])


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FUNCTION.format(s=_schema(schema_editor)), params=None)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        # 0006's functions as they were (later migrations added functions of their own).
        previous = importlib.import_module("appraisal.migrations.0006_lifecycle_guards")
        schema_editor.execute(previous.FUNCTIONS.format(s=_schema(schema_editor)), params=None)


class Migration(migrations.Migration):
    dependencies = [
        ("appraisal", "0011_objection_late"),
    ]

    operations = [
        migrations.AddField(
            model_name="quarter",
            name="closed_on",
            field=models.DateField(
                blank=True,
                help_text="The day the close ended the entry of sheets and events.",
                null=True,
                verbose_name="entry ended on",
            ),
        ),
        migrations.RunPython(create, drop, elidable=False),
    ]
