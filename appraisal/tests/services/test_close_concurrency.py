"""Two closes at once, and a close racing a sheet that is being saved (PostgreSQL only).

SQLite has no row locks worth the name; these tests need real connections in
real threads, so they run only on PostgreSQL and commit for real.
"""

import datetime
import threading
import time
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, transaction

from appraisal.models import (
    AwardTier,
    DailySheet,
    DepartmentReview,
    EventKind,
    EventValidity,
    Quarter,
    QuarterAction,
    QuarterLog,
    QuarterResult,
    QuarterStatus,
)
from appraisal.rules import CATEGORY_MAX, Category
from appraisal.services import quarter_close, sheet_save
from appraisal.tests.factories import DailySheetFactory, EventFactory, QuarterFactory
from employees.tests.factories import DepartmentFactory, EmployeeFactory, office_user

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.postgres_only]

D = Decimal
AFTER_Q3 = datetime.date(2026, 10, 8)


@pytest.fixture(autouse=True)
def postgres():
    if connection.vendor != "postgresql":
        pytest.skip("row locks between connections are tested on PostgreSQL only")


def in_thread(target, *args):
    """Run `target(*args)` in a thread with its own connection; return (thread, outcome)."""
    outcome: dict[str, object] = {}

    def body():
        try:
            outcome["value"] = target(*args)
        except BaseException as error:  # reported by the test, not swallowed
            outcome["error"] = error
        finally:
            connection.close()

    thread = threading.Thread(target=body)
    thread.start()
    return thread, outcome


def test_two_closes_at_once_give_one_result_per_employee():
    quarter = QuarterFactory(year=2026, number=3)
    departments = [DepartmentFactory(name="装卸作业部"), DepartmentFactory(name="货运部")]
    employees = [EmployeeFactory(department=departments[i % 2]) for i in range(12)]
    for i, employee in enumerate(employees):
        for day in range(5):
            DailySheetFactory(
                employee=employee,
                day=datetime.date(2026, 7, 1) + datetime.timedelta(days=day),
                service=D("50") - i,
            )
    EventFactory(
        employee=employees[0],
        kind=EventKind.PRAISE_LETTER,
        validity=EventValidity.VALID,
        ruled_at=datetime.datetime.now(datetime.UTC),
    )
    barrier = threading.Barrier(2, timeout=10)

    def close():
        barrier.wait()
        return quarter_close(
            quarter=Quarter.objects.get(pk=quarter.pk), closed_by=None, today=AFTER_Q3
        )

    runs = [in_thread(close) for _ in range(2)]
    for thread, _ in runs:
        thread.join(timeout=30)
        assert not thread.is_alive()

    outcomes = [outcome for _, outcome in runs]
    for outcome in outcomes:
        # Either close succeeds, or one is refused cleanly; nothing else goes wrong.
        assert "value" in outcome or isinstance(outcome.get("error"), ValidationError), outcome
    assert any("value" in outcome for outcome in outcomes)
    quarter.refresh_from_db()
    assert quarter.status == QuarterStatus.CLOSED
    assert QuarterResult.objects.filter(quarter=quarter).count() == 12
    assert DepartmentReview.objects.filter(quarter=quarter).count() == 2
    closes = sum(1 for outcome in outcomes if "value" in outcome)
    assert QuarterLog.objects.filter(quarter=quarter, action=QuarterAction.CLOSE).count() == closes
    if closes == 2:
        assert sorted(o["value"].recomputed for o in outcomes) == [False, True]
    for i, employee in enumerate(employees):
        result = QuarterResult.objects.get(quarter=quarter, employee=employee)
        expected = D(100 - i) + (10 if i == 0 else 0)
        assert (result.days, result.final) == (5, expected)
        assert result.department_id == departments[i % 2].pk
    assert QuarterResult.objects.get(employee=employees[0]).award_tier == AwardTier.BEST


def test_a_close_waits_for_a_sheet_being_saved_and_then_sees_it():
    quarter = QuarterFactory(year=2026, number=3)
    office = office_user()
    employee = EmployeeFactory()
    DailySheetFactory(employee=employee, day=datetime.date(2026, 7, 1))  # 100
    saved = threading.Event()
    hold = 1.0

    def save_and_linger():
        with transaction.atomic():
            sheet_save(
                employee=employee,
                day=datetime.date(2026, 7, 2),
                scores={**CATEGORY_MAX, Category.SERVICE: D("40")},  # 90
                saved_by=office,
            )
            saved.set()
            time.sleep(hold)  # the quarter's row stays locked until the commit

    saver, saver_outcome = in_thread(save_and_linger)
    assert saved.wait(timeout=10)

    def close():
        started = time.monotonic()
        report = quarter_close(
            quarter=Quarter.objects.get(pk=quarter.pk), closed_by=None, today=AFTER_Q3
        )
        return report, time.monotonic() - started

    closer, closer_outcome = in_thread(close)
    saver.join(timeout=30)
    closer.join(timeout=30)

    assert "error" not in saver_outcome, saver_outcome
    assert "error" not in closer_outcome, closer_outcome
    _, waited = closer_outcome["value"]
    assert waited >= hold / 2
    result = QuarterResult.objects.get(quarter=quarter, employee=employee)
    assert (result.days, result.average) == (2, D("95.00"))
    assert DailySheet.objects.filter(employee=employee).count() == 2
