"""sheets_import and the import_sheets command (interfaces.md)."""

import datetime
from decimal import Decimal

import openpyxl
import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.utils import timezone

import appraisal.imports.common
import appraisal.imports.sheets
from appraisal.imports import SHEET_HEADERS, sheets_import
from appraisal.models import (
    LOCKED_STATUSES,
    Criterion,
    DailySheet,
    Quarter,
    QuarterStatus,
    SheetRevision,
)
from appraisal.rules import QuarterId
from appraisal.services import quarter_ensure
from appraisal.tests.factories import DailySheetFactory, QuarterFactory
from employees.models import DepartmentKind
from employees.tests.factories import DepartmentFactory, EmployeeFactory, office_user
from spreadsheets import ImportRejected, row_error

pytestmark = pytest.mark.django_db

D = Decimal
FILE = "sheets.xlsx"


def write_workbook(path, rows, headers=SHEET_HEADERS):
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(list(headers))
    for row in rows:
        sheet.append(list(row))
    workbook.save(path)
    return path


def at_row(message, row, name=FILE):
    """True when `message` is about row `row` of the file (in whatever language is active)."""
    return message.startswith(row_error(name, row, ""))


@pytest.fixture
def today():
    return timezone.localdate()


@pytest.fixture
def department():
    return DepartmentFactory(name="装卸作业部", kind=DepartmentKind.FRONTLINE)


@pytest.fixture
def zhang(department):
    return EmployeeFactory(number="D1001", name="张三", department=department)


@pytest.fixture
def li(department):
    return EmployeeFactory(number="D1002", name="李四", department=department)


@pytest.fixture
def path(tmp_path):
    return tmp_path / FILE


def run(path, user=None):
    return sheets_import(source=path, name=path.name, imported_by=user)


def rejected(path):
    with pytest.raises(ImportRejected) as caught:
        run(path)
    return caught.value


def test_new_sheets_are_created_with_their_scores_and_a_revision_each(path, today, zhang, li):
    office = office_user()
    write_workbook(
        path,
        [
            ("D1001", today, 19.5, 10, 47.5, 20, "迟到", "否"),
            ("D1002", today.isoformat(), "20", "9.5", "50", "19", "", ""),
        ],
    )

    report = run(path, user=office)

    assert (report.created, report.updated, report.unchanged, report.rows) == (2, 0, 0, 2)
    sheet = DailySheet.objects.get(employee=zhang, day=today, is_spot_check=False)
    assert (sheet.discipline, sheet.courtesy, sheet.service, sheet.morality) == (
        D("19.5"),
        D("10"),
        D("47.5"),
        D("20"),
    )
    assert sheet.note == "迟到"
    assert sheet.entered_by == office
    other = DailySheet.objects.get(employee=li)
    assert other.courtesy == D("9.5")
    assert other.morality == D("19")
    revision = SheetRevision.objects.get(sheet=sheet)
    assert revision.old_values == {}
    assert revision.new_values == {
        "discipline": "19.5",
        "courtesy": "10.0",
        "service": "47.5",
        "morality": "20.0",
        "note": "迟到",
        "criteria": [],
    }
    assert (revision.employee, revision.day, revision.is_spot_check) == (zhang, today, False)
    assert revision.changed_by == office
    assert FILE in revision.reason
    assert SheetRevision.objects.count() == 2


def test_an_existing_sheet_is_overwritten_and_its_change_recorded(path, today, zhang):
    item = Criterion.objects.filter(department_kind=DepartmentKind.FRONTLINE).first()
    sheet = DailySheetFactory(employee=zhang, day=today, courtesy=D("8"), note="旧")
    sheet.criteria.add(item)
    write_workbook(path, [("D1001", today, 20, 9.5, 50, 20, "新", "否")])

    report = run(path)

    assert (report.created, report.updated, report.unchanged) == (0, 1, 0)
    sheet.refresh_from_db()
    assert sheet.courtesy == D("9.5")
    assert sheet.note == "新"
    assert sheet.entered_by is None
    assert list(sheet.criteria.all()) == [item]  # the file has no criteria: they stay
    assert DailySheet.objects.count() == 1
    revision = SheetRevision.objects.get(sheet=sheet)
    assert revision.old_values["courtesy"] == "8.0"
    assert revision.old_values["note"] == "旧"
    assert revision.old_values["criteria"] == [item.pk]
    assert revision.new_values["courtesy"] == "9.5"
    assert revision.new_values["criteria"] == [item.pk]
    assert revision.changed_by is None


