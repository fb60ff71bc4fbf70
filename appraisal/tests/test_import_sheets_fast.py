"""The sheet import's set-based write against what model objects stored and against values built here.

`sheets_import` writes plain tuples through a temporary table (COPY on
PostgreSQL, executemany on SQLite) and two INSERT … SELECT statements. These
tests import one generated workbook (new sheets, changed ones with criteria
items, unchanged ones, spot checks, notes, scores as numbers and as text) and
compare every stored sheet, criteria link and revision with expected values
built independently from the file, and with what the model-object path
(`bulk_create` with upsert, then revisions, as the import did before) stores
from the same rows. They run on SQLite and PostgreSQL alike.
"""

import datetime
import json
from decimal import Decimal

import openpyxl
import pytest
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

import appraisal.imports.sheets
from appraisal.imports import SHEET_HEADERS, sheets_import
from appraisal.models import Criterion, DailySheet, Quarter, QuarterStatus, SheetRevision
from appraisal.rules import QuarterId
from appraisal.services import quarter_ensure
from appraisal.tests.factories import DailySheetFactory
from appraisal.tests.guards import advance
from employees.models import DepartmentKind
from employees.tests.factories import DepartmentFactory, EmployeeFactory, office_user
from spreadsheets import ImportRejected, row_error

pytestmark = pytest.mark.django_db

D = Decimal
FILE = "generated.xlsx"
CATEGORIES = ("discipline", "courtesy", "service", "morality")


def score_text(value):
    return str(D(value).quantize(D("0.1")))


@pytest.fixture
def company(tmp_path):
    """Twelve employees, three days; stored sheets to change, to keep and to leave alone."""
    today = timezone.localdate()
    days = [today - datetime.timedelta(days=offset) for offset in range(3)]
    for qid in {QuarterId.of(day) for day in days}:
        quarter_ensure(qid=qid)
    department = DepartmentFactory(name="装卸作业部", kind=DepartmentKind.FRONTLINE)
    people = [
        EmployeeFactory(number=f"G{n:03d}", name=f"员工{n}", department=department)
        for n in range(12)
    ]
    items = list(Criterion.objects.filter(department_kind=DepartmentKind.FRONTLINE)[:2])
    stored = {}
    for n, person in enumerate(people[:6]):
        # Employees 0-5 have a department sheet on the first day: 0-3 will change, 4-5 not.
        sheet = DailySheetFactory(
            employee=person, day=days[0], courtesy=D("9.5"), note=f"旧{n}" if n % 2 else ""
        )
        if n in (1, 2):
            sheet.criteria.set(items[:n])
        stored[person.number] = sheet
    # A spot check of employee 6 stays as it is; the file has none for that day.
    DailySheetFactory(employee=people[6], day=days[1], is_spot_check=True, service=D("44"))
    rows = []
    for d, day in enumerate(days):
        for n, person in enumerate(people):
            if d == 0 and n in (4, 5):
                note = f"旧{n}" if n % 2 else None
                rows.append((person.number, day, 20, "9.5", 50, 20.0, note, "否"))  # unchanged
                continue
            discipline = 19.5 if (n + d) % 3 == 0 else 20
            service = "47.5" if (n + d) % 4 == 0 else 50
            note = f"第{d}天\t备注 {n}\\" if n % 5 == 0 else None
            rows.append((person.number, day, discipline, 10, service, 19, note, None))
        # Two spot checks a day.
        for person in people[7:9]:
            rows.append((person.number, day.isoformat(), 18, 9.5, "45", 20, "抽查", "是"))
    path = tmp_path / FILE
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(list(SHEET_HEADERS))
    for row in rows:
        sheet.append(list(row))
    workbook.save(path)
    return {"path": path, "rows": rows, "people": people, "stored": stored, "days": days}


def run(path, user):
    return sheets_import(source=path, name=path.name, imported_by=user)


def sheets_snapshot():
    """Every sheet by key: its values, criteria and who wrote it; times as 'kept' or 'new'."""
    through = DailySheet.criteria.through.objects
    criteria = {}
    for sheet_id, criterion_id in through.values_list("dailysheet_id", "criterion_id"):
        criteria.setdefault(sheet_id, []).append(criterion_id)
    return {
        (s["employee__number"], s["day"], s["is_spot_check"]): (
            *(score_text(s[c]) for c in CATEGORIES),
            s["note"],
            s["entered_by_id"],
            sorted(criteria.get(s["pk"], [])),
        )
        for s in DailySheet.objects.values(
            "pk", "employee__number", "day", "is_spot_check", *CATEGORIES, "note", "entered_by_id"
        )
    }


