import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from appraisal.models import (
    Approval,
    AwardTier,
    Event,
    EventKind,
    EventSource,
    EventValidity,
    QuarterStatus,
)
from appraisal.rules import QuarterId
from appraisal.services import quarter_ensure
from appraisal.tests.factories import QuarterFactory
from awards.models import AwardBadge, AwardBadgeStatus, WorkBadge, WorkBadgeStatus
from awards.services import (
    award_badge_report_lost,
    award_badge_return,
    award_badges_issue,
    work_badge_issue,
    work_badge_report_lost,
    work_badges_issue_missing,
)
from awards.tests.factories import (
    AwardBadgeFactory,
    FinalQuarterFactory,
    WinnerResultFactory,
    WorkBadgeFactory,
)
from employees.tests.factories import (
    DepartmentFactory,
    EmployeeFactory,
    head_user,
    hr_user,
    staff_employee,
)

pytestmark = pytest.mark.django_db


def today():
    return timezone.localdate()


def not_office_users():
    return [hr_user(), head_user(DepartmentFactory()), staff_employee().user]


# --- Work badges --------------------------------------------------------------


def test_lost_work_badge_records_a_valid_loss_event_with_fine_and_points(office):
    badge = WorkBadgeFactory()

    work_badge_report_lost(badge=badge, lost_on=today(), recorded_by=office)

    event = Event.objects.get()
    assert event.kind == EventKind.WORK_BADGE_LOST
    assert event.validity == EventValidity.VALID
    assert event.employee == badge.employee
    assert event.date == today()
    assert event.amount == Decimal("-200.00")
    assert event.points == Decimal("2.0")
    assert event.source == EventSource.OFFICE
    assert event.ruled_by == office
    badge.refresh_from_db()
    assert badge.status == WorkBadgeStatus.LOST
    assert badge.lost_on == today()
    assert badge.loss_event == event


def test_lost_work_badge_is_replaced_at_the_employee_cost_with_a_new_token(office):
    badge = WorkBadgeFactory()

    new_badge = work_badge_report_lost(badge=badge, lost_on=today(), recorded_by=office)

    assert new_badge.pk != badge.pk
    assert new_badge.employee == badge.employee
    assert new_badge.status == WorkBadgeStatus.ISSUED
    assert new_badge.at_employee_cost is True
    assert new_badge.token != badge.token
    assert new_badge.issued_by == office
    assert WorkBadge.objects.issued().get(employee=badge.employee) == new_badge


def test_lost_work_badge_takes_the_fine_and_points_from_the_quarter_settings(office):
    rules = quarter_ensure(qid=QuarterId.of(today())).rule_settings
    rules.work_badge_fine = Decimal("150.00")
    rules.badge_lost_points = Decimal("3.0")
    rules.save()

    work_badge_report_lost(badge=WorkBadgeFactory(), lost_on=today(), recorded_by=office)

    event = Event.objects.get()
    assert (event.amount, event.points) == (Decimal("-150.00"), Decimal("3.0"))


def test_a_badge_can_be_lost_only_once(office):
    badge = WorkBadgeFactory()
    work_badge_report_lost(badge=badge, lost_on=today(), recorded_by=office)

    with pytest.raises(ValidationError):
        work_badge_report_lost(badge=badge, lost_on=today(), recorded_by=office)

    assert Event.objects.count() == 1


@pytest.mark.parametrize("offset", [1, -11], ids=["future", "before-issue"])
def test_lost_date_in_the_future_or_before_issue_is_refused(office, offset):
    badge = WorkBadgeFactory(issued_on=today() - datetime.timedelta(days=10))

    with pytest.raises(ValidationError) as raised:
        work_badge_report_lost(
            badge=badge, lost_on=today() + datetime.timedelta(days=offset), recorded_by=office
        )

    assert "lost_on" in raised.value.message_dict

    assert not Event.objects.exists()
    assert WorkBadge.objects.get().status == WorkBadgeStatus.ISSUED


def test_lost_work_badge_in_a_closed_quarter_is_refused_and_changes_nothing(office):
    qid = QuarterId.of(today())
    QuarterFactory(year=qid.year, number=qid.number, status=QuarterStatus.CLOSED)
    badge = WorkBadgeFactory()

    with pytest.raises(ValidationError):
        work_badge_report_lost(badge=badge, lost_on=today(), recorded_by=office)

    assert not Event.objects.exists()
    assert WorkBadge.objects.get() == badge
    assert WorkBadge.objects.get().status == WorkBadgeStatus.ISSUED


def test_only_the_office_records_a_lost_work_badge(db):
    badge = WorkBadgeFactory()
    for user in not_office_users():
        with pytest.raises(PermissionDenied):
            work_badge_report_lost(badge=badge, lost_on=today(), recorded_by=user)

    assert not Event.objects.exists()
    assert WorkBadge.objects.get().status == WorkBadgeStatus.ISSUED


def test_work_badge_issue_keeps_the_badge_in_use(office):
    badge = WorkBadgeFactory()

    again = work_badge_issue(employee=badge.employee, issued_on=today(), issued_by=office)

    assert again == badge
    assert WorkBadge.objects.count() == 1


def test_issue_missing_gives_a_first_free_badge_to_active_employees_without_one(office):
    has_one = WorkBadgeFactory()
    without = EmployeeFactory()
    inactive = EmployeeFactory(is_active=False)

    count = work_badges_issue_missing(issued_on=today(), issued_by=office)

    assert count == 1
    assert WorkBadge.objects.issued().get(employee=without).at_employee_cost is False
    assert WorkBadge.objects.filter(employee=has_one.employee).count() == 1
    assert not WorkBadge.objects.filter(employee=inactive).exists()
    assert work_badges_issue_missing(issued_on=today(), issued_by=office) == 0


