"""Praise, complaints, deductions and badge events, and their rulings."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from appraisal.models.quarters import ZERO, Quarter
from appraisal.rules import QuarterId
from employees.models import Employee, User
from employees.permissions import sees_unruled_events


class EventKind(models.TextChoices):
    PRAISE_LETTER = "praise_letter", _("Praise letter")
    PENNANT = "pennant", _("Pennant")
    COMPANY_COMMENDATION = "company_commendation", _("Company-level commendation")
    WECHAT_PRAISE = "wechat_praise", _("WeChat customer praise")
    GROUP_COMPLAINT = "group_complaint", _("Group-level complaint")
    COMPANY_COMPLAINT = "company_complaint", _("Company-level complaint")
    INTERNAL_COMPLAINT = "internal_complaint", _("Internal complaint")
    WECHAT_COMPLAINT = "wechat_complaint", _("WeChat customer complaint")
    MONTHLY_DEDUCTION = "monthly_deduction", _("Monthly deduction")
    BADGE_NOT_WORN = "badge_not_worn", _("Work badge not worn")
    WORK_BADGE_LOST = "work_badge_lost", _("Work badge lost")
    AWARD_BADGE_LOST = "award_badge_lost", _("Award badge lost")


class EventValidity(models.TextChoices):
    PENDING = "pending", _("Pending")
    VALID = "valid", _("Valid")
    INVALID = "invalid", _("Invalid")


class EventSource(models.TextChoices):
    DEPARTMENT = "department", _("Department")
    OFFICE = "office", _("Appraisal office")
    OTHER_DEPARTMENT = "other_department", _("Another department")
    COMPANY = "company", _("Company")
    GROUP = "group", _("Group")
    CUSTOMER = "customer", _("Customer")
    WECHAT = "wechat", _("WeChat feedback column")
    HOTLINE = "hotline", _("Hotline")
    IMPORT = "import", _("Spreadsheet import")


class EventQuerySet(models.QuerySet):
    def visible_to(self, user: User) -> EventQuerySet:
        qs = self.filter(employee__in=Employee.objects.visible_to(user))
        if sees_unruled_events(user):
            return qs
        # Staff see only what counts about them.
        return qs.filter(validity=EventValidity.VALID, for_the_record=False)

    def valid(self) -> EventQuerySet:
        """Valid events that count: a ruling for the record never does (rules.md section 4)."""
        return self.filter(validity=EventValidity.VALID, for_the_record=False)

    def pending(self) -> EventQuerySet:
        return self.filter(validity=EventValidity.PENDING)

    def in_quarter(self, quarter: Quarter | QuarterId) -> EventQuerySet:
        return self.filter(date__range=(quarter.first_day, quarter.last_day))


class Event(models.Model):
    """Praise, complaints, monthly deductions and badge events (rules.md 3 and 4)."""

    employee = models.ForeignKey(
        Employee, verbose_name=_("employee"), on_delete=models.PROTECT, related_name="events"
    )
    date = models.DateField(_("date"))
    kind = models.CharField(_("kind"), max_length=30, choices=EventKind.choices)
    points = models.DecimalField(
        _("points"),
        max_digits=5,
        decimal_places=1,
        null=True,
        blank=True,
        help_text=_("Empty means the quarter's rule setting for this kind."),
    )
    amount = models.DecimalField(
        _("amount (CNY)"),
        max_digits=10,
        decimal_places=2,
        default=ZERO,
        help_text=_("Positive for a reward, negative for a fine."),
    )
    validity = models.CharField(
        _("validity"),
        max_length=10,
        choices=EventValidity.choices,
        default=EventValidity.PENDING,
    )
    source = models.CharField(
        _("source"), max_length=20, choices=EventSource.choices, default=EventSource.DEPARTMENT
    )
    reported_by = models.CharField(_("reported by"), max_length=100, blank=True)
    note = models.TextField(_("note"), max_length=2000, blank=True)
    ruled_by = models.ForeignKey(
        User,
        verbose_name=_("ruled by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    ruled_at = models.DateTimeField(_("ruled at"), null=True, blank=True)
    ruling_note = models.CharField(_("reason for the ruling"), max_length=500, blank=True)
    for_the_record = models.BooleanField(
        _("for the record"),
        default=False,
        help_text=_(
            "Received or ruled after its quarter was closed: kept and shown, never counted."
        ),
    )
    created_by = models.ForeignKey(
        User,
        verbose_name=_("recorded by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    objects = EventQuerySet.as_manager()

    class Meta:
        ordering = ["-date", "-id"]
        verbose_name = _("event")
        verbose_name_plural = _("events")
        constraints = [
            models.CheckConstraint(
                condition=Q(points__isnull=True) | Q(points__gte=0),
                name="event_points_not_negative",
            ),
            models.CheckConstraint(
                condition=~Q(kind=EventKind.MONTHLY_DEDUCTION) | Q(points__isnull=False),
                name="event_monthly_deduction_has_points",
            ),
            models.CheckConstraint(
                condition=Q(validity=EventValidity.PENDING) | Q(ruled_at__isnull=False),
                name="event_ruling_has_time",
            ),
        ]
        indexes = [
            models.Index(fields=["date", "employee"]),
            models.Index(fields=["validity", "date"]),
        ]

    def __str__(self) -> str:
        return f"{self.employee} {self.date} {self.get_kind_display()}"


class EventRuling(models.Model):
    """One ruling of an event: who, when, from what to what, and why.

    Written by the services on every engine, like a sheet's revisions; an
    event's history is its rulings, newest first.
    """

    event = models.ForeignKey(
        Event, verbose_name=_("event"), on_delete=models.CASCADE, related_name="rulings"
    )
    ruled_by = models.ForeignKey(
        User,
        verbose_name=_("ruled by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    ruled_at = models.DateTimeField(_("ruled at"), auto_now_add=True)
    old_validity = models.CharField(
        _("before"), max_length=10, choices=EventValidity.choices, default=EventValidity.PENDING
    )
    new_validity = models.CharField(_("after"), max_length=10, choices=EventValidity.choices)
    reason = models.CharField(_("reason"), max_length=500, blank=True)
    for_the_record = models.BooleanField(_("for the record"), default=False)

    class Meta:
        ordering = ["-ruled_at", "-id"]
        verbose_name = _("event ruling")
        verbose_name_plural = _("event rulings")

    def __str__(self) -> str:
        return f"{self.event} {self.old_validity} → {self.new_validity}"
