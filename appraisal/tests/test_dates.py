"""The days sheets and events may be dated (rules.md section 4, "dates"): from the
company's start date (or, until it is set, 1 January of the previous year) to today.
Every entry path refuses a day outside, names it, writes nothing and creates no quarter.
"""

import datetime
from decimal import Decimal

import openpyxl
import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from appraisal.imports import EVENT_HEADERS, SHEET_HEADERS, events_import, sheets_import
from appraisal.models import CompanySettings, DailySheet, Event, EventKind, Quarter
from appraisal.rules import Category, DateProblem, date_problem, earliest_day
from appraisal.services import (
    company_start_date_set,
    event_enter,
    event_record,
    sheet_save,
    sheets_fill_full_marks,
)
from employees.models import DepartmentKind
from employees.tests.factories import DepartmentFactory, EmployeeFactory, head_user, office_user
from spreadsheets import ImportRejected, row_error

pytestmark = pytest.mark.django_db

D = Decimal
TODAY = timezone.localdate
FULL = {
    Category.DISCIPLINE: D("20"),
    Category.COURTESY: D("10"),
    Category.SERVICE: D("50"),
    Category.MORALITY: D("20"),
}


def default_earliest() -> datetime.date:
    return datetime.date(TODAY().year - 1, 1, 1)


def refused_days() -> list[datetime.date]:
    """1900, 2019, the day before the earliest and tomorrow."""
    return [
        datetime.date(1900, 1, 2),
        datetime.date(2019, 3, 1),
        default_earliest() - datetime.timedelta(days=1),
        TODAY() + datetime.timedelta(days=1),
    ]


REFUSED = pytest.mark.parametrize("which", range(4), ids=["1900", "2019", "day-before", "tomorrow"])


@pytest.fixture
def department():
    return DepartmentFactory(name="装卸作业部", kind=DepartmentKind.FRONTLINE)


@pytest.fixture
def employee(department):
    return EmployeeFactory(number="D1001", department=department)


@pytest.fixture
def head(department):
    return head_user(department)


@pytest.fixture
def office():
    return office_user()


def quarters() -> set[str]:
    return {quarter.code for quarter in Quarter.objects.all()}


# --- The rule -----------------------------------------------------------------------


def test_until_the_start_date_is_set_the_earliest_day_is_1_january_of_last_year():
    assert earliest_day(None, datetime.date(2026, 12, 1)) == datetime.date(2025, 1, 1)
    assert earliest_day(None, datetime.date(2026, 1, 1)) == datetime.date(2025, 1, 1)
    assert earliest_day(datetime.date(2026, 3, 1), datetime.date(2026, 12, 1)) == datetime.date(
        2026, 3, 1
    )


def test_the_rule_accepts_the_boundary_days_and_refuses_beyond():
    today = datetime.date(2026, 12, 1)
    start = datetime.date(2026, 3, 1)
    assert date_problem(today, start=None, today=today) is None
    assert date_problem(datetime.date(2025, 1, 1), start=None, today=today) is None
    assert date_problem(datetime.date(2024, 12, 31), start=None, today=today) == (
        DateProblem.TOO_EARLY
    )
    assert date_problem(datetime.date(1900, 1, 2), start=None, today=today) == (
        DateProblem.TOO_EARLY
    )
    assert date_problem(datetime.date(2026, 12, 2), start=None, today=today) == DateProblem.FUTURE
    assert date_problem(start, start=start, today=today) is None
    assert date_problem(datetime.date(2026, 2, 28), start=start, today=today) == (
        DateProblem.TOO_EARLY
    )


# --- The start date setting ----------------------------------------------------------


def test_the_office_sets_the_start_date_and_it_moves_the_earliest_day(office, head, employee):
    start = TODAY() - datetime.timedelta(days=3)
    company_start_date_set(start_date=start, updated_by=office)

    assert CompanySettings.objects.get().start_date == start
    with pytest.raises(ValidationError) as caught:
        sheet_save(
            employee=employee,
            day=start - datetime.timedelta(days=1),
            scores=FULL,
            saved_by=head,
        )
    assert start.isoformat() in caught.value.message_dict["day"][0]
    assert sheet_save(employee=employee, day=start, scores=FULL, saved_by=head).day == start


