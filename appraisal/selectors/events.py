"""Reads of the event ledger and the office's queue of pending events."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Q
from django.utils import timezone

from appraisal.models import Event, EventQuerySet, EventSource, Quarter
from appraisal.rules import QuarterId, event_points
from appraisal.selectors.grid import score_text
from appraisal.selectors.month import rule_settings_by_quarter
from employees.models import Department, DepartmentQuerySet, User
from employees.permissions import may_see_customer_contacts

# Events whose `reported_by` is a customer's own contact (name, phone, WeChat id).
CUSTOMER_SOURCES = frozenset({EventSource.CUSTOMER, EventSource.WECHAT, EventSource.HOTLINE})

# --- The event ledger and the office's queue -------------------------------------


def event_ledger_allowed(*, user: User) -> bool:
    """The office and HR read every event, a head their department's; staff use their own page."""
    return user.is_authenticated and (user.is_office or user.is_hr or user.is_department_head)


def event_ledger_departments(*, user: User) -> DepartmentQuerySet:
    if not event_ledger_allowed(user=user):
        return Department.objects.none()
    return Department.objects.visible_to(user).order_by("display_order", "name")


def event_quarter_codes() -> list[str]:
    """The quarters the ledger offers: those in the database and the current one, newest first."""
    qids = {
        QuarterId(year, number) for year, number in Quarter.objects.values_list("year", "number")
    }
    qids.add(QuarterId.of(timezone.localdate()))
    return [qid.code for qid in sorted(qids, reverse=True)]


def event_lines(*, events: Iterable) -> list:
    """The events, each with `shown_points` (its own, or its quarter's rule default) and
    `points_are_default`; one query for the settings."""

    events = list(events)
    settings = rule_settings_by_quarter(qids={QuarterId.of(event.date) for event in events})
    for event in events:
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
    contacts = may_see_customer_contacts(user)
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

    if not event_ledger_allowed(user=user):
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

    if not user.is_authenticated or not user.is_office:
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

    if not user.is_authenticated or not user.is_office:
        return None
    return (
        Event.objects.visible_to(user)
        .select_related("employee__department", "feedback_message", "ruled_by")
        .filter(pk=pk)
        .first()
    )
