from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from appraisal.models import Event
from awards.models import WorkBadge
from employees.models import Employee


class FeedbackKind(models.TextChoices):
    PRAISE = "praise", _("Praise")
    COMPLAINT = "complaint", _("Complaint")


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

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("customer feedback")
        verbose_name_plural = _("customer feedback")

    def __str__(self) -> str:
        return f"{self.employee} {self.get_kind_display()} {self.created_at:%Y-%m-%d}"
