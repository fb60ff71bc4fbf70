"""The quarter's life, rules.md sections 5 and 6: its creation, the lock on a
closed quarter's days, reopening, the final and the payout, and the helpers
the other services share (the row lock, the log, the office check).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from appraisal.lifecycle import Action, assert_allowed
from appraisal.models import (
    DepartmentReview,
    Event,
    Objection,
    ObjectionStatus,
    Quarter,
    QuarterAction,
    QuarterLog,
    QuarterStatus,
    ReviewStatus,
    RuleSettings,
)
from appraisal.rules import QuarterId, payout_month
from appraisal.selectors import quarter_finalize_blocker
from appraisal.services.year import year_archived_reason, year_is_archived
from employees.models import User
from employees.permissions import may_manage_quarter, may_mark_paid


@transaction.atomic
def quarter_ensure(*, qid: QuarterId) -> Quarter:
    """The quarter `qid`, created open with a copy of the company's default rules if new."""
    quarter, created = Quarter.objects.get_or_create(year=qid.year, number=qid.number)
    if created or not RuleSettings.objects.filter(quarter=quarter).exists():
        rule_settings_copy_defaults(quarter=quarter)
    return quarter


def rule_settings_copy_defaults(*, quarter: Quarter) -> RuleSettings:
    defaults = RuleSettings.objects.get(is_default=True)
    values = {
        field.name: getattr(defaults, field.name)
        for field in RuleSettings._meta.concrete_fields
        if field.name not in {"id", "quarter", "is_default", "updated_at", "updated_by"}
    }
    settings = RuleSettings(quarter=quarter, is_default=False, **values)
    settings.full_clean()
    settings.save()
    return settings


def quarter_assert_open_for(*, day: datetime.date, for_update: bool = False) -> Quarter:
    """The open quarter `day` falls in; refuses a day of a closed (locked) quarter.

    With `for_update` the quarter row is locked (PostgreSQL) so that a close
    cannot slip in between this check and the caller's write.
    """
    qid = QuarterId.of(day)
    quarter = quarter_ensure(qid=qid)
    if for_update:
        quarter = Quarter.objects.select_for_update().get(pk=quarter.pk)
    # An archived year's quarters are all paid (year_archive requires it, and paid is
    # the last state), so the quarter's lock covers the year's; the reason names the
    # archive. No extra query on the way of every write.
    if quarter.is_locked:
        raise ValidationError(quarter_locked_reason(day=day, quarter=quarter))
    return quarter


def quarter_locked_reason(*, day: datetime.date, quarter: Quarter) -> str:
    """Why nothing dated `day` may change: its quarter is closed (or further on), or its
    year archived."""
    if year_is_archived(year=day.year):
        return year_archived_reason(day=day)
    return _(
        "%(day)s belongs to quarter %(quarter)s, which is %(status)s and can no longer change."
    ) % {
        "day": day.isoformat(),
        "quarter": quarter.code,
        "status": quarter.get_status_display(),
    }


# --- Shared by the services that move a quarter on (close, review, settings) ----------


def _assert_office(user: User | None, message: str) -> None:
    # None is an operator at the server's command line (management commands).
    if user is not None and not may_manage_quarter(user):
        raise PermissionDenied(message)


def _quarter_lock(quarter: Quarter) -> Quarter:
    """The quarter's row, locked until the transaction ends (PostgreSQL), freshly read."""
    return Quarter.objects.select_for_update().get(pk=quarter.pk)


def _log(*, quarter: Quarter, action: QuarterAction, by: User | None, reason: str = "") -> None:
    entry = QuarterLog(quarter=quarter, action=action, by=by, reason=reason[:500])
    entry.full_clean()
    entry.save()


def _required_reason(reason: str, field: str = "reason") -> str:
    reason = reason.strip()
    if not reason:
        raise ValidationError({field: _("Give a reason.")})
    return reason


