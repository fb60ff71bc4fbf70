"""A small year, worked by hand: 2025 with two departments and three employees.

| employee | Q1 | Q2 | Q3 | Q4 |
|---|---|---|---|---|
| 张三 (装卸) | 96.00 best 500 +50 | 91.50 ambassador 300 | not appraised | 86.25 style 200 −100 |
| 李四 (装卸) | 84.33 | 84.32 disqualified −200 | not appraised | not appraised |
| 王五 (客运) | not appraised | not appraised | 78.00 training | 88.00 style 200 |

Q1–Q3 are paid; Q4 is published (not final), so its awards and money do not
count yet: 张三's year is average 91.25 (273.75 / 3), one best, one ambassador,
net 850.00; 李四's average 84.33 (168.65 / 2 = 84.325, half-up), net −200.00;
王五's average 83.00, no award counted, net 0.00.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import pytest

from appraisal.models import AwardTier, EventKind, Quarter, QuarterResult, QuarterStatus
from appraisal.tests.factories import (
    DailySheetFactory,
    EventFactory,
    ObjectionFactory,
    QuarterFactory,
    QuarterResultFactory,
)
from appraisal.tests.guards import advance
from employees.models import Department, Employee
from employees.tests.factories import DepartmentFactory, EmployeeFactory

D = Decimal
YEAR = 2025
IN_YEAR = date(YEAR, 8, 4)


@dataclass
class YearWorld:
    loading: Department
    passenger: Department
    zhang: Employee
    li: Employee
    wang: Employee
    quarters: dict[int, Quarter]

    def settle_q4(self) -> None:
        advance(self.quarters[4], QuarterStatus.PAID)


def _result(quarter, employee, final, **kwargs) -> QuarterResult:
    return QuarterResultFactory(
        quarter=quarter,
        employee=employee,
        department=employee.department,
        average=D(final),
        final=D(final),
        **kwargs,
    )


@pytest.fixture
def year_world(db) -> YearWorld:
    loading = DepartmentFactory(name="装卸作业部", display_order=1)
    passenger = DepartmentFactory(name="客运服务部", display_order=2)
    zhang = EmployeeFactory(number="A001", name="张三", department=loading)
    li = EmployeeFactory(number="A002", name="李四", department=loading)
    wang = EmployeeFactory(number="B001", name="王五", department=passenger)
    quarters = {n: QuarterFactory(year=YEAR, number=n) for n in (1, 2, 3, 4)}
    # The records of the year, written while their quarter was open; the texts
    # would be formulas if a workbook let them.
    DailySheetFactory(employee=zhang, day=IN_YEAR, note="=HYPERLINK(1)")
    EventFactory(employee=zhang, date=IN_YEAR, kind=EventKind.PENNANT, note="+1")
    ObjectionFactory(quarter=quarters[2], employee=zhang, text="@SUM(A1)")
    for n, status in ((1, "paid"), (2, "paid"), (3, "paid"), (4, "published")):
        # Step by step: PostgreSQL's lifecycle trigger allows only the real transitions.
        advance(quarters[n], QuarterStatus(status))
        quarters[n].refresh_from_db()
    best, amb, style = AwardTier.BEST, AwardTier.AMBASSADOR, AwardTier.STYLE
    _result(
        quarters[1],
        zhang,
        "96.00",
        score_tier=best,
        award_tier=best,
        award_amount=D("500"),
        rewards=D("50"),
    )
    _result(quarters[2], zhang, "91.50", score_tier=amb, award_tier=amb, award_amount=D("300"))
    _result(
        quarters[4],
        zhang,
        "86.25",
        score_tier=style,
        award_tier=style,
        award_amount=D("200"),
        fines=D("100"),
    )
    _result(quarters[1], li, "84.33")
    _result(
        quarters[2],
        li,
        "84.32",
        disqualified=True,
        fines=D("200"),
        disqualification_reasons=[{"code": "internal_complaint", "count": 1}],
    )
    _result(quarters[3], wang, "78.00", training=True)
    _result(quarters[4], wang, "88.00", score_tier=style, award_tier=style, award_amount=D("200"))
    return YearWorld(loading, passenger, zhang, li, wang, quarters)
