"""Writes for the appraisal app. Every function is one transaction."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from appraisal.models import (
    Event,
    EventKind,
    EventSource,
    EventValidity,
    Quarter,
    RuleSettings,
)
from appraisal.rules import QuarterId
from employees.models import Employee, User


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
    if quarter.is_locked:
        raise ValidationError(
            _(
                "%(day)s belongs to quarter %(quarter)s, which is %(status)s and can no longer change."
            )
            % {
                "day": day.isoformat(),
                "quarter": quarter.code,
                "status": quarter.get_status_display(),
            }
        )
    return quarter


@transaction.atomic
def event_record(
    *,
    employee: Employee,
    date: datetime.date,
    kind: EventKind,
    recorded_by: User | None,
    points: Decimal | None = None,
    amount: Decimal = Decimal("0"),
    source: EventSource = EventSource.DEPARTMENT,
    reported_by: str = "",
    note: str = "",
    validity: EventValidity = EventValidity.PENDING,
) -> Event:
    """Record a praise, complaint, deduction or badge event dated in an open quarter.

    `recorded_by` is None only for the public feedback page, where a customer
    with no login writes the event (always pending).
    """
    quarter_assert_open_for(day=date, for_update=True)
    event = Event(
        employee=employee,
        date=date,
        kind=kind,
        points=points,
        amount=amount,
        source=source,
        reported_by=reported_by,
        note=note,
        validity=validity,
        created_by=recorded_by,
    )
    if validity != EventValidity.PENDING:
        event.ruled_by = recorded_by
        event.ruled_at = timezone.now()
    event.full_clean()
    event.save()
    return event


@transaction.atomic
def event_rule(*, event: Event, validity: EventValidity, ruled_by: User, reason: str = "") -> Event:
    """The office rules an event valid or invalid (rules.md section 4)."""
    if not ruled_by.is_office:
        raise PermissionDenied(_("Only the appraisal office rules on events."))
    if validity == EventValidity.PENDING:
        raise ValidationError({"validity": _("Rule the event valid or invalid.")})
    event = Event.objects.select_for_update().get(pk=event.pk)
    quarter_assert_open_for(day=event.date, for_update=True)
    event.validity = validity
    event.ruled_by = ruled_by
    event.ruled_at = timezone.now()
    event.ruling_note = reason
    event.full_clean()
    event.save()
    return event
