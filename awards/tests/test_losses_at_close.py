"""Lost badges as the quarter close sees them (rules.md sections 3 and 4)."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from appraisal.models import AwardTier, QuarterResult
from appraisal.rules import QuarterId
from appraisal.services import quarter_close, quarter_ensure
from appraisal.tests.factories import DailySheetFactory
from awards.services import award_badge_report_lost, work_badge_report_lost
from awards.tests.factories import AwardBadgeFactory, WorkBadgeFactory

pytestmark = pytest.mark.django_db

Q3 = QuarterId(2026, 3)


def close(qid):
    quarter = quarter_ensure(qid=qid)
    quarter_close(quarter=quarter, closed_by=None, today=qid.last_day)
    return quarter


def test_a_lost_work_badge_disqualifies_its_quarter_and_costs_the_fine(office):
    badge = WorkBadgeFactory(issued_on=datetime.date(2026, 1, 5))
    DailySheetFactory(employee=badge.employee, day=datetime.date(2026, 7, 1))

    work_badge_report_lost(badge=badge, lost_on=datetime.date(2026, 8, 3), recorded_by=office)
    quarter = close(Q3)

    result = QuarterResult.objects.get(quarter=quarter, employee=badge.employee)
    assert result.final == 100
    assert result.award_tier == AwardTier.NONE
    assert [r["code"] for r in result.disqualification_reasons] == ["work_badge_lost"]
    assert result.fines == Decimal("200.00")
    assert result.net_amount == Decimal("-200.00")


def test_a_lost_award_badge_costs_the_fine_in_its_quarter_and_disqualifies_the_next(office):
    badge = AwardBadgeFactory()  # last quarter's Best Smile, worn this quarter
    employee = badge.employee
    this = QuarterId.of(timezone.localdate())
    following = this.next()
    for day in (this.first_day, following.first_day):
        DailySheetFactory(employee=employee, day=day)

    award_badge_report_lost(badge=badge, lost_on=timezone.localdate(), recorded_by=office)
    this_quarter = close(this)
    next_quarter = close(following)

    in_this = QuarterResult.objects.get(quarter=this_quarter, employee=employee)
    assert in_this.fines == Decimal("200.00")
    assert in_this.award_tier == AwardTier.BEST
    assert not in_this.disqualified
    in_next = QuarterResult.objects.get(quarter=next_quarter, employee=employee)
    assert in_next.fines == 0
    assert in_next.award_tier == AwardTier.NONE
    assert [r["code"] for r in in_next.disqualification_reasons] == [
        "award_badge_lost_previous_quarter"
    ]