def test_only_the_office_sets_the_start_date_and_never_in_the_future(office, head):
    with pytest.raises(PermissionDenied):
        company_start_date_set(start_date=TODAY(), updated_by=head)
    with pytest.raises(ValidationError):
        company_start_date_set(start_date=TODAY() + datetime.timedelta(days=1), updated_by=office)
    assert not CompanySettings.objects.exists()


def test_the_settings_page_lets_the_office_set_the_start_date(client, office):
    client.force_login(office)
    start = TODAY() - datetime.timedelta(days=400)
    code = f"{TODAY().year}Q1"

    response = client.post(
        reverse("appraisal:company_start_date"),
        {"start_date": start.isoformat(), "quarter": code},
    )

    assert response.status_code == 302
    assert response.url == reverse("appraisal:rule_settings", args=[code])
    assert CompanySettings.objects.get().start_date == start
    page = client.get(response.url).content.decode()
    assert f'data-earliest="{start.isoformat()}"' in page
    assert 'id="start-date-form"' in page


def test_a_head_may_not_set_the_start_date(client, head):
    client.force_login(head)
    response = client.post(
        reverse("appraisal:company_start_date"), {"start_date": TODAY().isoformat()}
    )
    assert response.status_code == 403
    assert not CompanySettings.objects.exists()


# --- Sheets ---------------------------------------------------------------------------


@REFUSED
def test_sheet_save_refuses_a_day_out_of_range_and_creates_no_quarter(which, head, employee):
    day = refused_days()[which]
    with pytest.raises(ValidationError) as caught:
        sheet_save(employee=employee, day=day, scores=FULL, saved_by=head)

    assert day.isoformat() in caught.value.message_dict["day"][0]
    assert not DailySheet.objects.exists()
    assert quarters() == set()


def test_sheet_save_accepts_the_boundary_days(head, employee):
    for day in (default_earliest(), TODAY()):
        assert sheet_save(employee=employee, day=day, scores=FULL, saved_by=head).day == day


@REFUSED
def test_full_marks_refuse_a_day_out_of_range(which, head, department, employee):
    with pytest.raises(ValidationError):
        sheets_fill_full_marks(department=department, day=refused_days()[which], saved_by=head)
    assert not DailySheet.objects.exists()
    assert quarters() == set()


def test_full_marks_on_the_earliest_day_are_saved(head, department, employee):
    assert sheets_fill_full_marks(department=department, day=default_earliest(), saved_by=head)


# --- Events ---------------------------------------------------------------------------


@REFUSED
def test_event_enter_refuses_a_day_out_of_range_on_the_date_field(which, office, employee):
    day = refused_days()[which]
    with pytest.raises(ValidationError) as caught:
        event_enter(
            recorded_by=office,
            employee=employee,
            date=day,
            kind=EventKind.PRAISE_LETTER,
            source="customer",
        )
    assert day.isoformat() in caught.value.message_dict["date"][0]
    assert not Event.objects.exists()
    assert quarters() == set()


@REFUSED
def test_event_record_refuses_a_day_out_of_range(which, office, employee):
    with pytest.raises(ValidationError):
        event_record(
            employee=employee,
            date=refused_days()[which],
            kind=EventKind.PRAISE_LETTER,
            recorded_by=office,
        )
    assert not Event.objects.exists()
    assert quarters() == set()


def test_event_enter_accepts_the_boundary_days(office, employee):
    for day in (default_earliest(), TODAY()):
        event = event_enter(
            recorded_by=office,
            employee=employee,
            date=day,
            kind=EventKind.PRAISE_LETTER,
            source="customer",
        )
        assert event.date == day


