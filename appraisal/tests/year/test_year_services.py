"""Service stars and archiving a year (rules.md section 7), and the year's lock."""

import datetime
import zipfile
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import CommandError, call_command
from django.db import IntegrityError, connection, transaction
from django.utils import translation
from openpyxl import Workbook, load_workbook

from appraisal import exports_year
from appraisal.exports_year import (
    ARCHIVE_SHEETS,
    EVENT_HEADERS,
    OBJECTION_HEADERS,
    QUARTER_RESULT_HEADERS,
    SHEETS_HEADERS,
    YEAR_HEADERS,
    archive_workbook_write,
)
from appraisal.models import (
    DailySheet,
    Event,
    EventKind,
    Objection,
    QuarterResult,
    StarStatus,
    Year,
)
from appraisal.services import event_record, quarter_assert_open_for
from appraisal.services.year import (
    star_add,
    star_name,
    star_nominate,
    star_withdraw,
    stars_publish,
    year_archive,
)
from appraisal.tests.factories import DailySheetFactory
from appraisal.tests.guards import guards_off
from appraisal.tests.year.conftest import IN_YEAR, YEAR
from employees.tests.factories import EmployeeFactory, head_user, office_user
from spreadsheets import writing

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


D = Decimal


@pytest.fixture
def paid(year_world):
    year_world.settle_q4()
    return year_world


def test_a_head_nominates_an_award_winner_of_their_department(paid):
    star = star_nominate(
        year=YEAR, employee=paid.zhang, citation="热情服务", nominated_by=head_user(paid.loading)
    )
    assert star.status == StarStatus.NOMINATED
    assert star.department == paid.loading


def test_a_nomination_without_an_award_is_refused_naming_why(paid):
    with pytest.raises(ValidationError, match=r"李四.*no quarterly award"):
        star_nominate(
            year=YEAR, employee=paid.li, citation="认真", nominated_by=head_user(paid.loading)
        )
    assert not paid.li.stars.exists()


def test_an_award_of_a_quarter_not_yet_final_does_not_count(year_world):
    # 王五's only award is in Q4, still in its public notice.
    with pytest.raises(ValidationError, match="no quarterly award"):
        star_nominate(
            year=YEAR,
            employee=year_world.wang,
            citation="认真",
            nominated_by=head_user(year_world.passenger),
        )


def test_a_nomination_over_the_quota_is_refused(paid):
    other = EmployeeFactory(department=paid.loading, name="赵六")
    with guards_off():  # the setup moves a paid quarter's award, which PostgreSQL refuses
        QuarterResult.objects.filter(employee=paid.li, quarter__number=1).update(
            employee=other, award_tier="style", award_amount=D("200")
        )
    head = head_user(paid.loading)
    star_nominate(year=YEAR, employee=paid.zhang, citation="热情", nominated_by=head)
    with pytest.raises(ValidationError, match="quota of 1"):
        star_nominate(year=YEAR, employee=other, citation="认真", nominated_by=head)
    assert not other.stars.exists()


def test_someone_who_has_left_cannot_be_a_star(paid):
    paid.zhang.left_on = datetime.date(YEAR, 12, 31)
    paid.zhang.is_active = False
    paid.zhang.save()
    with pytest.raises(ValidationError, match="has left"):
        star_add(year=YEAR, employee=paid.zhang, citation="热情", added_by=office_user())


def test_a_head_cannot_nominate_another_department(paid):
    with pytest.raises(PermissionDenied):
        star_nominate(
            year=YEAR, employee=paid.zhang, citation="热情", nominated_by=head_user(paid.passenger)
        )


def test_the_office_names_adds_and_publishes_within_the_cap(paid):
    office = office_user()
    Year.objects.create(year=YEAR, stars_cap=1)
    star = star_nominate(
        year=YEAR, employee=paid.zhang, citation="热情", nominated_by=head_user(paid.loading)
    )
    star_name(star=star, named_by=office)
    with pytest.raises(ValidationError, match="most it may have"):
        star_add(year=YEAR, employee=paid.wang, citation="进步", added_by=office)
    stars_publish(year=YEAR, published_by=office)
    with pytest.raises(ValidationError, match="published"):
        star_withdraw(star=star, withdrawn_by=office)


def test_publishing_without_a_named_star_is_refused(paid):
    with pytest.raises(ValidationError, match="No service star"):
        stars_publish(year=YEAR, published_by=office_user())


def test_only_the_office_names_stars(paid):
    star = star_nominate(
        year=YEAR, employee=paid.zhang, citation="热情", nominated_by=head_user(paid.loading)
    )
    with pytest.raises(PermissionDenied):
        star_name(star=star, named_by=head_user(paid.loading))


