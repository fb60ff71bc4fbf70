"""A customer's praise, once the office rules it valid, counts at the quarter's close."""

import pytest
from django.utils import timezone

from appraisal.models import AwardTier, EventValidity, QuarterResult
from appraisal.rules import QuarterId
from appraisal.services import event_rule, quarter_close, quarter_ensure
from appraisal.tests.factories import DailySheetFactory
from feedback.models import FeedbackKind
from feedback.services import feedback_submit

pytestmark = pytest.mark.django_db


def submit(badge, kind):
    return feedback_submit(
        employee=badge.employee,
        badge=badge,
        kind=kind,
        text="服务很好" if kind == FeedbackKind.PRAISE else "态度很差",
        happened="",
        contact="",
        client_address="203.0.113.9",
    )


def close_today():
    today = timezone.localdate()
    quarter = quarter_ensure(qid=QuarterId.of(today))
    quarter_close(quarter=quarter, closed_by=None, today=today, force=True)
    return quarter


def test_praise_ruled_valid_adds_ten_points_at_the_close(badge, office):
    DailySheetFactory(employee=badge.employee, day=timezone.localdate(), service=36)  # 86
    message = submit(badge, FeedbackKind.PRAISE)
    assert message.event.validity == EventValidity.PENDING

    event_rule(event=message.event, validity=EventValidity.VALID, ruled_by=office)
    quarter = close_today()

    result = QuarterResult.objects.get(quarter=quarter, employee=badge.employee)
    assert result.average == 86
    assert result.bonus == 10
    assert result.final == 96
    assert result.award_tier == AwardTier.BEST


def test_praise_left_pending_or_ruled_invalid_adds_nothing(badge, office):
    DailySheetFactory(employee=badge.employee, day=timezone.localdate(), service=36)
    submit(badge, FeedbackKind.PRAISE)
    invalid = submit(badge, FeedbackKind.PRAISE)
    event_rule(event=invalid.event, validity=EventValidity.INVALID, ruled_by=office, reason="重复")

    quarter = close_today()

    result = QuarterResult.objects.get(quarter=quarter, employee=badge.employee)
    assert result.bonus == 0
    assert result.final == 86


def test_complaint_ruled_valid_disqualifies_at_the_close(badge, office):
    DailySheetFactory(employee=badge.employee, day=timezone.localdate())
    message = submit(badge, FeedbackKind.COMPLAINT)
    event_rule(event=message.event, validity=EventValidity.VALID, ruled_by=office)

    quarter = close_today()

    result = QuarterResult.objects.get(quarter=quarter, employee=badge.employee)
    assert result.score_tier == AwardTier.BEST
    assert result.award_tier == AwardTier.NONE
    assert [r["code"] for r in result.disqualification_reasons] == ["wechat_complaint"]
