"""Reads of the event ledger and the office's queue of pending events."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from appraisal.models import Event, EventQuerySet, EventSource, Quarter
from appraisal.rules import (
    DISQUALIFIES_NEXT_QUARTER,
    DISQUALIFIES_THIS_QUARTER,
    QuarterId,
    event_points,
)
from appraisal.selectors.grid import score_text
from appraisal.selectors.month import rule_settings_by_quarter
from employees.models import Department, DepartmentQuerySet, User
from employees.permissions import may_open_event_ledger, may_rule_events, sees_contacts

# Events whose `reported_by` is a customer's own contact (name, phone, WeChat id).
CUSTOMER_SOURCES = frozenset({EventSource.CUSTOMER, EventSource.WECHAT, EventSource.HOTLINE})

# --- The event ledger and the office's queue -------------------------------------


def event_ledger_departments(*, user: User) -> DepartmentQuerySet:
    if not may_open_event_ledger(user):
        return Department.objects.none()
    return Department.objects.visible_to(user).order_by("display_order", "name")


def event_quarter_codes() -> list[str]:
    """The quarters the ledger offers: those in the database and the current one, newest first."""
    qids = {
        QuarterId(year, number) for year, number in Quarter.objects.values_list("year", "number")
    }
    qids.add(QuarterId.of(timezone.localdate()))
    return [qid.code for qid in sorted(qids, reverse=True)]


def event_ruling_consequences(*, event: Event, validity: str) -> list[str]:
    """What ruling `event` `validity` does to its employee that the office must confirm:
    a disqualification or a fine (rules.md section 4). Empty when nothing needs confirming."""

    if validity != "valid":
        return []
    name = event.employee.name
    qid = QuarterId.of(event.date)
    consequences = []
    if event.kind in DISQUALIFIES_THIS_QUARTER:
        consequences.append(
            _("This will disqualify %(name)s for %(quarter)s.") % {"name": name, "quarter": qid}
        )
    elif event.kind in DISQUALIFIES_NEXT_QUARTER:
        consequences.append(
            _("This will disqualify %(name)s for %(quarter)s.")
            % {"name": name, "quarter": qid.next()}
        )
    if event.amount < 0:
        consequences.append(
            _("This will fine %(name)s ¥%(amount)s.")
            % {"name": name, "amount": f"{-event.amount:.2f}"}
        )
    return consequences


def event_not_counted_reason(*, event: Event, locked: set[QuarterId]) -> str:
    """Why `event` does not count although its quarter's results exist, or "" when it does."""
    qid = QuarterId.of(event.date)
    if event.for_the_record:
        if qid in locked:
            return _(
                "For the record: quarter %(quarter)s was already closed, so this does not "
                "count. Reopening the quarter (before approval) counts it."
            ) % {"quarter": qid}
        return _("For the record until quarter %(quarter)s closes again.") % {"quarter": qid}
    if qid in locked and event.validity == "pending":
        return _(
            "Pending at the close of %(quarter)s: it does not count; it can be ruled for the record."
        ) % {"quarter": qid}
    return ""


def locked_quarter_ids() -> set[QuarterId]:
    return {QuarterId(y, n) for y, n in Quarter.objects.locked().values_list("year", "number")}


def event_lines(*, events: Iterable) -> list:
    """The events, each with `shown_points` (its own, or its quarter's rule default),
    `points_are_default` and `not_counted` (why it does not count, or ""); one query
    for the settings, one for the locked quarters."""

    events = list(events)
    settings = rule_settings_by_quarter(qids={QuarterId.of(event.date) for event in events})
    locked = locked_quarter_ids() if events else set()
    for event in events:
        event.not_counted = event_not_counted_reason(event=event, locked=locked)
        event.shown_points = event_points(
            event.kind, event.points, settings[QuarterId.of(event.date)]
        )
        event.shown_points_text = score_text(event.shown_points)
        event.points_are_default = event.points is None and event.shown_points is not None
    return events


def event_reporters_for(*, events: Iterable, user: User) -> list:
    """The events, each with `shown_reported_by`: a customer's contact only for the office.

    Heads and HR read the ledger too, but only the office rules on customers'
    feedback and may need to call them back.
    """
    events = list(events)
    contacts = sees_contacts(user)
    for event in events:
        hidden = not contacts and event.source in CUSTOMER_SOURCES and bool(event.reported_by)
        event.shown_reported_by = "" if hidden else event.reported_by
        event.reported_by_hidden = hidden
    return events


def event_ledger(
    *,
    user: User,
    quarter: QuarterId,
    department: Department | None = None,
    kind: str = "",
    validity: str = "",
) -> EventQuerySet:
    """The events of `quarter` that `user` may read, filtered, newest first."""

    if not may_open_event_ledger(user):
        return Event.objects.none()
    events = (
        Event.objects.visible_to(user)
        .in_quarter(quarter)
        .select_related("employee__department", "ruled_by", "created_by")
        .order_by("-date", "-id")
    )
    if department is not None:
        events = events.filter(employee__department=department)
    if kind:
        events = events.filter(kind=kind)
    if validity:
        events = events.filter(validity=validity)
    return events


def _locked_days() -> Q:
    """The dates of every locked quarter, as one condition."""
    condition = Q(pk__in=[])
    for year, number in Quarter.objects.locked().values_list("year", "number"):
        qid = QuarterId(year, number)
        condition |= Q(date__range=(qid.first_day, qid.last_day))
    return condition


def event_queue_for(*, user: User, source: str = "") -> tuple:
    """The office's pending events, oldest first, as (those it can rule, those too late).

    Too late: pending events dated in a locked (closed or later) quarter.
    """

    if not may_rule_events(user):
        return Event.objects.none(), Event.objects.none()
    pending = (
        Event.objects.visible_to(user)
        .pending()
        .select_related("employee__department", "feedback_message")
        .order_by("date", "id")
    )
    if source:
        pending = pending.filter(source=source)
    locked = _locked_days()
    return pending.exclude(locked), pending.filter(locked)


def event_for_queue(*, user: User, pk: int) -> Event | None:
    """One event the office may rule, with what the queue shows of it; None otherwise."""

    if not may_rule_events(user):
        return None
    return (
        Event.objects.visible_to(user)
        .select_related("employee__department", "feedback_message", "ruled_by")
        .filter(pk=pk)
        .first()
    )


def event_history(*, user: User, pk: int) -> tuple[Event, list] | None:
    """One event a ledger reader may see, with its rulings newest first; None otherwise."""

    if not may_open_event_ledger(user):
        return None
    event = (
        Event.objects.visible_to(user)
        .select_related("employee__department", "ruled_by", "created_by")
        .filter(pk=pk)
        .first()
    )
    if event is None:
        return None
    rulings = list(event.rulings.select_related("ruled_by"))
    return event_lines(events=[event])[0], rulings


def event_pending_in(*, quarter: Quarter) -> EventQuerySet:
    """The events of `quarter` still pending: the close page names them (rules.md section 5)."""
    return (
        Event.objects.pending()
        .in_quarter(quarter)
        .select_related("employee__department")
        .order_by("date", "id")
    )
