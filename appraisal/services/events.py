"""Events: recorded (by a service, the feedback page, the browser) and ruled
on by the office, one by one or from its queue (rules.md sections 3 and 4).
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from appraisal.models import Event, EventKind, EventRuling, EventSource, EventValidity, Quarter
from appraisal.rules import COMPLAINT_KINDS, QuarterId, event_amount
from appraisal.selectors.dates import entry_day_problem, entry_days
from appraisal.selectors.events import event_ruling_consequences
from appraisal.services.quarters import (
    quarter_assert_open_for,
    quarter_ensure,
    quarter_locked_reason,
)
from employees.models import Employee, User
from employees.permissions import is_department_head, may_rule_events

# The `code` of the ValidationError a ruling with a consequence raises until the
# office has confirmed it: the view then shows the consequence and asks.
NEEDS_CONFIRMATION = "needs_confirmation"


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
    today: datetime.date | None = None,
    ruling_note: str = "",
) -> Event:
    """Record a praise, complaint, deduction or badge event dated in an open quarter.

    `recorded_by` is None only for the public feedback page, where a customer
    with no login writes the event (always pending). Anyone else dates it from
    the company's start date to `today` (the real today unless the demo loads
    as if on another day); the page always records today.
    """
    if recorded_by is not None:
        problem = entry_days(today=today).problem(date)
        if problem:
            raise ValidationError({"date": problem})
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
        ruling_note=ruling_note,
        created_by=recorded_by,
    )
    if validity != EventValidity.PENDING:
        event.ruled_by = recorded_by
        event.ruled_at = timezone.now()
    event.full_clean()
    event.save()
    if validity != EventValidity.PENDING:
        _ruling_log(event=event, old=EventValidity.PENDING, by=recorded_by)
    return event


@transaction.atomic
def event_receive_feedback(
    *, employee: Employee, date: datetime.date, kind: EventKind, reported_by: str, note: str
) -> Event:
    """A customer's praise or complaint from the public page: always received (rules.md 4).

    In a locked (closed or later) quarter the event is kept for the record: the
    office can rule on it, but it never counts. Nothing here refuses a customer.
    """
    quarter = quarter_ensure(qid=QuarterId.of(date))
    # Locked (PostgreSQL) so that a close cannot slip in between the check and the write.
    quarter = Quarter.objects.select_for_update().get(pk=quarter.pk)
    event = Event(
        employee=employee,
        date=date,
        kind=kind,
        source=EventSource.WECHAT,
        reported_by=reported_by,
        note=note,
        validity=EventValidity.PENDING,
        for_the_record=quarter.is_locked,
    )
    event.full_clean()
    event.save()
    return event


def _ruling_log(*, event: Event, old: str, by: User | None) -> EventRuling:
    ruling = EventRuling(
        event=event,
        ruled_by=by,
        old_validity=old,
        new_validity=event.validity,
        reason=event.ruling_note,
        for_the_record=event.for_the_record,
    )
    ruling.full_clean()
    ruling.save()
    return ruling


def _apply_ruling(
    *, event: Event, validity: EventValidity, ruled_by: User, reason: str, for_the_record: bool
) -> Event:
    old = event.validity
    event.validity = validity
    event.ruled_by = ruled_by
    event.ruled_at = timezone.now()
    event.ruling_note = reason
    event.for_the_record = for_the_record
    event.full_clean()
    event.save(update_fields=["validity", "ruled_by", "ruled_at", "ruling_note", "for_the_record"])
    _ruling_log(event=event, old=old, by=ruled_by)
    return event


@transaction.atomic
def event_rule(*, event: Event, validity: EventValidity, ruled_by: User, reason: str = "") -> Event:
    """The office rules an event valid or invalid (rules.md section 4)."""
    if not may_rule_events(ruled_by):
        raise PermissionDenied(_("Only the appraisal office rules on events."))
    if validity == EventValidity.PENDING:
        raise ValidationError({"validity": _("Rule the event valid or invalid.")})
    event = Event.objects.select_for_update().get(pk=event.pk)
    quarter_assert_open_for(day=event.date, for_update=True)
    return _apply_ruling(
        event=event, validity=validity, ruled_by=ruled_by, reason=reason, for_the_record=False
    )


def _assert_confirmed(*, event: Event, validity: str, confirmed: bool) -> None:
    consequences = event_ruling_consequences(event=event, validity=validity)
    if consequences and not confirmed:
        raise ValidationError(" ".join(consequences), code=NEEDS_CONFIRMATION)


def needs_confirmation(error: ValidationError) -> bool:
    """Whether `error` only asks the office to confirm a ruling's consequence."""
    return not hasattr(error, "error_dict") and any(
        getattr(item, "code", None) == NEEDS_CONFIRMATION for item in error.error_list
    )