def revisions_snapshot():
    """Every revision in id order, with its sheet's key and the JSON exactly as stored."""
    table = SheetRevision._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT id, old_values, new_values FROM {table} ORDER BY id")
        raw = {pk: (str(old), str(new)) for pk, old, new in cursor.fetchall()}
    result = []
    for r in SheetRevision.objects.order_by("id").values(
        "pk",
        "sheet__employee__number",
        "sheet__day",
        "sheet__is_spot_check",
        "employee__number",
        "day",
        "is_spot_check",
        "changed_by_id",
        "old_values",
        "new_values",
        "reason",
    ):
        result.append(
            (
                (r["sheet__employee__number"], r["sheet__day"], r["sheet__is_spot_check"]),
                (r["employee__number"], r["day"], r["is_spot_check"]),
                r["changed_by_id"],
                r["old_values"],
                r["new_values"],
                r["reason"],
                raw[r["pk"]],
            )
        )
    return result


def orm_write(rows, *, count, entered_by_id, reason):
    """The model-object write the import made before: bulk_create with upsert, then revisions."""
    rows = list(rows)
    assert len(rows) == count
    sheets = [
        DailySheet(
            employee_id=employee_id,
            day=day,
            is_spot_check=spot,
            discipline=a,
            courtesy=b,
            service=c,
            morality=m,
            note=note,
            entered_by_id=entered_by_id,
        )
        for _row, employee_id, day, spot, a, b, c, m, note, _old, _new in rows
    ]
    DailySheet.objects.bulk_create(
        sheets,
        update_conflicts=True,
        unique_fields=["employee", "day", "is_spot_check"],
        update_fields=[*CATEGORIES, "note", "entered_by", "updated_at"],
    )
    ids = {
        (s.employee_id, s.day, s.is_spot_check): s.pk
        for s in DailySheet.objects.filter(pk__gt=0).only("employee_id", "day", "is_spot_check")
    }
    SheetRevision.objects.bulk_create(
        SheetRevision(
            sheet_id=ids[(employee_id, day, spot)],
            employee_id=employee_id,
            day=day,
            is_spot_check=spot,
            changed_by_id=entered_by_id,
            old_values=json.loads(old),
            new_values=json.loads(new),
            reason=reason,
        )
        for _row, employee_id, day, spot, *_scores, _note, old, new in rows
    )


def test_the_fast_write_stores_what_model_objects_stored(company, monkeypatch):
    office = office_user()
    with transaction.atomic():
        with monkeypatch.context() as patch:
            patch.setattr(appraisal.imports.sheets, "_sheets_write", orm_write)
            before = run(company["path"], office)
        by_objects = (sheets_snapshot(), revisions_snapshot())
        transaction.set_rollback(True)

    report = run(company["path"], office)

    assert report == before
    assert (sheets_snapshot(), revisions_snapshot()) == by_objects


def test_every_stored_row_is_what_the_file_says(company):
    office = office_user()
    people, days, stored = company["people"], company["days"], company["stored"]
    criteria_before = {
        number: sorted(sheet.criteria.values_list("pk", flat=True))
        for number, sheet in stored.items()
    }
    times_before = {
        number: DailySheet.objects.values_list("created_at", "updated_at").get(pk=sheet.pk)
        for number, sheet in stored.items()
    }
    spot_before = DailySheet.objects.values().get(employee=people[6], is_spot_check=True)

    report = run(company["path"], office)

    # Built from the file's rows alone: the last row of a key wins, every key appears once.
    expected = {}
    for number, day, a, b, c, m, note, spot in company["rows"]:
        day = day if isinstance(day, datetime.date) else datetime.date.fromisoformat(day)
        is_spot = spot == "是"
        values = tuple(score_text(str(v)) for v in (a, b, c, m))
        expected[(number, day, is_spot)] = (*values, note or "")
    unchanged = {(people[n].number, days[0], False) for n in (4, 5)}
    changed = {(people[n].number, days[0], False) for n in range(4)}
    created = set(expected) - unchanged - changed
    assert (report.created, report.updated, report.unchanged) == (
        len(created),
        len(changed),
        len(unchanged),
    )
    assert report.rows == len(company["rows"])

    snapshot = sheets_snapshot()
    spot_key = (people[6].number, days[1], True)
    assert set(snapshot) == set(expected) | {spot_key}
    for key, values in expected.items():
        number = key[0]
        kept = criteria_before.get(number, []) if key[1:] == (days[0], False) else []
        writer = None if key in unchanged else office.pk
        assert snapshot[key] == (*values, writer, kept), key
    assert DailySheet.objects.values().get(pk=spot_before["id"]) == spot_before

    # Times: a changed sheet keeps its creation time and gets a new update time.
    for n in range(6):
        number = people[n].number
        now = DailySheet.objects.values_list("created_at", "updated_at").get(
            employee=people[n], day=days[0], is_spot_check=False
        )
        assert now[0] == times_before[number][0]
        assert (now[1] == times_before[number][1]) == (n in (4, 5))

    # A revision per written sheet, in the file's row order, pointing at its sheet.
    row_order = []
    for number, day, *_rest, spot in company["rows"]:
        day = day if isinstance(day, datetime.date) else datetime.date.fromisoformat(day)
        key = (number, day, spot == "是")
        if key not in unchanged:
            row_order.append(key)
    revisions = revisions_snapshot()
    assert [sheet_key for sheet_key, *_rest in revisions] == row_order
    reason = SheetRevision._meta.get_field("reason")
    for sheet_key, own_key, changed_by, old, new, text, raw in revisions:
        assert own_key == sheet_key
        assert changed_by == office.pk
        assert FILE in text and len(text) <= reason.max_length
        number = sheet_key[0]
        kept = criteria_before.get(number, []) if sheet_key in changed else []
        values = expected[sheet_key]
        assert new == {
            **dict(zip(CATEGORIES, values[:4], strict=True)),
            "note": values[4],
            "criteria": kept,
        }
        if sheet_key in changed:
            n = int(number[1:])
            assert old == {
                "discipline": "20.0",
                "courtesy": "9.5",
                "service": "50.0",
                "morality": "20.0",
                "note": f"旧{n}" if n % 2 else "",
                "criteria": kept,
            }
        else:
            assert old == {}
        assert json.loads(raw[0]) == old and json.loads(raw[1]) == new