def test_only_the_office_issues_missing_badges(db):
    EmployeeFactory()
    for user in not_office_users():
        with pytest.raises(PermissionDenied):
            work_badges_issue_missing(issued_on=today(), issued_by=user)
    assert not WorkBadge.objects.exists()


# --- Award badges -------------------------------------------------------------


def test_award_badges_go_to_approved_winners_of_a_final_quarter(office):
    quarter = FinalQuarterFactory()
    best = WinnerResultFactory(quarter=quarter)
    style = WinnerResultFactory(
        quarter=quarter, award_tier=AwardTier.STYLE, award_amount=Decimal("200")
    )
    WinnerResultFactory(quarter=quarter, award_tier=AwardTier.NONE, award_amount=Decimal("0"))
    WinnerResultFactory(quarter=quarter, withdrawn=True, withdrawal_reason="部门撤回")
    WinnerResultFactory(quarter=quarter, approval=Approval.REVOKED, revocation_reason="异议成立")
    WinnerResultFactory(quarter=quarter, approval=Approval.PENDING)

    count = award_badges_issue(quarter=quarter, issued_on=today(), issued_by=office)

    assert count == 2
    badges = {badge.result: badge for badge in AwardBadge.objects.all()}
    assert set(badges) == {best, style}
    assert badges[best].tier == AwardTier.BEST
    assert badges[style].tier == AwardTier.STYLE
    for badge in badges.values():
        assert badge.status == AwardBadgeStatus.ISSUED
        assert badge.issued_on == today()
        assert badge.due_back_on == QuarterId.of(today()).last_day
        assert badge.issued_by == office
        assert badge.quarter == quarter


def test_issuing_award_badges_twice_issues_nothing_new(office):
    quarter = FinalQuarterFactory()
    WinnerResultFactory(quarter=quarter)
    award_badges_issue(quarter=quarter, issued_on=today(), issued_by=office)

    assert award_badges_issue(quarter=quarter, issued_on=today(), issued_by=office) == 0
    assert AwardBadge.objects.count() == 1


def test_award_badges_for_a_paid_quarter_are_allowed(office):
    quarter = FinalQuarterFactory(status=QuarterStatus.PAID)
    WinnerResultFactory(quarter=quarter)

    assert award_badges_issue(quarter=quarter, issued_on=today(), issued_by=office) == 1


@pytest.mark.parametrize(
    "status", [QuarterStatus.OPEN, QuarterStatus.CLOSED, QuarterStatus.PUBLISHED]
)
def test_award_badges_are_refused_before_the_quarter_is_final(office, status):
    quarter = FinalQuarterFactory(status=status)
    WinnerResultFactory(quarter=quarter)

    with pytest.raises(ValidationError) as raised:
        award_badges_issue(quarter=quarter, issued_on=today(), issued_by=office)

    assert quarter.code in raised.value.messages[0]
    assert not AwardBadge.objects.exists()


def test_only_the_office_issues_award_badges(db):
    quarter = FinalQuarterFactory()
    WinnerResultFactory(quarter=quarter)
    for user in not_office_users():
        with pytest.raises(PermissionDenied):
            award_badges_issue(quarter=quarter, issued_on=today(), issued_by=user)
    assert not AwardBadge.objects.exists()


def test_returned_award_badge_is_recorded_with_date_and_recorder(office):
    badge = AwardBadgeFactory()

    award_badge_return(badge=badge, returned_on=today(), recorded_by=office)

    badge.refresh_from_db()
    assert badge.status == AwardBadgeStatus.RETURNED
    assert badge.returned_on == today()
    assert badge.recorded_by == office
    assert not Event.objects.exists()


def test_returned_badge_cannot_be_returned_or_lost_again(office):
    badge = AwardBadgeFactory()
    award_badge_return(badge=badge, returned_on=today(), recorded_by=office)

    with pytest.raises(ValidationError):
        award_badge_return(badge=badge, returned_on=today(), recorded_by=office)
    with pytest.raises(ValidationError):
        award_badge_report_lost(badge=badge, lost_on=today(), recorded_by=office)

    assert not Event.objects.exists()


def test_lost_award_badge_records_a_valid_loss_event_with_fine_and_points(office):
    badge = AwardBadgeFactory()

    award_badge_report_lost(badge=badge, lost_on=today(), recorded_by=office)

    event = Event.objects.get()
    assert event.kind == EventKind.AWARD_BADGE_LOST
    assert event.validity == EventValidity.VALID
    assert event.employee == badge.employee
    # Dated the day of the loss; the close disqualifies for the quarter after it.
    assert event.date == today()
    assert event.amount == Decimal("-200.00")
    assert event.points == Decimal("2.0")
    badge.refresh_from_db()
    assert badge.status == AwardBadgeStatus.LOST
    assert badge.lost_on == today()
    assert badge.loss_event == event
    assert badge.recorded_by == office


def test_only_the_office_records_award_badge_returns_and_losses(db):
    badge = AwardBadgeFactory()
    for user in not_office_users():
        with pytest.raises(PermissionDenied):
            award_badge_return(badge=badge, returned_on=today(), recorded_by=user)
        with pytest.raises(PermissionDenied):
            award_badge_report_lost(badge=badge, lost_on=today(), recorded_by=user)

    badge.refresh_from_db()
    assert badge.status == AwardBadgeStatus.ISSUED
    assert not Event.objects.exists()