def test_a_row_equal_to_the_stored_sheet_changes_nothing(path, today, zhang):
    sheet = DailySheetFactory(employee=zhang, day=today, courtesy=D("9.5"), note="同")
    before = DailySheet.objects.values("updated_at", "entered_by").get(pk=sheet.pk)
    write_workbook(path, [("D1001", today, "20.0", 9.5, 50, 20, "同", "")])

    report = run(path, user=office_user())

    assert (report.created, report.updated, report.unchanged) == (0, 0, 1)
    assert not SheetRevision.objects.exists()
    assert DailySheet.objects.values("updated_at", "entered_by").get(pk=sheet.pk) == before


def test_a_spot_check_is_a_second_sheet_of_the_same_day(path, today, zhang):
    department_sheet = DailySheetFactory(employee=zhang, day=today)
    write_workbook(path, [("D1001", today, 18, 10, 45, 20, "抽查发现", "是")])

    report = run(path)

    assert report.created == 1
    spot = DailySheet.objects.get(employee=zhang, day=today, is_spot_check=True)
    assert spot.service == D("45")
    department_sheet.refresh_from_db()
    assert department_sheet.service == D("50")
    assert SheetRevision.objects.get().is_spot_check is True


def test_the_spot_check_column_may_be_left_out(path, today, zhang):
    write_workbook(path, [("D1001", today, 20, 10, 50, 20, "")], headers=SHEET_HEADERS[:-1])

    report = run(path)

    assert report.created == 1
    assert DailySheet.objects.get().is_spot_check is False


def test_excel_dates_and_text_dates_are_both_read(path, today, zhang):
    yesterday = today - datetime.timedelta(days=1)
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(list(SHEET_HEADERS))
    sheet.append(["D1001", datetime.datetime.combine(today, datetime.time()), 20, 10, 50, 20])
    sheet.append(["D1001", yesterday.isoformat(), 20, 10, 50, 20])
    assert sheet["B2"].is_date
    workbook.save(path)

    run(path)

    assert set(DailySheet.objects.values_list("day", flat=True)) == {today, yesterday}


def test_scores_stored_as_numbers_or_text_are_exact(path, today, zhang, li):
    write_workbook(
        path,
        [
            ("D1001", today, 19.5, 9.5, 49.5, 0.5, "", ""),
            ("D1002", today, "19.5", "9.5", "49.5", "0.5", "", ""),
        ],
    )

    run(path)

    for sheet in DailySheet.objects.all():
        assert sheet.scores() == {
            "discipline": "19.5",
            "courtesy": "9.5",
            "service": "49.5",
            "morality": "0.5",
        }


def test_a_number_stored_as_a_number_is_an_employee_number(path, today, department):
    EmployeeFactory(number="1001", department=department)
    write_workbook(path, [(1001, today, 20, 10, 50, 20, "", "")])

    assert run(path).created == 1


# --- Row errors ---------------------------------------------------------------------------------


def test_an_unknown_employee_number_is_an_error_naming_it(path, today, zhang):
    write_workbook(
        path,
        [
            ("D1001", today, 20, 10, 50, 20, "", ""),
            ("D9999", today, 20, 10, 50, 20, "", ""),
        ],
    )

    error = rejected(path)

    assert len(error.errors) == 1
    assert at_row(error.errors[0], 3)
    assert "D9999" in error.errors[0]


def test_a_supervisor_is_not_appraised(path, today, department):
    EmployeeFactory(number="S0001", department=department, is_supervisor=True)
    write_workbook(path, [("S0001", today, 20, 10, 50, 20, "", "")])

    error = rejected(path)

    assert at_row(error.errors[0], 2)
    assert "S0001" in error.errors[0]


@pytest.mark.parametrize(
    ("scores", "column"),
    [
        ((21, 10, 50, 20), "遵章守纪"),
        ((20, 10.5, 50, 20), "文明礼貌"),
        ((20, 10, 50.5, 20), "优质服务"),
        ((20, 10, 50, -1), "思想道德"),
        ((19.25, 10, 50, 20), "遵章守纪"),
        ((20, "9.55", 50, 20), "文明礼貌"),
        ((20, 10, None, 20), "优质服务"),
        ((20, 10, "满分", 20), "优质服务"),
        ((20, 10, 50, "NaN"), "思想道德"),
    ],
)
def test_a_score_out_of_range_with_two_decimals_or_unreadable_is_an_error(
    path, today, zhang, scores, column
):
    write_workbook(path, [("D1001", today, 20, 10, 50, 20, "", ""), ("D1001", today, *scores)])

    error = rejected(path)

    assert len(error.errors) == 1
    assert at_row(error.errors[0], 3)
    assert not DailySheet.objects.exists()


