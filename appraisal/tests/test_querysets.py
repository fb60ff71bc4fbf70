"""The rules written once as QuerySet methods: which sheets count, who is appraised.

Both are SQL, so every test here runs on SQLite and PostgreSQL.
"""

import datetime
from decimal import Decimal

import pytest

from appraisal.models import SHEET_TOTAL, DailySheet, Quarter
from appraisal.rules import QuarterId, appraisal_day, average_of_totals
from appraisal.tests.factories import DailySheetFactory
from employees.models import Employee
from employees.tests.factories import EmployeeFactory

pytestmark = pytest.mark.django_db

D = Decimal
DAY1, DAY2, DAY3 = (datetime.date(2026, 7, d) for d in (1, 2, 3))
Q3 = QuarterId(2026, 3)


def sheet(employee, day, total, *, spot=False):
    # 100 minus the deduction, all taken from "service" (max 50).
    return DailySheetFactory(
        employee=employee, day=day, is_spot_check=spot, service=D("50") - (D("100") - D(total))
    )


def counted_totals(employee) -> dict[datetime.date, Decimal]:
    rows = (
        DailySheet.objects.filter(employee=employee)
        .counted()
        .annotate(t=SHEET_TOTAL)
        .values_list("day", "t")
    )
    return {day: D(total).quantize(D("0.1")) for day, total in rows}


# --- DailySheetQuerySet.counted() (moved from the pure effective_by_day tests) ---------


def test_a_spot_check_replaces_that_days_department_total():
    employee = EmployeeFactory()
    sheet(employee, DAY1, "100")
    sheet(employee, DAY1, "90", spot=True)
    sheet(employee, DAY2, "98")
    sheet(employee, DAY3, "95.5", spot=True)

    assert counted_totals(employee) == {DAY1: D("90"), DAY2: D("98"), DAY3: D("95.5")}


def test_spot_check_replaces_whatever_the_order_the_sheets_come_in():
    employee = EmployeeFactory()
    sheet(employee, DAY1, "90", spot=True)
    sheet(employee, DAY1, "100")

    assert counted_totals(employee) == {DAY1: D("90")}


def test_quarter_average_uses_the_spot_check_instead_of_the_department_sheet():
    employee = EmployeeFactory()
    sheet(employee, DAY1, "100")
    sheet(employee, DAY1, "90", spot=True)
    sheet(employee, DAY2, "95")

    # (90 + 95) / 2, the replaced 100 does not count
    assert average_of_totals(counted_totals(employee).values()) == D("92.50")


def test_a_spot_check_replaces_only_its_own_employees_sheet():
    checked, other = EmployeeFactory(), EmployeeFactory()
    sheet(checked, DAY1, "100")
    sheet(checked, DAY1, "90", spot=True)
    sheet(other, DAY1, "97")

    assert counted_totals(other) == {DAY1: D("97")}


def test_with_counted_keeps_every_sheet_and_marks_the_replaced_one():
    employee = EmployeeFactory()
    department = sheet(employee, DAY1, "100")
    spot = sheet(employee, DAY1, "90", spot=True)
    alone = sheet(employee, DAY2, "95")

    counts = dict(DailySheet.objects.with_counted().values_list("pk", "counts"))

    assert counts == {department.pk: False, spot.pk: True, alone.pk: True}
    assert set(DailySheet.objects.counted().values_list("pk", flat=True)) == {spot.pk, alone.pk}


# --- EmployeeQuerySet.appraised_in(quarter) -----------------------------------------


def appraised(quarter=Q3, **kwargs) -> set[int]:
    return set(Employee.objects.appraised_in(quarter, **kwargs).values_list("pk", flat=True))


def test_an_active_employee_with_a_sheet_is_appraised_one_without_is_not():
    scored, unscored = EmployeeFactory(), EmployeeFactory()
    sheet(scored, DAY1, "95")
    sheet(unscored, datetime.date(2026, 6, 30), "95")  # the quarter before

    assert appraised() == {scored.pk}


def test_a_supervisor_is_never_appraised():
    sheet(EmployeeFactory(is_supervisor=True), DAY1, "95")

    assert appraised() == set()


def test_only_a_spot_check_on_a_day_is_a_counted_sheet():
    employee = EmployeeFactory()
    sheet(employee, DAY1, "90", spot=True)

    assert appraised() == {employee.pk}


@pytest.mark.parametrize(
    ("is_active", "left_on", "is_appraised"),
    [
        pytest.param(True, None, True, id="still_employed"),
        pytest.param(False, None, False, id="inactive_no_leaving_date"),
        pytest.param(True, datetime.date(2026, 8, 15), False, id="leaves_inside_still_active"),
        pytest.param(False, datetime.date(2026, 8, 15), False, id="left_inside"),
        pytest.param(False, datetime.date(2026, 9, 30), True, id="last_day_is_the_quarters"),
        pytest.param(False, datetime.date(2026, 9, 29), False, id="left_the_day_before"),
        pytest.param(False, datetime.date(2026, 10, 3), True, id="left_after_the_quarter"),
        pytest.param(True, datetime.date(2026, 12, 31), True, id="leaving_later"),
    ],
)
def test_appraised_when_still_employed_on_the_quarters_last_day(is_active, left_on, is_appraised):
    employee = EmployeeFactory(is_active=is_active, left_on=left_on)
    sheet(employee, DAY1, "95")

    assert (employee.pk in appraised()) is is_appraised


def test_an_early_close_asks_for_employment_on_the_day_of_the_close():
    close_day = datetime.date(2026, 9, 20)
    stays = EmployeeFactory(left_on=datetime.date(2026, 9, 20))
    gone = EmployeeFactory(left_on=datetime.date(2026, 9, 19))
    sheet(stays, DAY1, "95")
    sheet(gone, DAY1, "95")

    assert appraised(on=appraisal_day(Q3, closed_on=close_day)) == {stays.pk}
    assert appraised() == set()  # on the last day both are gone


def test_appraised_in_takes_a_quarter_row_as_well_as_a_quarter_id():
    employee = EmployeeFactory()
    sheet(employee, DAY1, "95")
    quarter = Quarter.objects.create(year=2026, number=3)

    assert appraised(quarter) == appraised(Q3) == {employee.pk}


def test_the_appraisal_day_is_the_last_day_or_an_earlier_close():
    assert appraisal_day(Q3) == datetime.date(2026, 9, 30)
    assert appraisal_day(Q3, closed_on=datetime.date(2026, 9, 20)) == datetime.date(2026, 9, 20)
    assert appraisal_day(Q3, closed_on=datetime.date(2026, 10, 5)) == datetime.date(2026, 9, 30)
