"""Reads of the quarter workbench: the actions offered, the list of quarters, a quarter's
overview and the preview of its close."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from appraisal import lifecycle
from appraisal.lifecycle import Action
from appraisal.models import (
    LOCKED_STATUSES,
    AwardTier,
    DailySheet,
    DepartmentReview,
    Event,
    Objection,
    ObjectionStatus,
    Quarter,
    QuarterLog,
    QuarterResult,
    QuarterStatus,
    ReviewStatus,
)
from appraisal.rules import appraisal_day, final_from, may_finalize
from employees.models import Employee, User
from employees.permissions import (
    may_manage_quarter,
    may_mark_paid,
    may_open_workbench,
    may_rule_events,
    sees_every_department,
    sees_money,
)

# --- The quarter workbench: quarters, results, approval, notice, objections -------


PUBLISHED_STATUSES = (QuarterStatus.PUBLISHED, QuarterStatus.FINAL, QuarterStatus.PAID)
MONEY_STATUSES = (QuarterStatus.FINAL, QuarterStatus.PAID)


def quarter_actions_for(*, user: User, quarter: Quarter) -> dict[str, bool]:
    """Which buttons and links the quarter's page offers `user` in the quarter's state.

    The actions' states come from `appraisal.lifecycle`; the services decide
    again when the action is taken, this only keeps the page from offering
    what would be refused. The pages (results, notice, files) exist from a state on.
    """
    status = quarter.status
    office = may_manage_quarter(user)
    money = sees_money(user)
    return {
        "close": office and lifecycle.allowed(Action.CLOSE, status),
        "reopen": office and lifecycle.allowed(Action.REOPEN, status),
        "approve": office and lifecycle.allowed(Action.APPROVE, status),
        "finalize": office and lifecycle.allowed(Action.FINALIZE, status),
        "objections": office and status in PUBLISHED_STATUSES,
        "results": status in LOCKED_STATUSES,
        "notice": status in PUBLISHED_STATUSES,
        "results_xlsx": money and status in LOCKED_STATUSES,
        "payout_xlsx": money and status in MONEY_STATUSES,
        "paid": may_mark_paid(user) and lifecycle.allowed(Action.PAY, status),
        "events": may_rule_events(user),
    }


def quarter_finalize_blocker(
    *, quarter: Quarter, today: datetime.date, pending_objections: int
) -> str:
    """Why `quarter` cannot be final on `today`, or "" when it can."""
    refused = lifecycle.refusal_for(Action.FINALIZE, quarter)
    if refused or quarter.notice_ends_on is None:
        return refused or lifecycle.refusal(
            Action.FINALIZE, quarter_code=quarter.code, status_label=quarter.get_status_display()
        )
    if may_finalize(
        notice_ends_on=quarter.notice_ends_on, today=today, pending_objections=pending_objections
    ):
        return ""
    if today < final_from(quarter.notice_ends_on):
        return _(
            "The public notice runs until %(end)s; the quarter can be final from %(final)s."
        ) % {
            "end": quarter.notice_ends_on.isoformat(),
            "final": final_from(quarter.notice_ends_on).isoformat(),
        }
    return ngettext(
        "%(count)d objection is pending; rule on it before the quarter can be final.",
        "%(count)d objections are pending; rule on them before the quarter can be final.",
        pending_objections,
    ) % {"count": pending_objections}


def quarter_next_step(
    *,
    quarter: Quarter,
    today: datetime.date,
    pending_objections: int = 0,
    reviews_open: int = 0,
) -> str:
    """What comes next for `quarter`, in one sentence."""

    status = quarter.status
    if status == QuarterStatus.OPEN:
        if today < quarter.last_day:
            return _("Runs until %(last_day)s; then the office closes it.") % {
                "last_day": quarter.last_day.isoformat()
            }
        return _("The quarter has ended: the office closes it.")
    if status == QuarterStatus.CLOSED:
        if reviews_open:
            return ngettext(
                "%(count)d department is still reviewing its list; then the office approves "
                "and publishes it.",
                "%(count)d departments are still reviewing their lists; then the office "
                "approves and publishes them.",
                reviews_open,
            ) % {"count": reviews_open}
        return _("Every list is submitted: the office approves and publishes them.")
    if status == QuarterStatus.PUBLISHED:
        blocker = quarter_finalize_blocker(
            quarter=quarter, today=today, pending_objections=pending_objections
        )
        return blocker or _("The public notice has ended: the office finalises the quarter.")
    if status == QuarterStatus.FINAL:
        if quarter.payout_month:
            return _("HR pays the bonuses in %(month)s and marks the quarter paid.") % {
                "month": date_format(quarter.payout_month, "YEAR_MONTH_FORMAT")
            }
        return _("HR pays the bonuses and marks the quarter paid.")
    return _("Paid: nothing left to do.")


@dataclass(frozen=True)
class QuarterListLine:
    quarter: Quarter
    pending_objections: int
    reviews_open: int
    next_step: str


def quarters_list_for(*, user: User, today: datetime.date) -> list[QuarterListLine]:
    """Every quarter the system knows, newest first, with what comes next (one query)."""

    if not may_open_workbench(user):
        return []
    quarters = Quarter.objects.annotate(
        pending_objection_count=Count(
            "objections", filter=Q(objections__status=ObjectionStatus.PENDING), distinct=True
        ),
        reviews_open_count=Count(
            "reviews", filter=Q(reviews__status=ReviewStatus.REVIEWING), distinct=True
        ),
    ).order_by("-year", "-number")
    return [
        QuarterListLine(
            quarter=quarter,
            pending_objections=quarter.pending_objection_count,
            reviews_open=quarter.reviews_open_count,
            next_step=quarter_next_step(
                quarter=quarter,
                today=today,
                pending_objections=quarter.pending_objection_count,
                reviews_open=quarter.reviews_open_count,
            ),
        )
        for quarter in quarters
    ]


@dataclass(frozen=True)
class QuarterOverview:
    quarter: Quarter
    reviews: list
    reviews_open: int
    pending_events: int
    pending_objections: int
    results: int
    winners: int
    log: list
    next_step: str
    finalize_blocker: str
    # Not read yet: the trend chart's query takes it as a subquery (see trend_quarters).
    quarters_for_trend: QuerySet[Quarter] | None = None


def trend_quarters(*, quarter: Quarter) -> QuerySet[Quarter]:
    """The latest eight closed quarters up to `quarter` (itself when closed), unread."""
    return (
        Quarter.objects.locked()
        .filter(Q(year__lt=quarter.year) | Q(year=quarter.year, number__lte=quarter.number))
        .order_by("-year", "-number")[:8]
    )


# What a page shows of a login: its full name, else its username.
_NAMES = ("username", "first_name", "last_name")


def quarter_overview_for(*, user: User, quarter: Quarter, today: datetime.date) -> QuarterOverview:
    """Where `quarter` stands: reviews, pending work, the log; a head sees their department.

    The trend's quarters are left unread, for the chart's query to take as a subquery.
    """
    every_department = sees_every_department(user)
    # Only what the page shows: every column of three joined tables is most of the
    # cost of building this query.
    reviews = (
        DepartmentReview.objects.filter(quarter=quarter)
        .select_related("department", "submitted_by", "approved_by")
        .only(
            "department_id",
            "status",
            "submitted_at",
            "approved_at",
            "department__name",
            *(f"{by}__{name}" for by in ("submitted_by", "approved_by") for name in _NAMES),
        )
    )
    if not every_department:
        reviews = reviews.filter(department_id=user.department_id)
    reviews = list(reviews.order_by("department__display_order", "department__name"))
    if every_department:
        # The list holds every department's review: the open ones need no query.
        all_open = sum(review.status == ReviewStatus.REVIEWING for review in reviews)
    else:
        # The next step waits on every department, not only the ones the login sees.
        all_open = DepartmentReview.objects.filter(
            quarter=quarter, status=ReviewStatus.REVIEWING
        ).count()
    pending_objections = Objection.objects.filter(
        quarter=quarter, status=ObjectionStatus.PENDING
    ).count()
    results = QuarterResult.objects.visible_to(user).filter(quarter=quarter)
    counts = results.aggregate(
        total=Count("id"), winners=Count("id", filter=~Q(award_tier=AwardTier.NONE))
    )
    return QuarterOverview(
        quarter=quarter,
        reviews=reviews,
        reviews_open=all_open,
        pending_events=Event.objects.visible_to(user).pending().in_quarter(quarter).count(),
        pending_objections=pending_objections,
        results=counts["total"],
        winners=counts["winners"],
        log=list(
            QuarterLog.objects.filter(quarter=quarter)
            .select_related("by")
            .only("action", "at", "reason", *(f"by__{name}" for name in _NAMES))[:50]
        ),
        next_step=quarter_next_step(
            quarter=quarter,
            today=today,
            pending_objections=pending_objections,
            reviews_open=all_open,
        ),
        finalize_blocker=quarter_finalize_blocker(
            quarter=quarter, today=today, pending_objections=pending_objections
        ),
        quarters_for_trend=trend_quarters(quarter=quarter),
    )


@dataclass(frozen=True)
class ClosePreview:
    """What closing `quarter` on `today` will do, for the confirmation page."""

    appraised: int
    without_sheet: int
    pending_events: int
    early: bool
    last_day: datetime.date


def quarter_close_preview(*, quarter: Quarter, today: datetime.date) -> ClosePreview:

    has_sheet = Exists(
        DailySheet.objects.in_quarter(quarter).filter(employee=OuterRef("pk")).order_by()
    )
    # Exactly whom the close gives a result if it runs today.
    appraised = Employee.objects.appraised_in(
        quarter, on=appraisal_day(quarter.qid, closed_on=today)
    ).count()
    without_sheet = (
        Employee.objects.appraised()
        .exclude(joined_on__gt=quarter.last_day)
        .exclude(has_sheet)
        .count()
    )
    return ClosePreview(
        appraised=appraised,
        without_sheet=without_sheet,
        pending_events=Event.objects.pending().in_quarter(quarter).count(),
        early=today < quarter.last_day,
        last_day=quarter.last_day,
    )
