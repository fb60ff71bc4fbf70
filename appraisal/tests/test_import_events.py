"""events_import and the import_events command (interfaces.md)."""

import datetime
from decimal import Decimal

import openpyxl
import pytest
from django.core.management import CommandError, call_command

from appraisal.imports import EVENT_HEADERS, events_import
from appraisal.models import (
    LOCKED_STATUSES,
    Event,
    EventKind,
    EventSource,
    EventValidity,
    Quarter,
    RuleSettings,
)
from appraisal.rules import QuarterId
from appraisal.services import quarter_ensure
from appraisal.tests.factories import EventFactory, QuarterFactory
from employees.tests.factories import EmployeeFactory, office_user
from spreadsheets import ImportRejected, row_error

pytestmark = pytest.mark.django_db

D = Decimal
FILE = "events.xlsx"

KINDS = {
    "表扬信": EventKind.PRAISE_LETTER,
    "锦旗": EventKind.PENNANT,
    "公司级表扬": EventKind.COMPANY_COMMENDATION,
    "微信表扬": EventKind.WECHAT_PRAISE,
    "集团级投诉": EventKind.GROUP_COMPLAINT,
    "公司级投诉": EventKind.COMPANY_COMPLAINT,
    "内部投诉": EventKind.INTERNAL_COMPLAINT,
    "微信投诉": EventKind.WECHAT_COMPLAINT,
    "月度扣分": EventKind.MONTHLY_DEDUCTION,
    "未佩戴工作牌": EventKind.BADGE_NOT_WORN,
    "工作牌丢失": EventKind.WORK_BADGE_LOST,
    "奖励徽章丢失": EventKind.AWARD_BADGE_LOST,
}


def write_workbook(path, rows, headers=EVENT_HEADERS):
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
def zhang():
    return EmployeeFactory(number="D1001", name="张三")


@pytest.fixture
def path(tmp_path):
    return tmp_path / FILE


def run(path, user=None):
    return events_import(source=path, name=path.name, imported_by=user)


def rejected(path):
    with pytest.raises(ImportRejected) as caught:
        run(path)
    return caught.value


@pytest.mark.parametrize(("name", "kind"), KINDS.items())
def test_every_kind_name_of_the_interface_maps_to_its_kind(path, today, zhang, name, kind):
    points = 3 if kind == EventKind.MONTHLY_DEDUCTION else None
    write_workbook(path, [("D1001", today, name, points, None, None, "")])

    report = run(path)

    assert report.created == 1
    assert Event.objects.get().kind == kind


def test_events_are_added_with_their_values_and_the_import_as_source(path, today, zhang):
    office = office_user()
    write_workbook(
        path,
        [
            ("D1001", today, "表扬信", None, 500, "是", "旅客来信表扬"),
            ("D1001", today.isoformat(), "月度扣分", 2.5, None, "否", "迟到"),
            ("D1001", today, "锦旗", 10, "", "待定", None),
            ("D1001", today, "微信投诉", "", -100.5, "", ""),
        ],
    )

    report = run(path, user=office)

    assert (report.created, report.rows) == (4, 4)
    praise, deduction, pennant, complaint = Event.objects.order_by("pk")
    assert (praise.kind, praise.points, praise.amount) == (EventKind.PRAISE_LETTER, None, D("500"))
    assert praise.note == "旅客来信表扬"
    assert praise.source == EventSource.IMPORT
    assert praise.created_by == office
    assert praise.validity == EventValidity.VALID
    assert praise.ruled_by == office
    assert praise.ruled_at is not None
    assert FILE in praise.ruling_note
    assert (deduction.points, deduction.amount) == (D("2.5"), D("0"))
    assert deduction.validity == EventValidity.INVALID
    assert deduction.ruled_at is not None
    assert pennant.points == D("10")
    assert pennant.validity == EventValidity.PENDING
    assert (pennant.ruled_at, pennant.ruled_by, pennant.ruling_note) == (None, None, "")
    assert complaint.amount == D("-100.5")
    assert complaint.validity == EventValidity.PENDING


def test_a_lost_badge_without_an_amount_is_fined_by_the_quarters_setting(path, today, zhang):
    quarter = quarter_ensure(qid=QuarterId.of(today))
    RuleSettings.objects.filter(quarter=quarter).update(award_badge_fine=D("150"))
    write_workbook(
        path,
        [
            ("D1001", today, "工作牌丢失", None, None, "是", ""),
            ("D1001", today, "奖励徽章丢失", None, "", "是", ""),
            ("D1001", today, "工作牌丢失", None, -50, "是", ""),
        ],
    )

    run(path)

    assert list(Event.objects.order_by("pk").values_list("amount", flat=True)) == [
        D("-200"),
        D("-150"),
        D("-50"),
    ]


def test_a_ruled_row_imported_from_the_command_line_has_no_ruler_but_a_time(path, today, zhang):
    write_workbook(path, [("D1001", today, "锦旗", None, None, "yes", "")])

    run(path, user=None)

    event = Event.objects.get()
    assert event.validity == EventValidity.VALID
    assert (event.ruled_by, event.created_by) == (None, None)
    assert event.ruled_at is not None


def test_an_import_always_adds_and_never_edits_recorded_events(path, today, zhang):
    EventFactory(employee=zhang, date=today, kind=EventKind.PENNANT)
    write_workbook(path, [("D1001", today, "锦旗", None, None, None, "")])

    run(path)
    run(path)

    assert Event.objects.filter(employee=zhang, kind=EventKind.PENNANT).count() == 3


