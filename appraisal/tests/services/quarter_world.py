"""Two departments after the close of 2026Q3, and the dates of its notice.

Shared by the tests of the quarter's life, of the review and of the quarter commands.
"""

import datetime
from decimal import Decimal

from django.utils import timezone

from appraisal.models import (
    DailySheet,
    DepartmentReview,
    EventKind,
    EventValidity,
    QuarterResult,
    QuarterStatus,
)
from appraisal.rules import Category, QuarterId
from appraisal.services import quarter_approve, quarter_close
from appraisal.tests.factories import EventFactory, QuarterFactory
from employees.tests.factories import (
    DepartmentFactory,
    EmployeeFactory,
    head_user,
    hr_user,
    office_user,
)

D = Decimal
Q3 = QuarterId(2026, 3)
AFTER_Q3 = datetime.date(2026, 10, 8)
PUBLISHED_ON = datetime.date(2026, 10, 10)
NOTICE_END = datetime.date(2026, 11, 10)


def scores_for(total) -> dict[str, Decimal]:
    deficit = D("100") - D(str(total))
    values = {"service": D("50"), "discipline": D("20"), "morality": D("20"), "courtesy": D("10")}
    for name in values:
        taken = min(deficit, values[name])
        values[name] -= taken
        deficit -= taken
    return values


def add_sheets(employee, totals, *, start=Q3.first_day):
    DailySheet.objects.bulk_create(
        [
            DailySheet(employee=employee, day=start + datetime.timedelta(days=i), **scores_for(t))
            for i, t in enumerate(totals)
        ]
    )


def full_scores():
    return {Category(name): value for name, value in scores_for("100").items()}


class World:
    """Two departments after the close of 2026Q3.

    Department A: `best` (96, Best Smile), `ambassador` (91), `plain` (82, no award).
    Department B: `style` (86, Smile Style), `disqualified` (97 with a valid complaint).
    """

    def __init__(self):
        self.quarter = QuarterFactory(year=2026, number=3)
        self.dept_a = DepartmentFactory(name="装卸作业部")
        self.dept_b = DepartmentFactory(name="货运部")
        self.head_a = head_user(self.dept_a)
        self.head_b = head_user(self.dept_b)
        self.office = office_user()
        self.hr = hr_user()
        self.best = EmployeeFactory(department=self.dept_a)
        self.ambassador = EmployeeFactory(department=self.dept_a)
        self.plain = EmployeeFactory(department=self.dept_a)
        self.style = EmployeeFactory(department=self.dept_b)
        self.disqualified = EmployeeFactory(department=self.dept_b)
        for employee, total in [
            (self.best, "96"),
            (self.ambassador, "91"),
            (self.plain, "82"),
            (self.style, "86"),
            (self.disqualified, "97"),
        ]:
            add_sheets(employee, [total] * 3)
        EventFactory(
            employee=self.disqualified,
            date=datetime.date(2026, 8, 1),
            kind=EventKind.COMPANY_COMPLAINT,
            validity=EventValidity.VALID,
            ruled_at=timezone.now(),
        )
        quarter_close(quarter=self.quarter, closed_by=None, today=AFTER_Q3)
        self.quarter.refresh_from_db()

    def result(self, employee):
        return QuarterResult.objects.get(quarter=self.quarter, employee=employee)

    def review(self, department):
        return DepartmentReview.objects.get(quarter=self.quarter, department=department)

    def refresh(self):
        self.quarter.refresh_from_db()
        return self.quarter

    def publish(self, on=PUBLISHED_ON, **kwargs):
        return quarter_approve(quarter=self.quarter, approved_by=self.office, on=on, **kwargs)


def published(year, number, on, ends):
    return QuarterFactory(
        year=year,
        number=number,
        status=QuarterStatus.PUBLISHED,
        published_on=on,
        notice_ends_on=ends,
    )
