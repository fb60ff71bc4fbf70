"""On PostgreSQL, the locked-quarter and archived-year guards of sheets and revisions run once a statement.

0005/0006 and 0009 guard a sheet with two row triggers (locked quarter,
archived year) and a revision with one. Each fires a PL/pgSQL function per row
that turns the row into jsonb and asks the quarter and the year tables about
its date: an import of 100,000 sheets spent more time in them than in the rest
of its write, and an upsert that changes them twice as long again.

The same rules now run as AFTER … FOR EACH STATEMENT triggers over the
statement's transition tables (one trigger per event: PostgreSQL allows
transition tables only on single-event triggers). They first ask, for the
distinct dates the statement touched (old and new rows), whether any lies in
an archived year or, for sheets, a locked quarter; that is one query, and for
almost every statement the answer is no. Only when it is yes do they go
through the rows as the row triggers did and refuse with the row triggers' own
message and SQLSTATE:

* an UPDATE that only sets a column of the nullable list to NULL (a deleted
  login) and changes nothing else is let through, as before;
* a sheet's archived year is asked before its locked quarter, row by row, as
  the two row triggers fired (by name);
* an UPDATE's old and new rows are paired by id; a row whose id the statement
  changed is checked as a deleted old row and an inserted new one (the rows
  are gone through in id order, so the first refused row is the lowest id).

What a statement may do is what the row triggers allowed; the refusal now
comes when the statement has written its rows rather than before each one,
so when a statement breaks both a guard and a constraint (say a unique key),
the constraint's error may come first. Either way the statement is undone.
"""

from django.db import migrations

FUNCTION = """
-- Statement-level guard over the transition tables new_rows / old_rows.
-- TG_ARGV[0] names the date column; TG_ARGV[1] is 'quarter' (a locked quarter
-- refuses too) or 'year' (only an archived year); the other arguments name
-- columns that may be set to NULL and nothing else.
CREATE OR REPLACE FUNCTION {s}.appraisal_refuse_locked_rows() RETURNS trigger
LANGUAGE plpgsql SET search_path = {s}, pg_temp AS $$
DECLARE
    touched text;
    refused boolean;
    old_row jsonb;
    new_row jsonb;
    d date;
    y int;
    i int;
BEGIN
    touched := CASE TG_OP
        WHEN 'INSERT' THEN format('SELECT %I AS d FROM new_rows', TG_ARGV[0])
        WHEN 'DELETE' THEN format('SELECT %I AS d FROM old_rows', TG_ARGV[0])
        ELSE format('SELECT %1$I AS d FROM old_rows UNION ALL SELECT %1$I FROM new_rows', TG_ARGV[0])
    END;
    EXECUTE format(
        'SELECT EXISTS (SELECT 1 FROM (SELECT DISTINCT d FROM (%s) t WHERE d IS NOT NULL) u '
        'WHERE {s}.appraisal_year_is_archived(extract(year FROM d)::int) '
        'OR ($1 AND {s}.appraisal_quarter_is_locked(d)))',
        touched
    ) INTO refused USING TG_ARGV[1] = 'quarter';
    IF NOT refused THEN
        RETURN NULL;
    END IF;
    -- Some row is dated in a locked period: find the first the row triggers
    -- would have refused, in the statement's order, and say what they said.
    FOR old_row, new_row IN EXECUTE CASE TG_OP
        WHEN 'INSERT' THEN 'SELECT NULL::jsonb, to_jsonb(n) FROM new_rows n'
        WHEN 'DELETE' THEN 'SELECT to_jsonb(o), NULL::jsonb FROM old_rows o'
        -- A row whose id the statement changed has no partner: both sides are checked.
        ELSE 'SELECT to_jsonb(o), to_jsonb(n) FROM old_rows o '
             'FULL JOIN new_rows n ON n.id = o.id ORDER BY coalesce(n.id, o.id)'
    END LOOP
        IF TG_OP = 'UPDATE' THEN
            FOR i IN 2 .. TG_NARGS - 1 LOOP
                IF new_row ->> TG_ARGV[i] IS NULL THEN
                    old_row := old_row - TG_ARGV[i];
                    new_row := new_row - TG_ARGV[i];
                END IF;
            END LOOP;
            CONTINUE WHEN old_row = new_row;
        END IF;
        FOREACH d IN ARRAY ARRAY[(old_row ->> TG_ARGV[0])::date, (new_row ->> TG_ARGV[0])::date] LOOP
            CONTINUE WHEN d IS NULL;
            y := extract(year FROM d)::int;
            IF {s}.appraisal_year_is_archived(y) THEN
                RAISE EXCEPTION 'appraisal: % of year % lies in an archived year', TG_TABLE_NAME, y
                    USING ERRCODE = 'check_violation';
            END IF;
        END LOOP;
        CONTINUE WHEN TG_ARGV[1] <> 'quarter';
        FOREACH d IN ARRAY ARRAY[(old_row ->> TG_ARGV[0])::date, (new_row ->> TG_ARGV[0])::date] LOOP
            IF d IS NOT NULL AND {s}.appraisal_quarter_is_locked(d) THEN
                RAISE EXCEPTION 'appraisal: % of % lies in a locked quarter', TG_TABLE_NAME, d
                    USING ERRCODE = 'check_violation';
            END IF;
        END LOOP;
    END LOOP;
    RETURN NULL;
END
$$;
"""