@pytest.mark.parametrize("day", [None, "", "2026/07/01", "昨天", "2026-13-01"])
def test_a_missing_or_unreadable_date_is_an_error(path, zhang, day):
    write_workbook(path, [("D1001", day, 20, 10, 50, 20, "", "")])

    error = rejected(path)

    assert len(error.errors) == 1
    assert at_row(error.errors[0], 2)


def test_a_date_still_to_come_is_an_error(path, today, zhang):
    tomorrow = today + datetime.timedelta(days=1)
    write_workbook(path, [("D1001", tomorrow, 20, 10, 50, 20, "", "")])

    error = rejected(path)

    assert at_row(error.errors[0], 2)
    assert tomorrow.isoformat() in error.errors[0]


@pytest.mark.parametrize("status", LOCKED_STATUSES)
def test_a_date_in_a_locked_quarter_is_an_error(path, today, zhang, status):
    previous = QuarterId.of(today).previous()
    QuarterFactory(year=previous.year, number=previous.number, status=status)
    write_workbook(
        path,
        [
            ("D1001", today, 20, 10, 50, 20, "", ""),
            ("D1001", previous.first_day, 20, 10, 50, 20, "", ""),
        ],
    )

    error = rejected(path)

    assert len(error.errors) == 1
    assert at_row(error.errors[0], 3)
    assert previous.code in error.errors[0]
    assert not DailySheet.objects.exists()


def test_a_date_of_a_new_quarter_opens_it_and_a_rejected_file_leaves_no_quarter(path, today, zhang):
    previous = QuarterId.of(today).previous()
    write_workbook(
        path,
        [
            ("D1001", previous.first_day, 20, 10, 50, 20, "", ""),
            ("D9999", today, 20, 10, 50, 20, "", ""),
        ],
    )
    rejected(path)
    assert not Quarter.objects.filter(year=previous.year, number=previous.number).exists()

    write_workbook(path, [("D1001", previous.first_day, 20, 10, 50, 20, "", "")])
    run(path)

    quarter = Quarter.objects.get(year=previous.year, number=previous.number)
    assert quarter.status == QuarterStatus.OPEN
    assert quarter.rule_settings is not None


def test_a_key_repeated_in_the_file_is_an_error_naming_the_first_row(path, today, zhang):
    write_workbook(
        path,
        [
            ("D1001", today, 20, 10, 50, 20, "", "否"),
            ("D1001", today, 20, 10, 50, 20, "", "是"),  # the spot check: a different key
            ("D1001", today.isoformat(), 19, 10, 50, 20, "", ""),
        ],
    )

    error = rejected(path)

    assert len(error.errors) == 1
    assert at_row(error.errors[0], 4)
    assert "2" in error.errors[0].removeprefix(row_error(FILE, 4, ""))


def test_one_bad_row_writes_nothing_and_every_bad_row_is_reported(path, today, zhang, li):
    DailySheetFactory(employee=zhang, day=today, courtesy=D("8"))
    write_workbook(
        path,
        [
            ("D1001", today, 20, 10, 50, 20, "", ""),  # would update
            ("D1002", today, 20, 10, 50, 20, "", ""),  # would create
            ("D9999", today, 20, 10, 50, 20, "", ""),
            ("D1002", today, 20, 11, 50, 20, "", "是"),
            ("D1002", "someday", 20, 10, 50, 20, "", ""),
        ],
    )
    counts = (DailySheet.objects.count(), SheetRevision.objects.count(), Quarter.objects.count())

    error = rejected(path)

    assert len(error.errors) == 3
    for message, row in zip(error.errors, (4, 5, 6), strict=True):
        assert at_row(message, row)
    assert (
        DailySheet.objects.count(),
        SheetRevision.objects.count(),
        Quarter.objects.count(),
    ) == counts
    assert DailySheet.objects.get(employee=zhang).courtesy == D("8")


def test_a_renamed_header_refuses_the_file(path, today, zhang):
    write_workbook(
        path,
        [("D1001", today, 20, 10, 50, 20, "", "")],
        headers=("工号", "日期", "纪律", *SHEET_HEADERS[3:]),
    )

    error = rejected(path)

    assert "纪律" in str(error)
    assert "遵章守纪" in str(error)


