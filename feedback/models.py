from __future__ import annotations

import datetime

from django.db import models
from django.utils.translation import gettext_lazy as _

from appraisal.models import Event
from awards.models import WorkBadge
from employees.models import Employee, User
from employees.permissions import sees_contacts


class FeedbackKind(models.TextChoices):
    PRAISE = "praise", _("Praise")
    COMPLAINT = "complaint", _("Complaint")


class FeedbackMessageQuerySet(models.QuerySet):
    def visible_to(self, user: User) -> FeedbackMessageQuerySet:
        """Only the appraisal office reads customer feedback: it rules on it.

        The messages carry customers' contacts, and a complaint is not a fact
        until the office has ruled it valid; the ruled event is what others see.
        """
        if not sees_contacts(user):
            return self.none()
        return self

    def since(self, moment: datetime.datetime) -> FeedbackMessageQuerySet:
        return self.filter(created_at__gte=moment)


class FeedbackMessage(models.Model):
    """What a customer typed on the public feedback page, exactly as typed.

    Each message becomes a pending WeChat praise or complaint event for the
    office to rule on; the message keeps the customer's words and contact.
    """

    employee = models.ForeignKey(
        Employee, verbose_name=_("employee"), on_delete=models.PROTECT, related_name="feedback"
    )
    badge = models.ForeignKey(
        WorkBadge,
        verbose_name=_("badge scanned"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="feedback",
    )
    kind = models.CharField(_("kind"), max_length=10, choices=FeedbackKind.choices)
    text = models.TextField(_("what happened"), max_length=1000)
    happened = models.CharField(_("when"), max_length=100, blank=True)
    contact = models.CharField(_("contact"), max_length=100, blank=True)
    client_key = models.CharField(
        _("client key"),
        max_length=64,
        db_index=True,
        help_text=_("A keyed hash of the client address, for rate limits; not the address."),
    )
    created_at = models.DateTimeField(_("received at"), auto_now_add=True, db_index=True)
    event = models.OneToOneField(
        Event,
        verbose_name=_("event"),
        on_delete=models.PROTECT,
        related_name="feedback_message",
    )

    objects = FeedbackMessageQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("customer feedback")
        verbose_name_plural = _("customer feedback")
        # The rate limits count recent messages per client and per employee.
        indexes = [
            models.Index(fields=["client_key", "created_at"]),
            models.Index(fields=["employee", "created_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.employee} {self.get_kind_display()} {self.created_at:%Y-%m-%d}"