# (table, name, the guard's arguments): sheets take both checks, revisions the year's.
GUARDED = [
    ("appraisal_dailysheet", "locked_quarter", "'day', 'quarter', 'entered_by_id'"),
    ("appraisal_sheetrevision", "archived_year", "'day', 'year', 'changed_by_id', 'sheet_id'"),
]

STATEMENT_TRIGGERS = """
CREATE TRIGGER {table}_{name}
    AFTER INSERT ON {s}.{table} REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION {s}.appraisal_refuse_locked_rows({args});
CREATE TRIGGER {table}_{name}_update
    AFTER UPDATE ON {s}.{table} REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION {s}.appraisal_refuse_locked_rows({args});
CREATE TRIGGER {table}_{name}_delete
    AFTER DELETE ON {s}.{table} REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION {s}.appraisal_refuse_locked_rows({args});
"""

ROW_TRIGGERS = """
DROP TRIGGER IF EXISTS appraisal_dailysheet_locked_quarter ON {s}.appraisal_dailysheet;
DROP TRIGGER IF EXISTS appraisal_dailysheet_archived_year ON {s}.appraisal_dailysheet;
DROP TRIGGER IF EXISTS appraisal_sheetrevision_archived_year ON {s}.appraisal_sheetrevision;
"""

# 0006's and 0009's row triggers, for the way back.
BACK = """
CREATE TRIGGER appraisal_dailysheet_locked_quarter
    BEFORE INSERT OR UPDATE OR DELETE ON {s}.appraisal_dailysheet
    FOR EACH ROW EXECUTE FUNCTION {s}.appraisal_refuse_locked_quarter('day', 'entered_by_id');
CREATE TRIGGER appraisal_dailysheet_archived_year
    BEFORE INSERT OR UPDATE OR DELETE ON {s}.appraisal_dailysheet
    FOR EACH ROW EXECUTE FUNCTION {s}.appraisal_refuse_archived_year('date', 'day', 'entered_by_id');
CREATE TRIGGER appraisal_sheetrevision_archived_year
    BEFORE INSERT OR UPDATE OR DELETE ON {s}.appraisal_sheetrevision
    FOR EACH ROW EXECUTE FUNCTION {s}.appraisal_refuse_archived_year(
        'date', 'day', 'changed_by_id', 'sheet_id'
    );
"""


def _schema(schema_editor) -> str:
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("SELECT current_schema()")
        return schema_editor.quote_name(cursor.fetchone()[0])


def _statement_triggers(s: str, *, drop: bool) -> str:
    sql = []
    for table, name, args in GUARDED:
        if drop:
            sql.extend(
                f"DROP TRIGGER IF EXISTS {table}_{name}{suffix} ON {s}.{table};"
                for suffix in ("", "_update", "_delete")
            )
        else:
            sql.append(STATEMENT_TRIGGERS.format(s=s, table=table, name=name, args=args))
    return "\n".join(sql)


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    s = _schema(schema_editor)
    schema_editor.execute(FUNCTION.format(s=s), params=None)
    schema_editor.execute(ROW_TRIGGERS.format(s=s), params=None)
    schema_editor.execute(_statement_triggers(s, drop=False), params=None)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    s = _schema(schema_editor)
    schema_editor.execute(_statement_triggers(s, drop=True), params=None)
    schema_editor.execute(f"DROP FUNCTION IF EXISTS {s}.appraisal_refuse_locked_rows()", None)
    schema_editor.execute(BACK.format(s=s), params=None)


class Migration(migrations.Migration):
    dependencies = [
        ("appraisal", "0012_quarter_closed_on"),
    ]

    operations = [migrations.RunPython(create, drop, elidable=False)]
