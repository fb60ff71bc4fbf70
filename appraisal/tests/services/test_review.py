"""The review after the close: department submit, approve, objections."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from appraisal.models import (
    Approval,
    AwardTier,
    DepartmentReview,
    Objection,
    ObjectionChannel,
    ObjectionStatus,
    QuarterAction,
    QuarterLog,
    QuarterResult,
    QuarterStatus,
    ReviewStatus,
    RuleSettings,
)
from appraisal.rules import add_months
from appraisal.services import (
    department_submit,
    objection_record,
    objection_rule,
    quarter_approve,
    quarter_close,
    quarter_reopen,
)
from appraisal.services.review import LATE
from appraisal.tests.factories import QuarterFactory
from appraisal.tests.services.quarter_world import AFTER_Q3, NOTICE_END, PUBLISHED_ON, D, add_sheets
from employees.tests.factories import DepartmentFactory, EmployeeFactory, staff_employee

ONE_DAY = datetime.timedelta(days=1)

pytestmark = pytest.mark.django_db


# --- Department submit ----------------------------------------------------------------


def test_a_head_submits_their_departments_list(world):
    review = department_submit(
        quarter=world.quarter, department=world.dept_a, submitted_by=world.head_a
    )

    assert (review.status, review.submitted_by) == (ReviewStatus.SUBMITTED, world.head_a)
    assert review.submitted_at is not None
    assert world.review(world.dept_b).status == ReviewStatus.REVIEWING
    assert world.result(world.best).award_tier == AwardTier.BEST
    assert QuarterLog.objects.filter(action=QuarterAction.SUBMIT, by=world.head_a).count() == 1


def test_the_office_submits_any_departments_list(world):
    review = department_submit(
        quarter=world.quarter, department=world.dept_b, submitted_by=world.office
    )

    assert review.status == ReviewStatus.SUBMITTED


def test_another_departments_head_and_staff_are_refused(world):
    staff = staff_employee(department=world.dept_a)
    for user in (world.head_b, world.hr, staff.user):
        with pytest.raises(PermissionDenied):
            department_submit(quarter=world.quarter, department=world.dept_a, submitted_by=user)

    assert world.review(world.dept_a).status == ReviewStatus.REVIEWING


def test_withdrawing_a_nominee_removes_the_award_and_keeps_the_score_tier(world):
    department_submit(
        quarter=world.quarter,
        department=world.dept_a,
        submitted_by=world.head_a,
        withdrawals={world.best.pk: "  工作态度差  "},
    )

    result = world.result(world.best)
    assert (result.withdrawn, result.withdrawal_reason) == (True, "工作态度差")
    assert (result.score_tier, result.award_tier, result.award_amount) == (
        AwardTier.BEST,
        AwardTier.NONE,
        D("0.00"),
    )
    assert world.result(world.ambassador).award_tier == AwardTier.AMBASSADOR


@pytest.mark.parametrize("reason", ["", "  "])
def test_withdrawing_a_nominee_needs_a_reason_and_nothing_changes(world, reason):
    with pytest.raises(ValidationError) as caught:
        department_submit(
            quarter=world.quarter,
            department=world.dept_a,
            submitted_by=world.head_a,
            withdrawals={world.best.pk: reason},
        )

    assert "withdrawals" in caught.value.message_dict
    result = world.result(world.best)
    assert (result.withdrawn, result.award_tier) == (False, AwardTier.BEST)
    assert world.review(world.dept_a).status == ReviewStatus.REVIEWING


def test_a_non_nominee_cannot_be_withdrawn(world):
    for department, employee in [
        (world.dept_a, world.plain),  # no award by score
        (world.dept_b, world.disqualified),  # disqualified
        (world.dept_a, world.style),  # in the other department's list
    ]:
        with pytest.raises(ValidationError) as caught:
            department_submit(
                quarter=world.quarter,
                department=department,
                submitted_by=world.office,
                withdrawals={employee.pk: "不合适"},
            )
        assert "withdrawals" in caught.value.message_dict

    assert not QuarterResult.objects.filter(withdrawn=True).exists()
    assert set(DepartmentReview.objects.values_list("status", flat=True)) == {
        ReviewStatus.REVIEWING
    }


def test_a_second_submit_is_refused(world):
    department_submit(quarter=world.quarter, department=world.dept_a, submitted_by=world.head_a)

    with pytest.raises(ValidationError):
        department_submit(
            quarter=world.quarter,
            department=world.dept_a,
            submitted_by=world.head_a,
            withdrawals={world.best.pk: "再改"},
        )

    assert world.result(world.best).award_tier == AwardTier.BEST


def test_a_department_without_results_cannot_submit(world):
    empty = DepartmentFactory(name="财务部")

    with pytest.raises(ValidationError):
        department_submit(quarter=world.quarter, department=empty, submitted_by=world.office)


def test_leaving_a_withdrawal_out_of_the_next_submit_takes_it_back(world):
    department_submit(
        quarter=world.quarter,
        department=world.dept_a,
        submitted_by=world.head_a,
        withdrawals={world.best.pk: "误报"},
    )
    quarter_reopen(quarter=world.quarter, reopened_by=world.office, reason="重新评定")
    quarter_close(quarter=world.quarter, closed_by=world.office, today=AFTER_Q3)
    assert world.result(world.best).withdrawn  # the close keeps it

    department_submit(quarter=world.quarter, department=world.dept_a, submitted_by=world.head_a)

    result = world.result(world.best)
    assert (result.withdrawn, result.withdrawal_reason) == (False, "")
    assert (result.award_tier, result.award_amount) == (AwardTier.BEST, D("500.00"))


def test_a_list_is_submitted_only_while_the_quarter_is_closed(world):
    world.publish()

    with pytest.raises(ValidationError):
        department_submit(quarter=world.quarter, department=world.dept_a, submitted_by=world.office)


# --- Approve ------------------------------------------------------------------------


def test_approve_needs_a_closed_quarter():
    open_quarter = QuarterFactory(year=2026, number=3)

    with pytest.raises(ValidationError) as caught:
        quarter_approve(quarter=open_quarter, approved_by=None, on=PUBLISHED_ON)

    assert "2026Q3" in " ".join(caught.value.messages)
    open_quarter.refresh_from_db()
    assert (open_quarter.status, open_quarter.published_on) == (QuarterStatus.OPEN, None)


def test_approve_publishes_today_by_default_and_approves_every_result(world):
    today = timezone.localdate()

    quarter = quarter_approve(quarter=world.quarter, approved_by=world.office)

    quarter = world.refresh()
    assert quarter.status == QuarterStatus.PUBLISHED
    assert quarter.published_on == today
    assert quarter.notice_ends_on == add_months(today, 1)
    assert set(QuarterResult.objects.values_list("approval", "approved_by")) == {
        (Approval.APPROVED, world.office.pk)
    }
    assert set(DepartmentReview.objects.values_list("status", flat=True)) == {ReviewStatus.APPROVED}
    assert QuarterLog.objects.filter(action=QuarterAction.APPROVE, by=world.office).count() == 1


def test_the_notice_runs_one_calendar_month_from_the_publishing_date(world):
    world.publish(on=PUBLISHED_ON)

    quarter = world.refresh()
    assert (quarter.published_on, quarter.notice_ends_on) == (PUBLISHED_ON, NOTICE_END)


def test_a_notice_published_on_31_january_ends_on_28_february():
    quarter = QuarterFactory(year=2025, number=4)
    employee = EmployeeFactory()
    add_sheets(employee, ["96"], start=datetime.date(2025, 12, 1))
    quarter_close(quarter=quarter, closed_by=None, today=datetime.date(2026, 1, 5))

    quarter_approve(quarter=quarter, approved_by=None, on=datetime.date(2026, 1, 31))

    quarter.refresh_from_db()
    assert quarter.notice_ends_on == datetime.date(2026, 2, 28)


def test_the_quarters_notice_months_setting_is_used(world):
    RuleSettings.objects.filter(quarter=world.quarter).update(notice_months=2)

    world.publish(on=datetime.date(2026, 10, 31))

    assert world.refresh().notice_ends_on == datetime.date(2026, 12, 31)


def test_a_publishing_date_in_the_future_is_refused(world):
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)

    with pytest.raises(ValidationError) as caught:
        world.publish(on=tomorrow)

    assert "on" in caught.value.message_dict
    quarter = world.refresh()
    assert (quarter.status, quarter.published_on) == (QuarterStatus.CLOSED, None)
    assert not QuarterResult.objects.exclude(approval=Approval.PENDING).exists()


def test_revoking_a_nominee_needs_a_reason_and_nothing_changes(world):
    with pytest.raises(ValidationError) as caught:
        world.publish(revocations={world.best.pk: " "})

    assert "revocations" in caught.value.message_dict
    assert world.refresh().status == QuarterStatus.CLOSED
    result = world.result(world.best)
    assert (result.approval, result.award_tier) == (Approval.PENDING, AwardTier.BEST)


def test_revoking_a_nominee_removes_the_award_with_the_reason(world):
    world.publish(revocations={world.style.pk: "群众反映服务不到位"})

    revoked = world.result(world.style)
    assert (revoked.approval, revoked.revocation_reason) == (Approval.REVOKED, "群众反映服务不到位")
    assert (revoked.score_tier, revoked.award_tier, revoked.award_amount) == (
        AwardTier.STYLE,
        AwardTier.NONE,
        D("0.00"),
    )
    kept = world.result(world.best)
    assert (kept.approval, kept.award_tier, kept.award_amount) == (
        Approval.APPROVED,
        AwardTier.BEST,
        D("500.00"),
    )


def test_revoking_someone_without_an_award_is_refused(world):
    for employee in (world.plain, world.disqualified):
        with pytest.raises(ValidationError):
            world.publish(revocations={employee.pk: "不合适"})

    assert world.refresh().status == QuarterStatus.CLOSED


def test_only_the_office_approves(world):
    with pytest.raises(PermissionDenied):
        quarter_approve(quarter=world.quarter, approved_by=world.head_a, on=PUBLISHED_ON)

    assert world.refresh().status == QuarterStatus.CLOSED


def test_a_publishing_date_inside_the_quarter_is_refused_after_a_normal_close(world):
    with pytest.raises(ValidationError) as caught:
        world.publish(on=datetime.date(2026, 9, 30))

    assert "on" in caught.value.message_dict
    assert world.refresh().status == QuarterStatus.CLOSED


def test_approving_takes_the_same_queries_however_long_the_list(world):
    def approve_queries(number: int, employees: int) -> int:
        quarter = QuarterFactory(year=2025, number=number)
        staff = EmployeeFactory.create_batch(employees)
        for employee in staff:
            add_sheets(employee, ["96"], start=quarter.first_day)
        quarter_close(quarter=quarter, closed_by=None, today=quarter.last_day)
        with CaptureQueriesContext(connection) as queries:
            quarter_approve(
                quarter=quarter,
                approved_by=world.office,
                on=quarter.last_day + ONE_DAY,
                revocations={staff[0].pk: "投诉属实"},
            )
        approvals = QuarterResult.objects.filter(quarter=quarter).values_list("approval", flat=True)
        assert sorted(approvals) == [Approval.APPROVED] * (employees - 1) + [Approval.REVOKED]
        return len(queries.captured_queries)

    approve_queries(1, 2)  # the office's groups are read once, then known
    assert approve_queries(2, 2) == approve_queries(3, 25)


def test_after_an_early_close_the_list_may_be_published_from_the_closing_day():
    quarter = QuarterFactory(year=2026, number=3)
    add_sheets(EmployeeFactory(), ["96"], start=datetime.date(2026, 7, 1))
    closed_on = datetime.date(2026, 9, 20)
    quarter_close(quarter=quarter, closed_by=None, today=closed_on, force=True)
    quarter.refresh_from_db()
    with pytest.raises(ValidationError):
        quarter_approve(quarter=quarter, approved_by=None, on=closed_on - ONE_DAY, today=closed_on)

    quarter_approve(quarter=quarter, approved_by=None, on=closed_on, today=closed_on)

    quarter.refresh_from_db()
    assert quarter.published_on == closed_on


# --- Objections ----------------------------------------------------------------------


def test_an_objection_is_recorded_only_during_the_public_notice(world):
    with pytest.raises(ValidationError):
        objection_record(
            quarter=world.quarter,
            employee=world.best,
            channel=ObjectionChannel.HOTLINE,
            text="服务态度不好",
            recorded_by=world.office,
            today=PUBLISHED_ON,
        )
    world.publish()

    objection = objection_record(
        quarter=world.quarter,
        employee=world.best,
        channel=ObjectionChannel.HOTLINE,
        text=" 服务态度不好 ",
        recorded_by=world.office,
        raised_by="客户王先生",
        today=PUBLISHED_ON,
    )

    assert (objection.status, objection.text, objection.raised_by) == (
        ObjectionStatus.PENDING,
        "服务态度不好",
        "客户王先生",
    )
    assert objection.late is False


def test_an_objection_after_the_notice_is_refused_naming_its_dates_and_nothing_is_written(world):
    world.publish()

    with pytest.raises(ValidationError) as caught:
        objection_record(
            quarter=world.quarter,
            employee=world.best,
            channel=ObjectionChannel.HOTLINE,
            text="服务态度不好",
            recorded_by=world.office,
            today=NOTICE_END + datetime.timedelta(days=1),
        )

    assert caught.value.code == LATE
    assert (
        "公示期为 2026-10-10 至 2026-11-10，已结束；确认后作为逾期异议登记"
        in caught.value.messages[0]
    )
    assert not Objection.objects.exists()


def test_an_objection_after_the_notice_is_recorded_as_late_once_the_office_confirms(world):
    world.publish()

    objection = objection_record(
        quarter=world.quarter,
        employee=world.best,
        channel=ObjectionChannel.LETTER,
        text="服务态度不好",
        recorded_by=world.office,
        today=datetime.date(2026, 12, 1),
        late_confirmed=True,
    )

    objection.refresh_from_db()
    assert (objection.late, objection.status) == (True, ObjectionStatus.PENDING)


@pytest.mark.parametrize("late_confirmed", [False, True])
def test_an_objection_on_the_notices_last_day_is_not_late(world, late_confirmed):
    world.publish()

    objection = objection_record(
        quarter=world.quarter,
        employee=world.best,
        channel=ObjectionChannel.HOTLINE,
        text="服务态度不好",
        recorded_by=world.office,
        today=NOTICE_END,
        late_confirmed=late_confirmed,
    )

    objection.refresh_from_db()
    assert objection.late is False


def test_an_objection_is_recorded_only_against_a_winner(world):
    world.publish(revocations={world.ambassador.pk: "核查不实"})

    for employee in (world.plain, world.disqualified, world.ambassador):
        with pytest.raises(ValidationError) as caught:
            objection_record(
                quarter=world.quarter,
                employee=employee,
                channel=ObjectionChannel.LETTER,
                text="异议",
                recorded_by=world.office,
                today=PUBLISHED_ON,
            )
        assert "employee" in caught.value.message_dict

    assert not Objection.objects.exists()


def test_only_the_office_records_an_objection(world):
    world.publish()

    with pytest.raises(PermissionDenied):
        objection_record(
            quarter=world.quarter,
            employee=world.best,
            channel=ObjectionChannel.HOTLINE,
            text="异议",
            recorded_by=world.head_a,
            today=PUBLISHED_ON,
        )


def test_an_upheld_objection_revokes_the_award_with_the_ruling_as_reason(world, objection):
    ruled = objection_rule(
        objection=objection,
        status=ObjectionStatus.UPHELD,
        ruling="经核实属实",
        ruled_by=world.office,
    )

    assert (ruled.status, ruled.ruling, ruled.ruled_by) == (
        ObjectionStatus.UPHELD,
        "经核实属实",
        world.office,
    )
    result = world.result(world.best)
    assert (result.approval, result.revocation_reason) == (Approval.REVOKED, "经核实属实")
    assert (result.award_tier, result.award_amount, result.score_tier) == (
        AwardTier.NONE,
        D("0.00"),
        AwardTier.BEST,
    )


def test_a_dismissed_objection_leaves_the_award(world, objection):
    objection_rule(
        objection=objection,
        status=ObjectionStatus.DISMISSED,
        ruling="查无实据",
        ruled_by=world.office,
    )

    result = world.result(world.best)
    assert (result.approval, result.award_tier, result.award_amount) == (
        Approval.APPROVED,
        AwardTier.BEST,
        D("500.00"),
    )


@pytest.mark.parametrize("ruling", ["", "  "])
def test_a_ruling_is_required(world, objection, ruling):
    with pytest.raises(ValidationError) as caught:
        objection_rule(
            objection=objection, status=ObjectionStatus.UPHELD, ruling=ruling, ruled_by=None
        )

    assert "ruling" in caught.value.message_dict
    objection.refresh_from_db()
    assert objection.status == ObjectionStatus.PENDING
    assert world.result(world.best).award_tier == AwardTier.BEST


def test_an_objection_is_ruled_on_once(world, objection):
    objection_rule(
        objection=objection, status=ObjectionStatus.DISMISSED, ruling="查无实据", ruled_by=None
    )

    with pytest.raises(ValidationError):
        objection_rule(
            objection=objection, status=ObjectionStatus.UPHELD, ruling="又查实了", ruled_by=None
        )

    objection.refresh_from_db()
    assert (objection.status, objection.ruling) == (ObjectionStatus.DISMISSED, "查无实据")
    assert world.result(world.best).award_tier == AwardTier.BEST


def test_pending_is_not_a_ruling(world, objection):
    with pytest.raises(ValidationError):
        objection_rule(
            objection=objection, status=ObjectionStatus.PENDING, ruling="待定", ruled_by=None
        )
