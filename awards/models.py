from __future__ import annotations

import datetime
import secrets

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from appraisal.models import AwardTier, Event, Quarter, QuarterResult, QuarterStatus
from employees.models import Employee, User


def new_badge_token() -> str:
    # 32 bytes of randomness: the QR code's link must not be guessable from
    # the employee number printed beside it.
    return secrets.token_urlsafe(32)


class WorkBadgeStatus(models.TextChoices):
    ISSUED = "issued", _("Issued")
    RETURNED = "returned", _("Returned")
    LOST = "lost", _("Lost")


class WorkBadgeQuerySet(models.QuerySet):
    def issued(self) -> WorkBadgeQuerySet:
        return self.filter(status=WorkBadgeStatus.ISSUED)

    def visible_to(self, user: User) -> WorkBadgeQuerySet:
        return self.filter(employee__in=Employee.objects.visible_to(user))


class WorkBadge(models.Model):
    """A printed work badge (工作牌); its QR code opens the employee's feedback page."""

    employee = models.ForeignKey(
        Employee, verbose_name=_("employee"), on_delete=models.PROTECT, related_name="work_badges"
    )
    token = models.CharField(
        _("QR token"), max_length=64, unique=True, default=new_badge_token, editable=False
    )
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=WorkBadgeStatus.choices,
        default=WorkBadgeStatus.ISSUED,
    )
    issued_on = models.DateField(_("issued on"))
    returned_on = models.DateField(_("returned on"), null=True, blank=True)
    lost_on = models.DateField(_("lost on"), null=True, blank=True)
    at_employee_cost = models.BooleanField(
        _("at the employee's cost"),
        default=False,
        help_text=_("The first badge is free; a replacement is paid by the employee."),
    )
    loss_event = models.OneToOneField(
        Event,
        verbose_name=_("loss event"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="lost_work_badge",
    )
    issued_by = models.ForeignKey(
        User,
        verbose_name=_("issued by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    objects = WorkBadgeQuerySet.as_manager()

    class Meta:
        ordering = ["-issued_on", "-id"]
        verbose_name = _("work badge")
        verbose_name_plural = _("work badges")
        constraints = [
            models.UniqueConstraint(
                fields=["employee"],
                condition=Q(status=WorkBadgeStatus.ISSUED),
                name="one_issued_work_badge_per_employee",
            ),
            models.CheckConstraint(
                condition=~Q(status=WorkBadgeStatus.LOST) | Q(lost_on__isnull=False),
                name="work_badge_lost_has_date",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.employee} {self.issued_on}"


# Award badges are handed out once the quarter's list can no longer change.
AWARD_BADGE_QUARTER_STATUSES = (QuarterStatus.FINAL, QuarterStatus.PAID)


class AwardBadgeStatus(models.TextChoices):
    ISSUED = "issued", _("Issued")
    RETURNED = "returned", _("Returned to 安质部")
    LOST = "lost", _("Lost")


class AwardBadgeQuerySet(models.QuerySet):
    def visible_to(self, user: User) -> AwardBadgeQuerySet:
        return self.filter(employee__in=Employee.objects.visible_to(user))

    def out(self) -> AwardBadgeQuerySet:
        """Badges still worn: issued and neither returned nor lost."""
        return self.filter(status=AwardBadgeStatus.ISSUED)

    def overdue(self, *, today: datetime.date) -> AwardBadgeQuerySet:
        return self.out().filter(due_back_on__lt=today)


class AwardBadge(models.Model):
    """The badge of an award (奖励徽章), worn for a quarter and returned to 安质部."""

    result = models.OneToOneField(
        QuarterResult,
        verbose_name=_("result"),
        on_delete=models.PROTECT,
        related_name="award_badge",
    )
    employee = models.ForeignKey(
        Employee, verbose_name=_("employee"), on_delete=models.PROTECT, related_name="award_badges"
    )
    quarter = models.ForeignKey(
        Quarter,
        verbose_name=_("quarter won"),
        on_delete=models.PROTECT,
        related_name="award_badges",
    )
    tier = models.CharField(_("award"), max_length=20, choices=AwardTier.choices)
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=AwardBadgeStatus.choices,
        default=AwardBadgeStatus.ISSUED,
    )
    issued_on = models.DateField(_("issued on"))
    due_back_on = models.DateField(_("due back on"))
    returned_on = models.DateField(_("returned on"), null=True, blank=True)
    lost_on = models.DateField(_("lost on"), null=True, blank=True)
    loss_event = models.OneToOneField(
        Event,
        verbose_name=_("loss event"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="lost_award_badge",
    )
    issued_by = models.ForeignKey(
        User,
        verbose_name=_("issued by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    recorded_by = models.ForeignKey(
        User,
        verbose_name=_("return or loss recorded by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    objects = AwardBadgeQuerySet.as_manager()

    class Meta:
        ordering = ["due_back_on", "employee__number"]
        verbose_name = _("award badge")
        verbose_name_plural = _("award badges")
        constraints = [
            models.CheckConstraint(
                condition=~Q(tier=AwardTier.NONE), name="award_badge_has_a_tier"
            ),
            models.CheckConstraint(
                condition=Q(due_back_on__gte=models.F("issued_on")),
                name="award_badge_due_after_issue",
            ),
            models.CheckConstraint(
                condition=~Q(status=AwardBadgeStatus.RETURNED) | Q(returned_on__isnull=False),
                name="award_badge_returned_has_date",
            ),
            models.CheckConstraint(
                condition=~Q(status=AwardBadgeStatus.LOST) | Q(lost_on__isnull=False),
                name="award_badge_lost_has_date",
            ),
        ]
        indexes = [models.Index(fields=["status", "due_back_on"])]

    def __str__(self) -> str:
        return f"{self.employee} {self.quarter} {self.get_tier_display()}"
