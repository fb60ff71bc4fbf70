"""A closed quarter's results, the departments' reviews and the objections."""

from __future__ import annotations

from decimal import Decimal

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from appraisal.models.quarters import ZERO, Quarter
from employees.models import Employee, User
from employees.permissions import sees_only_own_department


class ObjectionChannel(models.TextChoices):
    HOTLINE = "hotline", pgettext_lazy("objection channel", "Hotline")
    IN_PERSON = "in_person", _("In person")
    LETTER = "letter", _("Letter")
    WECHAT = "wechat", _("WeChat")
    OTHER = "other", _("Other")


class ObjectionStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    UPHELD = "upheld", _("Upheld")
    DISMISSED = "dismissed", _("Dismissed")


class Objection(models.Model):
    """An objection raised against a winner during the public notice."""

    quarter = models.ForeignKey(
        Quarter, verbose_name=_("quarter"), on_delete=models.PROTECT, related_name="objections"
    )
    employee = models.ForeignKey(
        Employee, verbose_name=_("employee"), on_delete=models.PROTECT, related_name="objections"
    )
    channel = models.CharField(_("channel"), max_length=20, choices=ObjectionChannel.choices)
    raised_by = models.CharField(_("raised by"), max_length=100, blank=True)
    text = models.TextField(_("what was said"), max_length=2000)
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=ObjectionStatus.choices,
        default=ObjectionStatus.PENDING,
    )
    ruling = models.CharField(_("ruling"), max_length=500, blank=True)
    ruled_by = models.ForeignKey(
        User,
        verbose_name=_("ruled by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    ruled_at = models.DateTimeField(_("ruled at"), null=True, blank=True)
    recorded_by = models.ForeignKey(
        User,
        verbose_name=_("recorded by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    # Raised after the notice ended and recorded on the office's explicit confirmation,
    # so that a real objection is kept rather than lost to the calendar.
    late = models.BooleanField(_("late"), default=False)
    created_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("objection")
        verbose_name_plural = _("objections")
        constraints = [
            models.CheckConstraint(
                condition=Q(status=ObjectionStatus.PENDING)
                | (Q(ruled_at__isnull=False) & ~Q(ruling="")),
                name="objection_ruling_has_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.quarter} {self.employee} {self.get_status_display()}"


class AwardTier(models.TextChoices):
    BEST = "best", _("Best Smile")
    AMBASSADOR = "ambassador", _("Smile Ambassador")
    STYLE = "style", _("Smile Style")
    NONE = "none", _("No award")


class Approval(models.TextChoices):
    PENDING = "pending", _("Awaiting approval")
    APPROVED = "approved", _("Approved")
    REVOKED = "revoked", _("Revoked")


class QuarterResultQuerySet(models.QuerySet):
    def visible_to(self, user: User) -> QuarterResultQuerySet:
        # A result belongs to the department it was closed in: after a move the
        # old head still reviews it, and the new head does not.
        if sees_only_own_department(user):
            return self.filter(department_id=user.department_id, employee__is_supervisor=False)
        return self.filter(employee__in=Employee.objects.visible_to(user))

    def winners(self) -> QuarterResultQuerySet:
        return self.exclude(award_tier=AwardTier.NONE)


class QuarterResult(models.Model):
    """An appraised employee's outcome for one closed quarter (rules.md 5 and 6)."""

    quarter = models.ForeignKey(
        Quarter, verbose_name=_("quarter"), on_delete=models.CASCADE, related_name="results"
    )
    employee = models.ForeignKey(
        Employee, verbose_name=_("employee"), on_delete=models.PROTECT, related_name="results"
    )
    # The department at closing time: people move, the list they were judged in does not.
    department = models.ForeignKey(
        "employees.Department",
        verbose_name=_("department"),
        on_delete=models.PROTECT,
        related_name="results",
    )
    days = models.PositiveSmallIntegerField(_("days recorded"))
    average = models.DecimalField(_("quarter average"), max_digits=5, decimal_places=2)
    bonus = models.DecimalField(_("bonus points"), max_digits=6, decimal_places=2, default=ZERO)
    final = models.DecimalField(_("final score"), max_digits=6, decimal_places=2)
    score_tier = models.CharField(
        _("tier by score"), max_length=20, choices=AwardTier.choices, default=AwardTier.NONE
    )
    award_tier = models.CharField(
        _("award"), max_length=20, choices=AwardTier.choices, default=AwardTier.NONE
    )
    award_amount = models.DecimalField(
        _("award (CNY)"), max_digits=10, decimal_places=2, default=ZERO
    )
    rewards = models.DecimalField(_("rewards (CNY)"), max_digits=10, decimal_places=2, default=ZERO)
    fines = models.DecimalField(_("fines (CNY)"), max_digits=10, decimal_places=2, default=ZERO)
    disqualified = models.BooleanField(_("disqualified"), default=False)
    disqualification_reasons = models.JSONField(
        _("disqualification reasons"), default=list, blank=True
    )
    training = models.BooleanField(_("off-post training"), default=False)
    withdrawn = models.BooleanField(_("withdrawn by the department"), default=False)
    withdrawal_reason = models.CharField(_("reason for withdrawal"), max_length=500, blank=True)
    approval = models.CharField(
        _("approval"), max_length=10, choices=Approval.choices, default=Approval.PENDING
    )
    revocation_reason = models.CharField(_("reason for revocation"), max_length=500, blank=True)
    approved_by = models.ForeignKey(
        User,
        verbose_name=_("approved by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True)
    computed_at = models.DateTimeField(_("computed at"), auto_now=True)

    objects = QuarterResultQuerySet.as_manager()

    class Meta:
        ordering = ["quarter", "department__display_order", "employee__number"]
        verbose_name = _("quarter result")
        verbose_name_plural = _("quarter results")
        constraints = [
            models.UniqueConstraint(fields=["quarter", "employee"], name="one_result_per_quarter"),
            models.CheckConstraint(
                condition=Q(average__gte=0, average__lte=100), name="result_average_in_range"
            ),
            models.CheckConstraint(
                condition=Q(award_amount__gte=0, rewards__gte=0, fines__gte=0),
                name="result_amounts_not_negative",
            ),
            models.CheckConstraint(
                condition=~Q(award_tier=AwardTier.NONE) | Q(award_amount=0),
                name="result_no_award_no_money",
            ),
            models.CheckConstraint(
                condition=Q(withdrawn=False) | ~Q(withdrawal_reason=""),
                name="result_withdrawal_has_reason",
            ),
            models.CheckConstraint(
                condition=~Q(approval=Approval.REVOKED) | ~Q(revocation_reason=""),
                name="result_revocation_has_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.quarter} {self.employee}"

    @property
    def net_amount(self) -> Decimal:
        return self.award_amount + self.rewards - self.fines


class ReviewStatus(models.TextChoices):
    REVIEWING = "reviewing", _("Under department review")
    SUBMITTED = "submitted", _("Submitted to the office")
    APPROVED = "approved", _("Approved by the office")


class DepartmentReview(models.Model):
    """A department's review of its list after closing (部门评定, 提报)."""

    quarter = models.ForeignKey(
        Quarter, verbose_name=_("quarter"), on_delete=models.CASCADE, related_name="reviews"
    )
    department = models.ForeignKey(
        "employees.Department",
        verbose_name=_("department"),
        on_delete=models.PROTECT,
        related_name="reviews",
    )
    status = models.CharField(
        _("status"), max_length=20, choices=ReviewStatus.choices, default=ReviewStatus.REVIEWING
    )
    submitted_by = models.ForeignKey(
        User,
        verbose_name=_("submitted by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    approved_by = models.ForeignKey(
        User,
        verbose_name=_("approved by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True)

    class Meta:
        ordering = ["quarter", "department__display_order"]
        verbose_name = _("department review")
        verbose_name_plural = _("department reviews")
        constraints = [
            models.UniqueConstraint(
                fields=["quarter", "department"], name="one_review_per_department"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.quarter} {self.department}"