@transaction.atomic
def event_rerule(
    *,
    event: Event,
    validity: EventValidity | str,
    ruled_by: User,
    reason: str,
    confirmed: bool = False,
) -> Event:
    """The office corrects a ruling (valid, invalid or back to pending), always with a reason.

    While the event's quarter is open the new ruling counts. Once the quarter is
    locked only an event that did not count at the close (still pending then,
    or received later) can be ruled, and only for the record (rules.md 4 and 5).
    A ruling that disqualifies or fines someone needs `confirmed`.
    """
    if not may_rule_events(ruled_by):
        raise PermissionDenied(_("Only the appraisal office rules on events."))
    if validity not in EventValidity.values:
        raise ValidationError({"validity": _("Choose valid, invalid or pending.")})
    validity = EventValidity(validity)
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": _("Give the reason for this ruling.")})
    event = Event.objects.select_for_update().get(pk=event.pk)
    if event.validity == validity:
        raise ValidationError(
            {
                "validity": _("This event is already %(validity)s.")
                % {"validity": event.get_validity_display()}
            }
        )
    quarter = quarter_ensure(qid=QuarterId.of(event.date))
    quarter = Quarter.objects.select_for_update().get(pk=quarter.pk)
    for_the_record = quarter.is_locked
    if for_the_record and not (event.for_the_record or event.validity == EventValidity.PENDING):
        raise ValidationError(
            _("%(locked)s It counted at the close; reopen the quarter to correct it.")
            % {"locked": quarter_locked_reason(day=event.date, quarter=quarter)}
        )
    if not for_the_record:
        _assert_confirmed(event=event, validity=validity, confirmed=confirmed)
    return _apply_ruling(
        event=event,
        validity=validity,
        ruled_by=ruled_by,
        reason=reason,
        for_the_record=for_the_record,
    )


# What a department head records in the browser: the monthly department ledger
# (rules.md section 3). Everything else comes to the office.
HEAD_EVENT_KINDS = (EventKind.MONTHLY_DEDUCTION, EventKind.BADGE_NOT_WORN)


@transaction.atomic
def event_enter(
    *,
    recorded_by: User,
    employee: Employee,
    date: datetime.date,
    kind: EventKind | str,
    source: EventSource | str,
    points: Decimal | None = None,
    amount: Decimal | None = None,
    reported_by: str = "",
    note: str = "",
    validity: EventValidity | str | None = None,
    reason: str = "",
) -> Event:
    """Record an event from the browser, with who may record what (rules.md sections 3 and 4).

    The office records any kind for anyone: pending (the default), or ruled
    valid or invalid at once, invalid with a `reason`. A department head
    records only monthly deductions (points required) and "work badge not
    worn" for the appraised employees of their own department; these count
    at once (valid, source "department"). Nobody else records events.
    `amount` None means the kind's default: a lost badge's fine, else 0.
    """

    errors: dict[str, str] = {}
    if may_rule_events(recorded_by):
        validity = EventValidity(validity or EventValidity.PENDING)
        if validity == EventValidity.INVALID and not reason.strip():
            errors["reason"] = _("Give the reason why the event is invalid.")
    elif is_department_head(recorded_by):
        if not Employee.objects.visible_to(recorded_by).appraised().filter(pk=employee.pk).exists():
            raise PermissionDenied(
                _("A department head records events only for their own department's employees.")
            )
        if kind not in HEAD_EVENT_KINDS:
            raise PermissionDenied(
                _(
                    "A department head records only monthly deductions and a work badge not worn; "
                    "the appraisal office records everything else."
                )
            )
        if validity not in (None, EventValidity.VALID):
            errors["validity"] = _(
                "A department's deductions count at once; only the office rules."
            )
        if source != EventSource.DEPARTMENT:
            errors["source"] = _("A department head records events of their own department.")
        if amount is not None and amount > 0:
            errors["amount"] = _("A deduction may carry a fine (a negative amount), not a reward.")
        validity = EventValidity.VALID
    else:
        raise PermissionDenied(_("Only the appraisal office and department heads record events."))

    if kind == EventKind.MONTHLY_DEDUCTION and points is None:
        errors["points"] = _("A monthly deduction needs its points.")
    if points is not None and kind in COMPLAINT_KINDS:
        errors["points"] = _("A complaint carries no points: a valid one disqualifies.")
    quarter = None
    if problem := entry_day_problem(date):
        errors["date"] = problem
    else:
        try:
            quarter = quarter_assert_open_for(day=date, for_update=True)
        except ValidationError as error:
            errors["date"] = " ".join(error.messages)
    if errors or quarter is None:
        raise ValidationError(errors)

    event = event_record(
        employee=employee,
        date=date,
        kind=EventKind(kind),
        recorded_by=recorded_by,
        points=points,
        amount=event_amount(kind, amount, quarter.rule_settings),
        source=EventSource(source),
        reported_by=reported_by.strip(),
        note=note.strip(),
        validity=validity,
        ruling_note=reason.strip() if validity != EventValidity.PENDING else "",
    )
    return event


@transaction.atomic
def event_queue_rule(
    *,
    event: Event,
    validity: EventValidity | str,
    ruled_by: User,
    reason: str = "",
    confirmed: bool = False,
) -> Event:
    """The office rules a pending event from its queue: valid, or invalid with a reason.

    Refuses an event somebody has ruled meanwhile; `event_rule` refuses a locked
    quarter. A ruling that disqualifies or fines someone needs `confirmed`.
    """
    if not may_rule_events(ruled_by):
        raise PermissionDenied(_("Only the appraisal office rules on events."))
    if validity not in (EventValidity.VALID, EventValidity.INVALID):
        raise ValidationError({"validity": _("Rule the event valid or invalid.")})
    reason = reason.strip()
    if validity == EventValidity.INVALID and not reason:
        raise ValidationError({"reason": _("Give the reason why the event is invalid.")})
    current = Event.objects.select_for_update().get(pk=event.pk)
    if current.validity != EventValidity.PENDING:
        raise ValidationError(
            _("This event has already been ruled %(validity)s.")
            % {"validity": current.get_validity_display()}
        )
    # A locked quarter is refused before anything is asked to be confirmed.
    quarter_assert_open_for(day=current.date, for_update=True)
    _assert_confirmed(event=current, validity=validity, confirmed=confirmed)
    return event_rule(
        event=current, validity=EventValidity(validity), ruled_by=ruled_by, reason=reason
    )
