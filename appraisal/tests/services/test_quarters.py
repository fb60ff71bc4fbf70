"""The quarter's life after its close: reopen, final, paid."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from appraisal.models import (
    DepartmentReview,
    ObjectionStatus,
    Quarter,
    QuarterAction,
    QuarterLog,
    QuarterResult,
    QuarterStatus,
    ReviewStatus,
)
from appraisal.services import (
    department_submit,
    finalize_due_quarters,
    objection_rule,
    quarter_finalize,
    quarter_mark_paid,
    quarter_reopen,
    sheet_save,
)
from appraisal.tests.factories import ObjectionFactory, QuarterFactory
from appraisal.tests.services.quarter_world import NOTICE_END, PUBLISHED_ON, full_scores, published
from employees.tests.factories import DepartmentFactory, head_user, hr_user, office_user

pytestmark = pytest.mark.django_db


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