def test_importing_the_same_file_twice_changes_nothing_the_second_time(company):
    office = office_user()
    run(company["path"], office)
    sheets, revisions = sheets_snapshot(), revisions_snapshot()

    report = run(company["path"], office)

    assert report.created == report.updated == 0
    assert (sheets_snapshot(), revisions_snapshot()) == (sheets, revisions)


def test_a_rejected_file_leaves_no_temporary_table_and_a_second_import_works(company, tmp_path):
    office = office_user()
    run(company["path"], office)
    with pytest.raises(ImportRejected):
        bad = tmp_path / "bad.xlsx"
        workbook = openpyxl.Workbook()
        workbook.active.append(list(SHEET_HEADERS))
        workbook.active.append(["G999", company["days"][0], 20, 10, 50, 20, None, None])
        workbook.save(bad)
        run(bad, office)

    assert run(company["path"], office).unchanged == len(company["rows"])


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the locked-quarter trigger is PostgreSQL's"
)
def test_the_locked_quarter_trigger_still_fires_on_the_fast_write(company, monkeypatch):
    """With the service's own check taken away, the database refuses the closed quarter's rows."""
    quarter = Quarter.objects.get(
        year=company["days"][0].year, number=QuarterId.of(company["days"][0]).number
    )
    advance(quarter, QuarterStatus.CLOSED)
    monkeypatch.setattr(appraisal.imports.sheets, "_check_quarter", lambda *args: True)
    count = DailySheet.objects.count()

    with pytest.raises(DatabaseError) as caught:
        run(company["path"], office_user())

    assert "locked quarter" in str(caught.value)
    assert DailySheet.objects.count() == count


def test_the_number_of_queries_does_not_grow_with_the_rows(tmp_path):
    """Ten times the rows (and the stored sheets to change), the same queries.

    (Lookups go by batches of 500 employees: both files stay within one.)
    """
    from django.test.utils import CaptureQueriesContext

    today = timezone.localdate()
    days = [today - datetime.timedelta(days=offset) for offset in range(10)]
    for qid in {QuarterId.of(day) for day in days}:
        quarter_ensure(qid=qid)
    department = DepartmentFactory(name="装卸作业部", kind=DepartmentKind.FRONTLINE)
    counts = []
    for size in (1, 10):
        people = [
            EmployeeFactory(number=f"N{size}{n:04d}", department=department)
            for n in range(40 * size)
        ]
        for person in people[::3]:
            DailySheetFactory(employee=person, day=days[0], courtesy=D("9"))
        path = tmp_path / f"{size}.xlsx"
        workbook = openpyxl.Workbook()
        workbook.active.append(list(SHEET_HEADERS))
        for person in people:
            for day in days:
                workbook.active.append([person.number, day, 20, 10, 50, 20, None, None])
        workbook.save(path)
        with CaptureQueriesContext(connection) as queries:
            report = run(path, None)
        assert report.created + report.updated == 400 * size
        counts.append(len(queries))

    assert counts[0] == counts[1]


def test_cells_equal_across_types_are_checked_each_as_itself(company, tmp_path):
    """TRUE and 1 are equal in Python; the column-wise check still refuses only the TRUE."""
    day, number = company["days"][0], company["people"][9].number
    path = tmp_path / "mixed.xlsx"
    workbook = openpyxl.Workbook()
    workbook.active.append(list(SHEET_HEADERS))
    workbook.active.append([number, day, 20, 10, 50, 1, None, True])
    workbook.active.append([number, day - datetime.timedelta(1), 20, 10, 50, True, None, 1])
    workbook.save(path)

    with pytest.raises(ImportRejected) as caught:
        run(path, office_user())

    (error,) = caught.value.errors
    assert error.startswith(row_error("mixed.xlsx", 3, ""))
    assert DailySheet.objects.filter(employee=company["people"][9]).count() == 0