def test_a_year_is_archived_only_once_its_four_quarters_are_paid(year_world):
    with pytest.raises(ValidationError, match="2025Q4"):
        year_archive(year=YEAR, archived_by=office_user())
    assert not Year.objects.filter(archived_at__isnull=False).exists()


def test_a_year_without_quarters_cannot_be_archived(db):
    with pytest.raises(ValidationError, match="no quarter"):
        year_archive(year=2019, archived_by=office_user())


def test_an_archived_year_refuses_every_write_through_the_services(paid):
    year_archive(year=YEAR, archived_by=office_user())
    with pytest.raises(ValidationError, match="archived"):
        quarter_assert_open_for(day=IN_YEAR)
    with pytest.raises(ValidationError, match="archived"):
        event_record(
            employee=paid.zhang, date=IN_YEAR, kind=EventKind.PRAISE_LETTER, recorded_by=None
        )
    with pytest.raises(ValidationError, match="archived"):
        star_add(year=YEAR, employee=paid.wang, citation="进步", added_by=office_user())


def test_archive_year_command_locks_and_writes_the_workbook(paid, tmp_path):
    path = tmp_path / "archive.xlsx"
    call_command("archive_year", str(YEAR), "--lock", "-o", str(path))
    assert Year.objects.get(year=YEAR).is_archived
    wb = load_workbook(path)
    assert tuple(wb.sheetnames) == ARCHIVE_SHEETS
    headers = {name: next(wb[name].iter_rows(values_only=True)) for name in ARCHIVE_SHEETS[1:]}
    assert headers["年度汇总"] == YEAR_HEADERS
    assert headers["日常考核"] == SHEETS_HEADERS
    assert headers["加减分事项"] == EVENT_HEADERS
    assert headers["季度结果"] == QUARTER_RESULT_HEADERS
    assert headers["异议"] == OBJECTION_HEADERS
    summary = list(wb["年度汇总"].iter_rows(min_row=2, values_only=True))
    assert [r[0] for r in summary] == ["A001", "A002", "B001"]
    assert summary[0][7] == 91.25 and summary[0][11] == 950
    sheet = next(wb["日常考核"].iter_rows(min_row=2))
    assert sheet[0].value == "A001" and sheet[2].value == 20
    assert sheet[6].value == "=HYPERLINK(1)" and sheet[6].data_type == "s"
    results = list(wb["季度结果"].iter_rows(min_row=2, values_only=True))
    assert len(results) == 7
    assert results[0][:3] == ("2025Q1", "A001", "张三") and results[0][7] == 96
    event = next(wb["加减分事项"].iter_rows(min_row=2))
    assert event[4].value == "锦旗" and event[8].value == "+1" and event[8].data_type == "s"
    objection = next(wb["异议"].iter_rows(min_row=2))
    assert objection[6].value == "@SUM(A1)" and objection[6].data_type == "s"
    readme = {r[0]: r[1] for r in wb["说明"].iter_rows(min_row=2, values_only=True)}
    assert readme["部门"] == "全部部门"
    assert readme["归档状态"].startswith("已归档")


def test_archive_year_for_one_department(paid, tmp_path):
    path = tmp_path / "archive.xlsx"
    call_command("archive_year", str(YEAR), "--department", "客运服务部", "-o", str(path))
    wb = load_workbook(path)
    assert [r[0] for r in wb["年度汇总"].iter_rows(min_row=2, values_only=True)] == ["B001"]
    assert [r[1] for r in wb["季度结果"].iter_rows(min_row=2, values_only=True)] == [
        "B001",
        "B001",
    ]


def test_the_archive_is_the_same_file_as_openpyxls_own_row_writer_writes(
    year_world, tmp_path, monkeypatch
):
    def written(name: str) -> zipfile.ZipFile:
        archive_workbook_write(year=YEAR, target=tmp_path / name)
        return zipfile.ZipFile(tmp_path / name)

    ours = written("ours.xlsx")
    monkeypatch.setattr(exports_year, "StreamingWorkbook", lambda: Workbook(write_only=True))
    theirs = written("theirs.xlsx")

    assert ours.namelist() == theirs.namelist()
    # core.xml holds the time of saving, to the second.
    for name in theirs.namelist():
        if name != "docProps/core.xml":
            assert ours.read(name) == theirs.read(name), name