@transaction.atomic
def quarter_reopen(*, quarter: Quarter, reopened_by: User, reason: str) -> Quarter:
    """The office reopens a closed, unapproved quarter so its sheets and events can change.

    The results stay (with the departments' withdrawals) until the next close
    recomputes them; the departments review their lists again. Events kept for
    the record while it was closed count from then on (rules.md section 4).
    """
    _assert_office(reopened_by, _("Only the appraisal office reopens a quarter."))
    reason = _required_reason(reason)
    quarter = _quarter_lock(quarter)
    assert_allowed(Action.REOPEN, quarter)
    quarter.status = QuarterStatus.OPEN
    quarter.closed_at = None
    quarter.closed_on = None
    quarter.full_clean()
    quarter.save(update_fields=["status", "closed_at", "closed_on"])
    DepartmentReview.objects.filter(quarter=quarter).update(
        status=ReviewStatus.REVIEWING, submitted_by=None, submitted_at=None
    )
    # What arrived or was ruled for the record while it was closed counts from the next close.
    Event.objects.in_quarter(quarter).filter(for_the_record=True).update(for_the_record=False)
    _log(quarter=quarter, action=QuarterAction.REOPEN, by=reopened_by, reason=reason)
    return quarter


@transaction.atomic
def quarter_finalize(
    *, quarter: Quarter, today: datetime.date | None = None, finalized_by: User | None = None
) -> Quarter:
    """The quarter becomes final the day after its notice ends, with no objection pending."""
    _assert_office(finalized_by, _("Only the appraisal office finalises a quarter."))
    quarter = _quarter_lock(quarter)
    assert_allowed(Action.FINALIZE, quarter)
    today = today or timezone.localdate()
    pending = Objection.objects.filter(quarter=quarter, status=ObjectionStatus.PENDING).count()
    # The same words the quarter's page shows beside its disabled button.
    blocker = quarter_finalize_blocker(quarter=quarter, today=today, pending_objections=pending)
    if blocker:
        raise ValidationError(blocker)
    quarter.status = QuarterStatus.FINAL
    quarter.final_on = today
    quarter.payout_month = payout_month(quarter.notice_ends_on)
    quarter.full_clean()
    quarter.save(update_fields=["status", "final_on", "payout_month"])
    _log(quarter=quarter, action=QuarterAction.FINALIZE, by=finalized_by)
    return quarter


@dataclass(frozen=True)
class FinalizeRun:
    finalized: list[Quarter]
    blocked: list[tuple[Quarter, str]]


def finalize_due_quarters(*, today: datetime.date | None = None) -> FinalizeRun:
    """The daily job: make final every quarter whose notice has ended and has no objection pending.

    Each quarter is its own transaction, so one blocked quarter does not hold back the others.
    """
    today = today or timezone.localdate()
    finalized: list[Quarter] = []
    blocked: list[tuple[Quarter, str]] = []
    due = Quarter.objects.filter(status=QuarterStatus.PUBLISHED, notice_ends_on__lt=today).order_by(
        "year", "number"
    )
    for quarter in due:
        try:
            finalized.append(quarter_finalize(quarter=quarter, today=today))
        except ValidationError as error:
            blocked.append((quarter, " ".join(error.messages)))
    return FinalizeRun(finalized=finalized, blocked=blocked)


@transaction.atomic
def quarter_mark_paid(*, quarter: Quarter, paid_by: User | None) -> Quarter:
    """HR (or the office) records that the quarter's payout has been paid."""
    if paid_by is not None and not may_mark_paid(paid_by):
        raise PermissionDenied(_("Only HR or the appraisal office marks a quarter paid."))
    quarter = _quarter_lock(quarter)
    assert_allowed(Action.PAY, quarter)
    quarter.status = QuarterStatus.PAID
    quarter.paid_at = timezone.now()
    quarter.full_clean()
    quarter.save(update_fields=["status", "paid_at"])
    _log(quarter=quarter, action=QuarterAction.PAY, by=paid_by)
    return quarter
