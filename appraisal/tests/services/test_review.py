"""The quarter after its close: reopen, submit, approve, objections, final, paid, commands."""

import datetime
from decimal import Decimal
from io import StringIO

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import CommandError, call_command
from django.utils import timezone

from appraisal.models import (
    Approval,
    AwardTier,
    DailySheet,
    DepartmentReview,
    EventKind,
    EventValidity,
    Objection,
    ObjectionChannel,
    ObjectionStatus,
    Quarter,
    QuarterAction,
    QuarterLog,
    QuarterResult,
    QuarterStatus,
    ReviewStatus,
    RuleSettings,
)
from appraisal.rules import Category, QuarterId, add_months
from appraisal.services import (
    department_submit,
    finalize_due_quarters,
    objection_record,
    objection_rule,
    quarter_approve,
    quarter_close,
    quarter_finalize,
    quarter_mark_paid,
    quarter_reopen,
    sheet_save,
)
from appraisal.tests.factories import EventFactory, ObjectionFactory, QuarterFactory
from employees.tests.factories import (
    DepartmentFactory,
    EmployeeFactory,
    head_user,
    hr_user,
    office_user,
    staff_employee,
)

pytestmark = pytest.mark.django_db

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


@pytest.fixture
def world():
    return World()


# --- Reopen -----------------------------------------------------------------------


def test_the_office_reopens_a_closed_quarter_and_its_sheets_become_writable(world):
    department_submit(quarter=world.quarter, department=world.dept_a, submitted_by=world.head_a)

    quarter_reopen(quarter=world.quarter, reopened_by=world.office, reason="补录抽查")

    quarter = world.refresh()
    assert (quarter.status, quarter.closed_at) == (QuarterStatus.OPEN, None)
    assert set(DepartmentReview.objects.values_list("status", flat=True)) == {
        ReviewStatus.REVIEWING
    }
    assert world.review(world.dept_a).submitted_by is None
    log = QuarterLog.objects.filter(quarter=quarter).order_by("-id").first()
    assert (log.action, log.by, log.reason) == (QuarterAction.REOPEN, world.office, "补录抽查")
    assert QuarterResult.objects.filter(quarter=quarter).count() == 5
    sheet = sheet_save(
        employee=world.best,
        day=datetime.date(2026, 9, 1),
        scores=full_scores(),
        saved_by=world.office,
    )
    assert sheet.pk is not None


@pytest.mark.parametrize("reason", ["", "   "])
def test_reopening_needs_a_reason(world, reason):
    with pytest.raises(ValidationError) as caught:
        quarter_reopen(quarter=world.quarter, reopened_by=world.office, reason=reason)

    assert "reason" in caught.value.message_dict
    assert world.refresh().status == QuarterStatus.CLOSED


@pytest.mark.parametrize("who", ["head", "hr"])
def test_only_the_office_reopens(world, who):
    user = world.head_a if who == "head" else world.hr

    with pytest.raises(PermissionDenied):
        quarter_reopen(quarter=world.quarter, reopened_by=user, reason="想改分")

    assert world.refresh().status == QuarterStatus.CLOSED


def test_only_a_closed_quarter_is_reopened(world):
    open_quarter = QuarterFactory(year=2026, number=4)
    with pytest.raises(ValidationError):
        quarter_reopen(quarter=open_quarter, reopened_by=world.office, reason="x")
    world.publish()

    with pytest.raises(ValidationError) as caught:
        quarter_reopen(quarter=world.quarter, reopened_by=world.office, reason="x")

    assert "2026Q3" in " ".join(caught.value.messages)
    assert world.refresh().status == QuarterStatus.PUBLISHED


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


# --- Objections ----------------------------------------------------------------------


def test_an_objection_is_recorded_only_during_the_public_notice(world):
    with pytest.raises(ValidationError):
        objection_record(
            quarter=world.quarter,
            employee=world.best,
            channel=ObjectionChannel.HOTLINE,
            text="服务态度不好",
            recorded_by=world.office,
        )
    world.publish()

    objection = objection_record(
        quarter=world.quarter,
        employee=world.best,
        channel=ObjectionChannel.HOTLINE,
        text=" 服务态度不好 ",
        recorded_by=world.office,
        raised_by="客户王先生",
    )

    assert (objection.status, objection.text, objection.raised_by) == (
        ObjectionStatus.PENDING,
        "服务态度不好",
        "客户王先生",
    )


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
        )