def test_a_table_longer_than_an_excel_sheet_continues_on_the_next_sheet(
    year_world, tmp_path, monkeypatch
):
    # Excel's limit is 1,048,576 rows; three rows a sheet show the same rule.
    monkeypatch.setattr(writing, "EXCEL_MAX_ROWS", 3)
    with guards_off():
        for offset in range(1, 4):
            DailySheetFactory(employee=year_world.li, day=IN_YEAR + datetime.timedelta(days=offset))
    path = tmp_path / "archive.xlsx"

    archive_workbook_write(year=YEAR, target=path)

    wb = load_workbook(path)
    assert wb.sheetnames[:5] == ["说明", "年度汇总", "年度汇总 (2)", "日常考核", "日常考核 (2)"]
    assert wb.sheetnames[5:] == [
        "修改记录",
        "加减分事项",
        "季度结果",
        "季度结果 (2)",
        "季度结果 (3)",
        "季度结果 (4)",
        "异议",
    ]
    sheets = [list(wb[t].iter_rows(values_only=True)) for t in ("日常考核", "日常考核 (2)")]
    assert [rows[0] for rows in sheets] == [SHEETS_HEADERS, SHEETS_HEADERS]
    assert [(r[0], r[1]) for rows in sheets for r in rows[1:]] == [
        ("A001", "2025-08-04"),
        ("A002", "2025-08-05"),
        ("A002", "2025-08-06"),
        ("A002", "2025-08-07"),
    ]
    summary = [wb[t]["D2"] for t in ("年度汇总", "年度汇总 (2)")]
    assert [c.comment is not None for c in summary] == [True, True]


def test_archive_year_lock_refuses_a_running_year_and_writes_nothing(year_world, tmp_path):
    path = tmp_path / "archive.xlsx"
    with pytest.raises(CommandError, match="2025Q4"):
        call_command("archive_year", str(YEAR), "--lock", "-o", str(path))
    assert not path.exists()


# --- The database's own lock (PostgreSQL) ----------------------------------------------


@pytest.fixture
def archived(paid):
    if connection.vendor != "postgresql":
        pytest.skip("the archived-year trigger exists only on PostgreSQL")
    year_archive(year=YEAR, archived_by=None)
    return (
        paid,
        DailySheet.objects.get(employee=paid.zhang),
        Event.objects.get(employee=paid.zhang),
        Objection.objects.get(employee=paid.zhang),
    )


def refused(statement, params=(), match="archived year"):
    with (
        pytest.raises(IntegrityError, match=match),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(statement, params)


@pytest.mark.postgres_only
def test_the_database_refuses_sheets_and_events_of_an_archived_year(archived):
    _world, sheet, event, _objection = archived
    refused("UPDATE appraisal_dailysheet SET courtesy = 5 WHERE id = %s", [sheet.pk])
    refused("DELETE FROM appraisal_event WHERE id = %s", [event.pk])
    refused(
        "INSERT INTO appraisal_event (employee_id, date, kind, amount, validity, source, "
        "reported_by, note, ruling_note, created_at) VALUES "
        "(%s, '2025-08-05', 'pennant', 0, 'pending', 'office', '', '', '', now())",
        [sheet.employee_id],
    )
    assert DailySheet.objects.get(pk=sheet.pk).courtesy == D("10")
    assert Event.objects.filter(pk=event.pk).exists()


@pytest.mark.postgres_only
def test_the_database_refuses_results_and_objections_of_an_archived_year(archived):
    world, _sheet, _event, objection = archived
    # The results of a paid quarter are refused by 0006's guard before the year's is asked.
    locked = "archived year|are approved and cannot change"
    refused(
        "UPDATE appraisal_quarterresult SET final = 99 WHERE employee_id = %s",
        [world.li.pk],
        locked,
    )
    refused("DELETE FROM appraisal_quarterresult WHERE employee_id = %s", [world.li.pk], locked)
    refused("UPDATE appraisal_objection SET text = 'x' WHERE id = %s", [objection.pk])
    assert Objection.objects.get(pk=objection.pk).text != "x"


@pytest.mark.postgres_only
def test_the_database_refuses_a_revision_of_an_archived_year(archived):
    _world, sheet, _event, _objection = archived
    refused(
        "INSERT INTO appraisal_sheetrevision (sheet_id, employee_id, day, is_spot_check, "
        "changed_by_id, changed_at, old_values, new_values, reason) "
        "VALUES (%s, %s, %s, false, NULL, now(), '{}', '{}', '')",
        [sheet.pk, sheet.employee_id, sheet.day],
        f"appraisal_sheetrevision of year {YEAR} lies in an archived year",
    )


@pytest.mark.postgres_only
def test_the_database_lets_a_deleted_login_be_forgotten(archived):
    _world, sheet, _event, _objection = archived
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE appraisal_dailysheet SET entered_by_id = NULL WHERE id = %s", [sheet.pk]
        )


@pytest.mark.postgres_only
def test_another_year_is_not_locked(archived):
    world, _sheet, _event, _objection = archived
    other = DailySheetFactory(employee=world.zhang, day=datetime.date(YEAR + 1, 2, 3))
    with connection.cursor() as cursor:
        cursor.execute("UPDATE appraisal_dailysheet SET courtesy = 5 WHERE id = %s", [other.pk])
    assert DailySheet.objects.get(pk=other.pk).courtesy == D("5")