def test_the_event_form_shows_the_refusal_on_the_date(client, office, employee):
    client.force_login(office)
    response = client.post(
        reverse("appraisal:event_new"),
        {
            "employee": employee.number,
            "date": "2001-01-05",
            "kind": EventKind.PRAISE_LETTER,
            "source": "customer",
            "reported_by": "客户",
            "validity": "pending",
        },
    )

    assert response.status_code == 200
    assert "2001-01-05" in " ".join(response.context["form"].errors["date"])
    assert not Event.objects.exists()
    assert quarters() == set()


# --- Imports --------------------------------------------------------------------------


def workbook(path, headers, rows):
    book = openpyxl.Workbook()
    book.active.append(list(headers))
    for row in rows:
        book.active.append(list(row))
    book.save(path)
    return path


def test_import_sheets_names_each_row_out_of_range_and_writes_nothing(tmp_path, employee):
    days = refused_days()
    path = workbook(
        tmp_path / "sheets.xlsx",
        SHEET_HEADERS,
        [("D1001", TODAY(), 20, 10, 50, 20, "", "")]
        + [("D1001", day, 20, 10, 50, 20, "", "") for day in days],
    )

    with pytest.raises(ImportRejected) as caught:
        sheets_import(source=path, name=path.name, imported_by=None)

    errors = caught.value.errors
    assert len(errors) == len(days)
    for row, (day, error) in enumerate(zip(days, errors, strict=True), start=3):
        assert error.startswith(row_error(path.name, row, ""))
        assert day.isoformat() in error
    assert not DailySheet.objects.exists()
    assert quarters() == set()


def test_import_sheets_accepts_the_earliest_day(tmp_path, employee):
    path = workbook(
        tmp_path / "sheets.xlsx",
        SHEET_HEADERS,
        [("D1001", default_earliest(), 20, 10, 50, 20, "", "")],
    )
    assert sheets_import(source=path, name=path.name, imported_by=None).created == 1


def test_import_events_names_each_row_out_of_range_and_writes_nothing(tmp_path, employee):
    days = refused_days()
    path = workbook(
        tmp_path / "events.xlsx",
        EVENT_HEADERS,
        [("D1001", day, "表扬信", None, None, "", "") for day in days],
    )

    with pytest.raises(ImportRejected) as caught:
        events_import(source=path, name=path.name, imported_by=None)

    errors = caught.value.errors
    assert len(errors) == len(days)
    for row, (day, error) in enumerate(zip(days, errors, strict=True), start=2):
        assert error.startswith(row_error(path.name, row, ""))
        assert day.isoformat() in error
    assert not Event.objects.exists()
    assert quarters() == set()


# --- The day grid ---------------------------------------------------------------------


def test_the_grid_of_a_day_too_long_ago_says_why_and_offers_no_entry(client, head, employee):
    client.force_login(head)
    response = client.get(reverse("appraisal:grid"), {"day": "2019-03-01"})

    assert response.status_code == 200
    grid = response.context["grid"]
    assert grid.read_only
    assert "2019-03-01" in grid.read_only_reason
    assert escape(grid.read_only_reason) in response.content.decode()
    assert 'data-read-only="1"' in response.content.decode()
    assert quarters() == set()


def test_a_row_posted_for_a_day_too_long_ago_is_refused(client, head, employee):
    client.force_login(head)
    response = client.post(
        reverse("appraisal:row", args=[employee.pk, datetime.date(2019, 3, 1)]),
        {"discipline": "20", "courtesy": "10", "service": "50", "morality": "20"},
    )

    assert b'data-state="saved"' not in response.content
    assert not DailySheet.objects.exists()
    assert quarters() == set()


def test_customer_feedback_always_records_today(employee):
    # The public page records today's date without a user; the range never stops it.
    event = event_record(
        employee=employee, date=TODAY(), kind=EventKind.WECHAT_PRAISE, recorded_by=None
    )
    assert event.date == TODAY()
