"""Quarters, their rule settings and their log; the company's own settings."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from appraisal.rules import QuarterId
from employees.models import User

ZERO = Decimal("0")


class QuarterStatus(models.TextChoices):
    OPEN = "open", _("Open")
    CLOSED = "closed", _("Closed")
    PUBLISHED = "published", _("Published (public notice)")
    FINAL = "final", _("Final")
    PAID = "paid", _("Paid")


# Sheets and events dated in a quarter in one of these states cannot change.
LOCKED_STATUSES = (
    QuarterStatus.CLOSED,
    QuarterStatus.PUBLISHED,
    QuarterStatus.FINAL,
    QuarterStatus.PAID,
)


class QuarterQuerySet(models.QuerySet):
    def get_by_code(self, code: str) -> Quarter:
        qid = QuarterId.parse(code)
        return self.get(year=qid.year, number=qid.number)

    def locked(self) -> QuarterQuerySet:
        return self.filter(status__in=LOCKED_STATUSES)


class Quarter(models.Model):
    year = models.PositiveSmallIntegerField(_("year"))
    number = models.PositiveSmallIntegerField(
        _("quarter"), validators=[MinValueValidator(1), MaxValueValidator(4)]
    )
    status = models.CharField(
        _("status"), max_length=20, choices=QuarterStatus.choices, default=QuarterStatus.OPEN
    )
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    closed_on = models.DateField(
        _("entry ended on"),
        null=True,
        blank=True,
        help_text=_("The day the close ended the entry of sheets and events."),
    )
    published_on = models.DateField(_("published on"), null=True, blank=True)
    notice_ends_on = models.DateField(_("public notice ends on"), null=True, blank=True)
    final_on = models.DateField(_("final on"), null=True, blank=True)
    payout_month = models.DateField(
        _("payout month"), null=True, blank=True, help_text=_("The first day of the month.")
    )
    paid_at = models.DateTimeField(_("paid at"), null=True, blank=True)

    objects = QuarterQuerySet.as_manager()

    class Meta:
        ordering = ["-year", "-number"]
        verbose_name = _("quarter")
        verbose_name_plural = _("quarters")
        constraints = [
            models.UniqueConstraint(fields=["year", "number"], name="unique_quarter"),
            models.CheckConstraint(
                condition=Q(number__gte=1, number__lte=4), name="quarter_number_1_to_4"
            ),
            models.CheckConstraint(
                condition=Q(notice_ends_on__isnull=True) | Q(notice_ends_on__gte=F("published_on")),
                name="quarter_notice_ends_after_publishing",
            ),
        ]

    def __str__(self) -> str:
        return self.code

    @property
    def qid(self) -> QuarterId:
        return QuarterId(self.year, self.number)

    @property
    def code(self) -> str:
        return self.qid.code

    @property
    def first_day(self) -> date:
        return self.qid.first_day

    @property
    def last_day(self) -> date:
        return self.qid.last_day

    @property
    def is_locked(self) -> bool:
        return self.status in LOCKED_STATUSES

    @property
    def entry_ended_on(self) -> date | None:
        """The day the close ended the quarter's entry; None while it is open.

        Quarters closed before `closed_on` was kept have only the time of the close.
        """
        if self.closed_on is not None:
            return self.closed_on
        if self.closed_at is not None:
            return timezone.localdate(self.closed_at)
        return None


class RuleSettings(models.Model):
    """The numbers of rules.md that the appraisal office may change.

    The row without a quarter holds the company defaults; each quarter gets its
    own copy when it is created, which the office may edit while the quarter is
    open. A closed quarter keeps the settings it was computed with.
    """

    quarter = models.OneToOneField(
        Quarter,
        verbose_name=_("quarter"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="rule_settings",
        help_text=_("Empty for the company defaults that new quarters start from."),
    )
    is_default = models.BooleanField(_("company defaults"), default=False, editable=False)
    best_min = models.DecimalField(_("Best Smile from"), max_digits=5, decimal_places=2, default=95)
    ambassador_min = models.DecimalField(
        _("Smile Ambassador from"), max_digits=5, decimal_places=2, default=90
    )
    style_min = models.DecimalField(
        _("Smile Style from"), max_digits=5, decimal_places=2, default=85
    )
    training_below = models.DecimalField(
        _("off-post training below"), max_digits=5, decimal_places=2, default=80
    )
    best_award = models.DecimalField(
        _("Best Smile award (CNY)"), max_digits=10, decimal_places=2, default=500
    )
    ambassador_award = models.DecimalField(
        _("Smile Ambassador award (CNY)"), max_digits=10, decimal_places=2, default=300
    )
    style_award = models.DecimalField(
        _("Smile Style award (CNY)"), max_digits=10, decimal_places=2, default=200
    )
    praise_points = models.DecimalField(
        _("points per valid praise"), max_digits=5, decimal_places=1, default=10
    )
    monthly_deduction_limit = models.DecimalField(
        _("monthly deduction points that disqualify"),
        max_digits=5,
        decimal_places=1,
        default=15,
        help_text=_(
            "A month with this many deduction points or more disqualifies (the number itself included)."
        ),
    )
    badge_not_worn_points = models.DecimalField(
        _("deduction for not wearing the work badge"), max_digits=5, decimal_places=1, default=5
    )
    badge_lost_points = models.DecimalField(
        _("deduction for losing a badge"), max_digits=5, decimal_places=1, default=2
    )
    work_badge_fine = models.DecimalField(
        _("fine for a lost work badge (CNY)"), max_digits=10, decimal_places=2, default=200
    )
    award_badge_fine = models.DecimalField(
        _("fine for a lost award badge (CNY)"), max_digits=10, decimal_places=2, default=200
    )
    notice_months = models.PositiveSmallIntegerField(
        _("public notice (calendar months)"), default=1
    )
    hotline = models.CharField(_("objection hotline"), max_length=30, default="6264368")
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    updated_by = models.ForeignKey(
        User,
        verbose_name=_("updated by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("rule settings")
        verbose_name_plural = _("rule settings")
        constraints = [
            models.UniqueConstraint(
                fields=["is_default"],
                condition=Q(is_default=True),
                name="one_default_rule_settings",
            ),
            models.CheckConstraint(
                condition=Q(is_default=True, quarter__isnull=True)
                | Q(is_default=False, quarter__isnull=False),
                name="rule_settings_default_xor_quarter",
            ),
            models.CheckConstraint(
                condition=Q(best_min__gt=F("ambassador_min"))
                & Q(ambassador_min__gt=F("style_min"))
                & Q(style_min__gte=F("training_below")),
                name="rule_settings_thresholds_ordered",
            ),
            models.CheckConstraint(
                condition=Q(best_award__gte=0)
                & Q(ambassador_award__gte=0)
                & Q(style_award__gte=0)
                & Q(work_badge_fine__gte=0)
                & Q(award_badge_fine__gte=0),
                name="rule_settings_amounts_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(praise_points__gte=0)
                & Q(monthly_deduction_limit__gt=0)
                & Q(badge_not_worn_points__gte=0)
                & Q(badge_lost_points__gte=0)
                & Q(notice_months__gte=1),
                name="rule_settings_points_sensible",
            ),
        ]

    def __str__(self) -> str:
        return str(self.quarter) if self.quarter_id else str(_("Company defaults"))


class CompanySettings(models.Model):
    """The settings of the company itself rather than of a quarter: one row at most.

    `start_date` is the first day sheets and events may be dated (rules.md
    section 4, "dates"); until the office sets it, the earliest day accepted is
    1 January of the previous calendar year.
    """

    start_date = models.DateField(
        _("company start date"),
        null=True,
        blank=True,
        help_text=_("The first day sheets and events may be dated."),
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    updated_by = models.ForeignKey(
        User,
        verbose_name=_("updated by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("company settings")
        verbose_name_plural = _("company settings")
        constraints = [
            models.CheckConstraint(condition=Q(id=1), name="company_settings_singleton"),
        ]

    def __str__(self) -> str:
        return str(self._meta.verbose_name)


class QuarterAction(models.TextChoices):
    CLOSE = "close", _("Closed")
    REOPEN = "reopen", _("Reopened")
    SUBMIT = "submit", _("Department list submitted")
    APPROVE = "approve", _("Approved and published")
    FINALIZE = "finalize", _("Finalised")
    PAY = "pay", _("Marked paid")
    SETTINGS = "settings", _("Rule settings changed")


class QuarterLog(models.Model):
    """The quarter's life, step by step: who did what, when, and why."""

    quarter = models.ForeignKey(
        Quarter, verbose_name=_("quarter"), on_delete=models.CASCADE, related_name="log"
    )
    action = models.CharField(_("action"), max_length=20, choices=QuarterAction.choices)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    at = models.DateTimeField(_("at"), auto_now_add=True)
    reason = models.CharField(_("reason"), max_length=500, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("quarter log entry")
        verbose_name_plural = _("quarter log")

    def __str__(self) -> str:
        return f"{self.quarter} {self.get_action_display()}"
