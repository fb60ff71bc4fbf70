"""The commands that move a quarter on: close_quarter, approve_quarter, finalize_due_quarters."""

import datetime
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from appraisal.models import (
    Approval,
    AwardTier,
    Quarter,
    QuarterAction,
    QuarterLog,
    QuarterResult,
    QuarterStatus,
)
from appraisal.tests.factories import EventFactory, ObjectionFactory, QuarterFactory
from appraisal.tests.services.quarter_world import (
    NOTICE_END,
    PUBLISHED_ON,
    D,
    World,
    add_sheets,
    published,
)
from employees.tests.factories import EmployeeFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    return World()


def run(*args):
    out, err = StringIO(), StringIO()
    call_command(*args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_close_quarter_command_closes_and_recomputes():
    quarter = QuarterFactory(year=2026, number=3)
    employee = EmployeeFactory()
    add_sheets(employee, ["96", "95"])

    out, _ = run("close_quarter", "2026q3")

    assert "2026Q3" in out
    quarter.refresh_from_db()
    assert quarter.status == QuarterStatus.CLOSED
    result = QuarterResult.objects.get(quarter=quarter)
    assert (result.employee, result.average, result.award_tier) == (
        employee,
        D("95.50"),
        AwardTier.BEST,
    )

    out, _ = run("close_quarter", "2026Q3")

    assert "2026Q3" in out
    assert QuarterResult.objects.count() == 1
    assert QuarterLog.objects.filter(action=QuarterAction.CLOSE).count() == 2


@pytest.mark.parametrize("code", ["2026Q5", "2026-3", "Q3", ""])
def test_close_quarter_refuses_a_bad_code(code):
    with pytest.raises(CommandError):
        run("close_quarter", code)

    assert not Quarter.objects.exists()


def test_close_quarter_refuses_a_quarter_that_does_not_exist():
    with pytest.raises(CommandError) as caught:
        run("close_quarter", "2019Q1")

    assert "2019Q1" in str(caught.value)
    assert not Quarter.objects.exists()


def test_close_quarter_refuses_a_quarter_still_running_without_force():
    # Today (late November 2026) lies inside 2026Q4, which runs until 31 December.
    quarter = QuarterFactory(year=2026, number=4)
    employee = EmployeeFactory()
    add_sheets(employee, ["96"], start=datetime.date(2026, 10, 5))

    with pytest.raises(CommandError) as caught:
        run("close_quarter", "2026Q4")

    assert "2026Q4" in str(caught.value)
    quarter.refresh_from_db()
    assert quarter.status == QuarterStatus.OPEN
    assert not QuarterResult.objects.exists()

    run("close_quarter", "2026Q4", "--force")

    quarter.refresh_from_db()
    assert quarter.status == QuarterStatus.CLOSED
    assert QuarterResult.objects.get(quarter=quarter).average == D("96.00")


def test_approve_quarter_command_publishes_on_the_given_day(world):
    out, _ = run("approve_quarter", "2026Q3", "--on", "2026-10-10")

    assert "2026-11-10" in out
    quarter = world.refresh()
    assert (quarter.status, quarter.published_on, quarter.notice_ends_on) == (
        QuarterStatus.PUBLISHED,
        PUBLISHED_ON,
        NOTICE_END,
    )
    assert QuarterResult.objects.filter(approval=Approval.APPROVED, approved_by=None).count() == 5


def test_approve_quarter_command_defaults_to_today(world):
    run("approve_quarter", "2026Q3")

    assert world.refresh().published_on == timezone.localdate()


def test_approve_quarter_refuses_an_open_quarter():
    QuarterFactory(year=2026, number=3)

    with pytest.raises(CommandError) as caught:
        run("approve_quarter", "2026Q3", "--on", "2026-10-10")

    assert "2026Q3" in str(caught.value)
    assert Quarter.objects.get().status == QuarterStatus.OPEN


@pytest.mark.parametrize("on", ["2026-13-01", "10/10/2026", "tomorrow", "2099-01-01"])
def test_approve_quarter_refuses_a_bad_or_future_date(world, on):
    with pytest.raises(CommandError):
        run("approve_quarter", "2026Q3", "--on", on)

    quarter = world.refresh()
    assert (quarter.status, quarter.published_on) == (QuarterStatus.CLOSED, None)
    assert not QuarterLog.objects.filter(action=QuarterAction.APPROVE).exists()


def test_finalize_due_quarters_command_finalizes_and_reports_blocked_quarters():
    due = published(2026, 3, PUBLISHED_ON, NOTICE_END)
    blocked = published(2026, 2, datetime.date(2026, 7, 10), datetime.date(2026, 8, 10))
    ObjectionFactory(quarter=blocked)

    out, err = run("finalize_due_quarters", "--today", "2026-11-11")

    assert "2026Q3" in out and "2026-12" in out
    assert "2026Q2" in err
    due.refresh_from_db()
    blocked.refresh_from_db()
    assert (due.status, due.payout_month) == (QuarterStatus.FINAL, datetime.date(2026, 12, 1))
    assert blocked.status == QuarterStatus.PUBLISHED


def test_finalize_due_quarters_command_with_nothing_due_changes_nothing():
    quarter = published(2026, 3, PUBLISHED_ON, NOTICE_END)

    out, err = run("finalize_due_quarters", "--today", "2026-11-10")

    assert out and not err
    quarter.refresh_from_db()
    assert quarter.status == QuarterStatus.PUBLISHED


@pytest.mark.parametrize("today", ["2026-11-31", "11/11/2026", "x"])
def test_finalize_due_quarters_command_refuses_a_bad_date(today):
    quarter = published(2026, 3, PUBLISHED_ON, NOTICE_END)

    with pytest.raises(CommandError) as caught:
        run("finalize_due_quarters", "--today", today)

    assert today in str(caught.value)
    quarter.refresh_from_db()
    assert quarter.status == QuarterStatus.PUBLISHED


def test_close_quarter_command_warns_and_names_the_pending_events():
    QuarterFactory(year=2026, number=3)
    employee = EmployeeFactory(name="李四")
    add_sheets(employee, ["96"])
    EventFactory(employee=employee, date=datetime.date(2026, 9, 30))

    out, err = run("close_quarter", "2026Q3")

    assert "2026Q3" in out
    assert "2026-09-30" in err and "李四" in err
