"""Reads of the event ledger and the office's queue of pending events."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Q
from django.utils import timezone

from appraisal.models import Event, EventQuerySet, Quarter
from appraisal.rules import QuarterId, event_points
from appraisal.selectors.grid import score_text
from appraisal.selectors.month import rule_settings_by_quarter
from employees.models import Department, DepartmentQuerySet, User
from employees.permissions import may_open_event_ledger, may_rule_events

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
