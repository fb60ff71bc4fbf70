"""Rulings kept per event, and events kept "for the record" in a locked quarter.

rules.md section 4 ("Decision (rulings)", "late arrivals") and section 5
("pending at close"). On PostgreSQL the events' lock trigger of 0005/0006 gets
its own function, which lets exactly two things through in a locked quarter
and refuses everything else as before:

* INSERT of a customer's feedback: source 'wechat', pending, recorded by no
  login, flagged for_the_record (so it never counts).
* UPDATE of a pending or for-the-record event that changes only its ruling
  (validity, ruled_by_id, ruled_at, ruling_note) and leaves it flagged
  for_the_record. An event that counted at the close stays as it was.

Forgetting a deleted login (ruled_by_id or created_by_id set to NULL) is let
through as before.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

FUNCTION = """
CREATE OR REPLACE FUNCTION {s}.appraisal_event_locked_quarter() RETURNS trigger
LANGUAGE plpgsql SET search_path = {s}, pg_temp AS $$
DECLARE
    changed text[];
    d date;
BEGIN
    IF TG_OP = 'INSERT' THEN
        IF NEW.for_the_record AND NEW.source = 'wechat' AND NEW.validity = 'pending'
           AND NEW.created_by_id IS NULL AND NEW.ruled_by_id IS NULL THEN
            RETURN NEW;
        END IF;
    ELSIF TG_OP = 'UPDATE' THEN
        changed := {s}.appraisal_changed_columns(to_jsonb(OLD), to_jsonb(NEW));
        IF NEW.ruled_by_id IS NULL THEN
            changed := array_remove(changed, 'ruled_by_id');
        END IF;
        IF NEW.created_by_id IS NULL THEN
            changed := array_remove(changed, 'created_by_id');
        END IF;
        IF changed = '{{}}' THEN
            RETURN NEW;
        END IF;
        IF NEW.for_the_record AND (OLD.for_the_record OR OLD.validity = 'pending')
           AND changed <@ ARRAY['validity', 'ruled_by_id', 'ruled_at', 'ruling_note',
                                'for_the_record'] THEN
            RETURN NEW;
        END IF;
    END IF;
    FOREACH d IN ARRAY ARRAY[
        CASE WHEN TG_OP <> 'INSERT' THEN OLD.date END,
        CASE WHEN TG_OP <> 'DELETE' THEN NEW.date END
    ] LOOP
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
DROP TRIGGER IF EXISTS appraisal_event_locked_quarter ON {s}.appraisal_event;
CREATE TRIGGER appraisal_event_locked_quarter
    BEFORE INSERT OR UPDATE OR DELETE ON {s}.appraisal_event
    FOR EACH ROW EXECUTE FUNCTION {s}.appraisal_event_locked_quarter();
"""

BACK = """
DROP TRIGGER IF EXISTS appraisal_event_locked_quarter ON {s}.appraisal_event;
DROP FUNCTION IF EXISTS {s}.appraisal_event_locked_quarter();
CREATE TRIGGER appraisal_event_locked_quarter
    BEFORE INSERT OR UPDATE OR DELETE ON {s}.appraisal_event
    FOR EACH ROW EXECUTE FUNCTION {s}.appraisal_refuse_locked_quarter(
        'date', 'ruled_by_id', 'created_by_id'
    );
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
        schema_editor.execute(BACK.format(s=_schema(schema_editor)), params=None)


class Migration(migrations.Migration):
    dependencies = [
        ("appraisal", "0009_archived_year_trigger"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="event",
            name="for_the_record",
            field=models.BooleanField(
                default=False,
                help_text="Received or ruled after its quarter was closed: kept and shown, never counted.",
                verbose_name="for the record",
            ),
        ),
        migrations.CreateModel(
            name="EventRuling",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("ruled_at", models.DateTimeField(auto_now_add=True, verbose_name="ruled at")),
                (
                    "old_validity",
                    models.CharField(
                        choices=[
                            ("pending", "Pending"),
                            ("valid", "Valid"),
                            ("invalid", "Invalid"),
                        ],
                        default="pending",
                        max_length=10,
                        verbose_name="before",
                    ),
                ),
                (
                    "new_validity",
                    models.CharField(
                        choices=[
                            ("pending", "Pending"),
                            ("valid", "Valid"),
                            ("invalid", "Invalid"),
                        ],
                        max_length=10,
                        verbose_name="after",
                    ),
                ),
                ("reason", models.CharField(blank=True, max_length=500, verbose_name="reason")),
                (
                    "for_the_record",
                    models.BooleanField(default=False, verbose_name="for the record"),
                ),
                (
                    "event",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="rulings",
                        to="appraisal.event",
                        verbose_name="event",
                    ),
                ),
                (
                    "ruled_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="ruled by",
                    ),
                ),
            ],
            options={
                "verbose_name": "event ruling",
                "verbose_name_plural": "event rulings",
                "ordering": ["-ruled_at", "-id"],
            },
        ),
        migrations.RunPython(create, drop, elidable=False),
    ]