# --- Bulk ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("returns_ids", [True, False])
def test_batches_upsert_and_revise_every_row(path, today, department, monkeypatch, returns_ids):
    if not returns_ids:
        # An engine that cannot return upserted ids: the revisions still find their sheets.
        monkeypatch.setattr(type(connection.features), "can_return_rows_from_bulk_insert", False)
    # The lookup batch is read where it is used: the sheet import and the shared row checks.
    monkeypatch.setattr(appraisal.imports.sheets, "LOOKUP_BATCH", 2)
    monkeypatch.setattr(appraisal.imports.common, "LOOKUP_BATCH", 2)
    people = [EmployeeFactory(number=f"B{n:03d}", department=department) for n in range(7)]
    # The third stored sheet, in the second batch, is a spot check: each batch reads its own kind.
    spot = people[2]
    for person in people[:3]:
        DailySheetFactory(employee=person, day=today, service=D("40"), is_spot_check=person is spot)
    write_workbook(
        path,
        [(p.number, today, 20, 10, 45, 20, p.number, "是" if p is spot else "") for p in people],
    )

    report = run(path)

    assert (report.created, report.updated) == (4, 3)
    assert set(DailySheet.objects.values_list("service", flat=True)) == {D("45")}
    revisions = SheetRevision.objects.select_related("sheet")
    assert len(revisions) == 7
    for revision in revisions:
        assert revision.sheet.employee_id == revision.employee_id
        assert revision.new_values["note"] == revision.sheet.note
        assert revision.new_values["service"] == "45.0"
        assert revision.old_values in ({}, {**revision.new_values, "service": "40.0", "note": ""})


def test_the_import_is_a_few_bulk_queries_not_one_per_row(
    path, today, department, django_assert_max_num_queries
):
    people = [EmployeeFactory(number=f"Q{n:03d}", department=department) for n in range(100)]
    for person in people[:40]:
        DailySheetFactory(employee=person, day=today, courtesy=D("9"))
    days = [today - datetime.timedelta(days=offset) for offset in range(3)]
    for qid in {QuarterId.of(day) for day in days}:
        quarter_ensure(qid=qid)  # opening a quarter costs the same for 1 row or 100,000
    write_workbook(path, [(p.number, day, 20, 10, 50, 20, "", "") for p in people for day in days])

    with django_assert_max_num_queries(20):
        report = run(path)

    assert report.rows == 300
    assert report.created + report.updated == 300
    assert report.updated == 40
    assert SheetRevision.objects.count() == 300


# --- The command ----------------------------------------------------------------------------------


def test_the_command_imports_and_prints_a_one_line_summary(path, today, zhang, li, capsys):
    write_workbook(
        path,
        [
            ("D1001", today, 20, 10, 50, 20, "", ""),
            ("D1002", today, 19.5, 10, 50, 20, "", ""),
        ],
    )

    call_command("import_sheets", str(path))

    output = capsys.readouterr().out.strip()
    assert len(output.splitlines()) == 1
    assert FILE in output
    assert "2" in output
    assert DailySheet.objects.count() == 2
    assert DailySheet.objects.get(employee=li).entered_by is None


def test_the_command_fails_with_every_error_and_changes_nothing(path, today, zhang):
    write_workbook(
        path,
        [
            ("D1001", today, 20, 10, 50, 20, "", ""),
            ("D4040", today, 20, 10, 50, 20, "", ""),
            ("D1001", today, 20, 10, 50, 99, "", "是"),
        ],
    )

    with pytest.raises(CommandError) as caught:
        call_command("import_sheets", str(path))

    lines = str(caught.value).splitlines()
    assert at_row(lines[0], 3)
    assert "D4040" in lines[0]
    assert at_row(lines[1], 4)
    assert not DailySheet.objects.exists()


def test_the_command_names_a_missing_file(tmp_path):
    with pytest.raises(CommandError) as caught:
        call_command("import_sheets", str(tmp_path / "missing.xlsx"))

    assert "missing.xlsx" in str(caught.value)


def test_the_command_refuses_a_file_that_is_not_a_workbook(tmp_path):
    path = tmp_path / "sheets.csv"
    path.write_text("工号,日期\n", encoding="utf-8")

    with pytest.raises(CommandError) as caught:
        call_command("import_sheets", str(path))

    assert "sheets.csv" in str(caught.value)
