"""Writes for the public feedback column (rules.md section 9). Every function is one transaction."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _

from appraisal.models import EventKind, Quarter
from appraisal.rules import QuarterId
from appraisal.services import event_receive_feedback, quarter_ensure
from awards.models import WorkBadge, WorkBadgeStatus
from employees.models import Employee
from feedback.models import FeedbackKind, FeedbackMessage

EVENT_KIND_FOR = {
    FeedbackKind.PRAISE: EventKind.WECHAT_PRAISE,
    FeedbackKind.COMPLAINT: EventKind.WECHAT_COMPLAINT,
}
TEXT_MAX_LENGTH = FeedbackMessage._meta.get_field("text").max_length


class FeedbackRateLimited(Exception):
    """Too many messages from one client address, or from it for one employee, in the window.

    There is no limit per employee alone: anyone could use it to shut an
    employee's form against a genuine customer from another address.
    """

    def __init__(self, scope: str) -> None:
        super().__init__(scope)
        self.scope = scope  # "address", or "employee" (this address for this employee)


def feedback_client_key(*, client_address: str) -> str:
    """A keyed hash (HMAC-SHA256 with SECRET_KEY) of the client address; never the address itself."""
    return salted_hmac("feedback.client_key", client_address, algorithm="sha256").hexdigest()


def _check_rate_limits(*, employee: Employee, client_key: str, now: datetime.datetime) -> None:
    since = now - datetime.timedelta(seconds=settings.FEEDBACK_RATE_WINDOW_SECONDS)
    recent = FeedbackMessage.objects.since(since)
    if recent.filter(client_key=client_key).count() >= settings.FEEDBACK_RATE_PER_ADDRESS:
        raise FeedbackRateLimited("address")
    mine = recent.filter(client_key=client_key, employee=employee)
    if mine.count() >= settings.FEEDBACK_RATE_PER_ADDRESS_PER_EMPLOYEE:
        raise FeedbackRateLimited("employee")


@transaction.atomic
def feedback_submit(
    *,
    employee: Employee,
    kind: FeedbackKind,
    text: str,
    happened: str,
    contact: str,
    client_address: str,
    badge: WorkBadge | None = None,
) -> FeedbackMessage:
    """Store a customer's praise or complaint as a pending WeChat event for the office.

    Raises FeedbackRateLimited (storing nothing) when the client address has
    sent too many messages in the window (in all, or for this employee), and
    ValidationError when the employee cannot receive feedback. A closed quarter
    refuses nothing: the event is kept for the record (rules.md section 4).
    The text is stored exactly as typed; templates escape it when they show it.
    """
    if not employee.is_appraised:
        raise ValidationError(_("This employee cannot receive feedback."))
    if badge is not None and (
        badge.employee_id != employee.pk or badge.status != WorkBadgeStatus.ISSUED
    ):
        raise ValidationError(_("This badge is no longer in use."))
    if kind not in EVENT_KIND_FOR:
        raise ValidationError({"kind": _("Choose praise or complaint.")})
    if len(text) > TEXT_MAX_LENGTH:
        raise ValidationError(
            {"text": _("Write at most %(max)d characters.") % {"max": TEXT_MAX_LENGTH}}
        )
    today = timezone.localdate()
    # Locks the quarter row on PostgreSQL, so concurrent submissions are counted
    # one after the other and a burst cannot slip past the limits.
    quarter = quarter_ensure(qid=QuarterId.of(today))
    Quarter.objects.select_for_update().filter(pk=quarter.pk).first()
    client_key = feedback_client_key(client_address=client_address)
    _check_rate_limits(employee=employee, client_key=client_key, now=timezone.now())

    event = event_receive_feedback(
        employee=employee,
        date=today,
        kind=EVENT_KIND_FOR[FeedbackKind(kind)],
        reported_by=contact,
        note=text,
    )
    message = FeedbackMessage(
        employee=employee,
        badge=badge,
        kind=kind,
        text=text,
        happened=happened,
        contact=contact,
        client_key=client_key,
        event=event,
    )
    message.full_clean()
    message.save()
    return message