# --- Row errors ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("row", "mentioned"),
    [
        (("D9999", "TODAY", "表扬信", None, None, None, ""), "D9999"),
        (("D1001", "TODAY", "口头表扬", None, None, None, ""), "奖励徽章丢失"),
        (("D1001", "TODAY", "", None, None, None, ""), "类型"),
        (("D1001", "TODAY", "月度扣分", None, None, None, ""), "分值"),
        (("D1001", "TODAY", "月度扣分", -1, None, None, ""), "分值"),
        (("D1001", "TODAY", "月度扣分", 1.25, None, None, ""), "分值"),
        (("D1001", "TODAY", "月度扣分", "很多", None, None, ""), "分值"),
        (("D1001", "TODAY", "表扬信", None, 10.005, None, ""), "金额"),
        (("D1001", "TODAY", "表扬信", None, "一百", None, ""), "金额"),
        (("D1001", "TODAY", "表扬信", None, None, "也许", ""), "有效"),
        (("D1001", None, "表扬信", None, None, None, ""), "日期"),
        (("D1001", "2026/7/1", "表扬信", None, None, None, ""), "日期"),
        (("D1001", "TODAY", "表扬信", None, None, None, "长" * 2001), "说明"),
    ],
)
def test_a_bad_row_is_an_error_naming_its_row(path, today, zhang, row, mentioned):
    row = tuple(today if cell == "TODAY" else cell for cell in row)
    write_workbook(path, [("D1001", today, "表扬信", None, None, None, ""), row])

    error = rejected(path)

    assert len(error.errors) == 1
    assert at_row(error.errors[0], 3)
    assert mentioned in error.errors[0]
    assert not Event.objects.exists()


def test_a_supervisor_gets_no_events(path, today):
    EmployeeFactory(number="S0001", is_supervisor=True)
    write_workbook(path, [("S0001", today, "表扬信", None, None, None, "")])

    error = rejected(path)

    assert at_row(error.errors[0], 2)
    assert "S0001" in error.errors[0]


def test_a_date_still_to_come_is_an_error(path, today, zhang):
    tomorrow = today + datetime.timedelta(days=1)
    write_workbook(path, [("D1001", tomorrow, "表扬信", None, None, None, "")])

    error = rejected(path)

    assert at_row(error.errors[0], 2)


@pytest.mark.parametrize("status", LOCKED_STATUSES)
def test_a_date_in_a_locked_quarter_is_an_error(path, today, zhang, status):
    previous = QuarterId.of(today).previous()
    QuarterFactory(year=previous.year, number=previous.number, status=status)
    write_workbook(
        path,
        [
            ("D1001", today, "表扬信", None, None, None, ""),
            ("D1001", previous.last_day, "锦旗", None, None, "是", ""),
        ],
    )

    error = rejected(path)

    assert len(error.errors) == 1
    assert at_row(error.errors[0], 3)
    assert previous.code in error.errors[0]
    assert not Event.objects.exists()


def test_one_bad_row_writes_nothing_and_every_bad_row_is_reported(path, today, zhang):
    previous = QuarterId.of(today).previous()
    write_workbook(
        path,
        [
            ("D1001", previous.first_day, "表扬信", None, None, "是", ""),
            ("D1001", today, "月度扣分", None, None, None, ""),
            ("D1001", today, "锦旗", None, None, None, ""),
            ("D7777", today, "表扬信", None, None, None, ""),
        ],
    )
    quarters = Quarter.objects.count()

    error = rejected(path)

    assert len(error.errors) == 2
    assert at_row(error.errors[0], 3)
    assert at_row(error.errors[1], 5)
    assert not Event.objects.exists()
    assert Quarter.objects.count() == quarters


def test_a_missing_header_refuses_the_file(path, today, zhang):
    write_workbook(
        path, [("D1001", today, "表扬信", None, None, "")], headers=(*EVENT_HEADERS[:-2], "说明")
    )

    error = rejected(path)

    assert "有效" in str(error)


# --- The command ----------------------------------------------------------------------------------


def test_the_command_imports_and_prints_a_one_line_summary(path, today, zhang, capsys):
    write_workbook(
        path,
        [
            ("D1001", today, "表扬信", None, None, "是", ""),
            ("D1001", today, "工作牌丢失", None, None, "待定", ""),
            ("D1001", today, "月度扣分", 5, None, "否", ""),
        ],
    )

    call_command("import_events", str(path))

    output = capsys.readouterr().out.strip()
    assert len(output.splitlines()) == 1
    assert FILE in output
    assert "3" in output
    assert Event.objects.count() == 3


def test_the_command_fails_with_every_error_and_changes_nothing(path, today, zhang):
    write_workbook(
        path,
        [
            ("D1001", today, "表扬信", None, None, "是", ""),
            ("D1001", today, "好评", None, None, None, ""),
        ],
    )

    with pytest.raises(CommandError) as caught:
        call_command("import_events", str(path))

    assert at_row(str(caught.value), 3)
    assert "好评" in str(caught.value)
    assert not Event.objects.exists()


def test_the_command_names_a_missing_file(tmp_path):
    with pytest.raises(CommandError) as caught:
        call_command("import_events", str(tmp_path / "gone.xlsx"))

    assert "gone.xlsx" in str(caught.value)