@pytest.fixture
def objection(world):
    world.publish()
    return objection_record(
        quarter=world.quarter,
        employee=world.best,
        channel=ObjectionChannel.HOTLINE,
        text="与顾客争吵",
        recorded_by=world.office,
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


# --- Final and paid -------------------------------------------------------------------


def test_a_quarter_is_not_final_on_the_notices_last_day_but_the_day_after(world):
    world.publish()

    with pytest.raises(ValidationError) as caught:
        quarter_finalize(quarter=world.quarter, today=NOTICE_END)

    assert NOTICE_END.isoformat() in " ".join(caught.value.messages)
    assert world.refresh().status == QuarterStatus.PUBLISHED

    quarter_finalize(quarter=world.quarter, today=NOTICE_END + datetime.timedelta(days=1))

    quarter = world.refresh()
    assert (quarter.status, quarter.final_on, quarter.payout_month) == (
        QuarterStatus.FINAL,
        datetime.date(2026, 11, 11),
        datetime.date(2026, 12, 1),
    )
    assert QuarterLog.objects.filter(action=QuarterAction.FINALIZE).count() == 1


def test_a_pending_objection_blocks_the_final(world, objection):
    with pytest.raises(ValidationError):
        quarter_finalize(quarter=world.quarter, today=datetime.date(2026, 11, 20))

    assert world.refresh().status == QuarterStatus.PUBLISHED
    objection_rule(
        objection=objection, status=ObjectionStatus.DISMISSED, ruling="查无实据", ruled_by=None
    )

    quarter_finalize(quarter=world.quarter, today=datetime.date(2026, 11, 20))

    assert world.refresh().status == QuarterStatus.FINAL


def test_only_a_published_quarter_becomes_final(world):
    with pytest.raises(ValidationError):
        quarter_finalize(quarter=world.quarter, today=datetime.date(2026, 11, 20))

    assert world.refresh().status == QuarterStatus.CLOSED


def published(year, number, on, ends):
    return QuarterFactory(
        year=year,
        number=number,
        status=QuarterStatus.PUBLISHED,
        published_on=on,
        notice_ends_on=ends,
    )


def test_finalize_due_quarters_finalizes_due_ones_and_reports_blocked_ones():
    due = published(2026, 2, datetime.date(2026, 7, 31), datetime.date(2026, 8, 31))
    blocked = published(2026, 1, datetime.date(2026, 4, 10), datetime.date(2026, 5, 10))
    ObjectionFactory(quarter=blocked)
    not_yet = published(2026, 3, datetime.date(2026, 10, 15), datetime.date(2026, 11, 15))
    closed = QuarterFactory(year=2025, number=4, status=QuarterStatus.CLOSED)
    final = QuarterFactory(
        year=2025,
        number=3,
        status=QuarterStatus.FINAL,
        published_on=datetime.date(2025, 10, 10),
        notice_ends_on=datetime.date(2025, 11, 10),
    )

    run = finalize_due_quarters(today=datetime.date(2026, 11, 15))

    assert [q.code for q in run.finalized] == ["2026Q2"]
    assert [q.code for q, _ in run.blocked] == ["2026Q1"]
    assert all(reason for _, reason in run.blocked)
    statuses = {
        q.code: q.status
        for q in Quarter.objects.filter(
            pk__in=[due.pk, blocked.pk, not_yet.pk, closed.pk, final.pk]
        )
    }
    assert statuses == {
        "2026Q2": QuarterStatus.FINAL,
        "2026Q1": QuarterStatus.PUBLISHED,
        "2026Q3": QuarterStatus.PUBLISHED,
        "2025Q4": QuarterStatus.CLOSED,
        "2025Q3": QuarterStatus.FINAL,
    }
    due.refresh_from_db()
    assert (due.final_on, due.payout_month) == (
        datetime.date(2026, 11, 15),
        datetime.date(2026, 9, 1),
    )

    again = finalize_due_quarters(today=datetime.date(2026, 11, 15))

    assert again.finalized == []
    assert [q.code for q, _ in again.blocked] == ["2026Q1"]


def test_finalize_due_quarters_takes_a_quarter_the_day_after_its_notice():
    quarter = published(2026, 3, PUBLISHED_ON, NOTICE_END)

    assert finalize_due_quarters(today=NOTICE_END).finalized == []
    assert [q.code for q in finalize_due_quarters(today=datetime.date(2026, 11, 11)).finalized] == [
        "2026Q3"
    ]
    quarter.refresh_from_db()
    assert quarter.payout_month == datetime.date(2026, 12, 1)


@pytest.mark.parametrize("who", ["hr", "office", "command_line"])
def test_hr_or_the_office_marks_a_final_quarter_paid(who):
    quarter = QuarterFactory(year=2026, number=2, status=QuarterStatus.FINAL)
    user = {"hr": hr_user, "office": office_user, "command_line": lambda: None}[who]()

    quarter_mark_paid(quarter=quarter, paid_by=user)

    quarter.refresh_from_db()
    assert quarter.status == QuarterStatus.PAID and quarter.paid_at is not None
    assert QuarterLog.objects.get(quarter=quarter).action == QuarterAction.PAY


def test_a_head_may_not_mark_a_quarter_paid():
    quarter = QuarterFactory(year=2026, number=2, status=QuarterStatus.FINAL)

    with pytest.raises(PermissionDenied):
        quarter_mark_paid(quarter=quarter, paid_by=head_user(DepartmentFactory()))

    quarter.refresh_from_db()
    assert quarter.status == QuarterStatus.FINAL


@pytest.mark.parametrize(
    "status",
    [QuarterStatus.OPEN, QuarterStatus.CLOSED, QuarterStatus.PUBLISHED, QuarterStatus.PAID],
)
def test_only_a_final_quarter_is_marked_paid(status):
    quarter = QuarterFactory(year=2026, number=2, status=status)

    with pytest.raises(ValidationError):
        quarter_mark_paid(quarter=quarter, paid_by=hr_user())

    quarter.refresh_from_db()
    assert quarter.status == status


# --- Management commands ----------------------------------------------------------------


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


def test_a_publishing_date_inside_the_quarter_is_refused_after_a_normal_close(world):
    with pytest.raises(ValidationError) as caught:
        world.publish(on=datetime.date(2026, 9, 30))

    assert "on" in caught.value.message_dict
    assert world.refresh().status == QuarterStatus.CLOSED


def test_after_an_early_close_the_list_may_be_published_from_the_closing_day():
    quarter = QuarterFactory(year=2026, number=3)
    add_sheets(EmployeeFactory(), ["96"], start=datetime.date(2026, 7, 1))
    quarter_close(quarter=quarter, closed_by=None, today=datetime.date(2026, 9, 20), force=True)
    quarter.refresh_from_db()
    closed_on = timezone.localdate(quarter.closed_at)

    quarter_approve(quarter=quarter, approved_by=None, on=closed_on, today=closed_on)

    quarter.refresh_from_db()
    assert quarter.published_on == closed_on
