"""The daily sheet: its criteria, its scores, which sheets count, its history."""

from __future__ import annotations

from decimal import Decimal

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Case, Exists, F, OuterRef, Q, Value, When
from django.utils.translation import gettext_lazy as _

from appraisal.models.quarters import ZERO, Quarter
from appraisal.rules import CATEGORY_MAX, Category, QuarterId
from employees.models import DepartmentKind, Employee, User
from employees.permissions import sees_only_own_sheets


class CategoryChoice(models.TextChoices):
    DISCIPLINE = Category.DISCIPLINE.value, _("Discipline")
    COURTESY = Category.COURTESY.value, _("Courtesy")
    SERVICE = Category.SERVICE.value, _("Quality service")
    MORALITY = Category.MORALITY.value, _("Morality")


class Criterion(models.Model):
    """One item of the daily sheet's criteria (rules.md section 2)."""

    department_kind = models.CharField(
        _("department kind"), max_length=20, choices=DepartmentKind.choices
    )
    category = models.CharField(
        _("category"),
        max_length=20,
        choices=CategoryChoice.choices,
    )
    number = models.PositiveSmallIntegerField(_("number"))
    text = models.CharField(_("text"), max_length=300)

    class Meta:
        ordering = ["department_kind", "category", "number"]
        verbose_name = _("criterion")
        verbose_name_plural = _("criteria")
        constraints = [
            models.UniqueConstraint(
                fields=["department_kind", "category", "number"], name="unique_criterion"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_category_display()} {self.number}. {self.text}"


def _score_field(category: Category, label: str) -> models.DecimalField:
    return models.DecimalField(
        label,
        max_digits=3,
        decimal_places=1,
        validators=[MinValueValidator(ZERO), MaxValueValidator(CATEGORY_MAX[category])],
    )


def _score_constraints() -> list[models.CheckConstraint]:
    return [
        models.CheckConstraint(
            condition=Q(**{f"{c.value}__gte": 0, f"{c.value}__lte": CATEGORY_MAX[c]}),
            name=f"sheet_{c.value}_in_range",
        )
        for c in Category
    ]


# A sheet's day total in SQL: the sum of the four category scores.
SHEET_TOTAL = F("discipline") + F("courtesy") + F("service") + F("morality")


def _replaced_by_spot_check() -> Q:
    """A department sheet whose employee has a spot check of the same day."""
    spot_check = DailySheet.objects.filter(
        employee=OuterRef("employee"), day=OuterRef("day"), is_spot_check=True
    )
    return Q(is_spot_check=False) & Exists(spot_check)


class DailySheetQuerySet(models.QuerySet):
    def visible_to(self, user: User) -> DailySheetQuerySet:
        # HR sees money, not daily sheets (but an HR clerk still sees their own).
        if sees_only_own_sheets(user):
            return self.filter(employee__user=user)
        return self.filter(employee__in=Employee.objects.visible_to(user))

    def in_quarter(self, quarter: Quarter | QuarterId) -> DailySheetQuerySet:
        return self.filter(day__range=(quarter.first_day, quarter.last_day))

    def with_total(self) -> DailySheetQuerySet:
        return self.annotate(total_score=SHEET_TOTAL)

    def counted(self) -> DailySheetQuerySet:
        """The sheets that count (rules.md section 2): a spot check replaces that day's
        department sheet, both are kept.

        The one definition of the rule. It is a single WHERE clause (NOT EXISTS),
        so it composes with grouped aggregates (the close, the month view) and
        still is one query.
        """
        return self.exclude(_replaced_by_spot_check())

    def with_counted(self) -> DailySheetQuerySet:
        """Every sheet, each with `counts`: whether `counted()` keeps it.

        For pages that show a replaced department sheet beside the spot check.
        """
        return self.annotate(
            counts=Case(
                When(_replaced_by_spot_check(), then=Value(False)),
                default=Value(True),
                output_field=models.BooleanField(),
            )
        )


class DailySheet(models.Model):
    """One employee's score for one day; a spot check by the office is a second sheet."""

    employee = models.ForeignKey(
        Employee, verbose_name=_("employee"), on_delete=models.PROTECT, related_name="sheets"
    )
    day = models.DateField(_("day"))
    is_spot_check = models.BooleanField(_("spot check"), default=False)
    discipline = _score_field(Category.DISCIPLINE, _("discipline"))
    courtesy = _score_field(Category.COURTESY, _("courtesy"))
    service = _score_field(Category.SERVICE, _("service"))
    morality = _score_field(Category.MORALITY, _("morality"))
    criteria = models.ManyToManyField(
        Criterion,
        verbose_name=_("criteria behind the deductions"),
        blank=True,
        related_name="sheets",
    )
    note = models.CharField(_("note"), max_length=500, blank=True)
    entered_by = models.ForeignKey(
        User,
        verbose_name=_("entered by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = DailySheetQuerySet.as_manager()

    class Meta:
        ordering = ["-day", "employee__number"]
        verbose_name = _("daily sheet")
        verbose_name_plural = _("daily sheets")
        constraints = [
            models.UniqueConstraint(
                fields=["employee", "day", "is_spot_check"], name="one_sheet_per_day_and_kind"
            ),
            *_score_constraints(),
        ]
        indexes = [models.Index(fields=["day", "employee"])]

    def __str__(self) -> str:
        return f"{self.employee} {self.day}"

    @property
    def total(self) -> Decimal:
        return self.discipline + self.courtesy + self.service + self.morality

    def scores(self) -> dict[str, str]:
        return {c.value: str(getattr(self, c.value)) for c in Category}


class SheetRevision(models.Model):
    """Who changed a sheet, when, from what to what, and why.

    Written by the services on every engine (not by a database trigger), because
    users read it on SQLite as well as PostgreSQL. The employee and day are kept
    so the history survives a deleted sheet.
    """

    sheet = models.ForeignKey(
        DailySheet,
        verbose_name=_("sheet"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="revisions",
    )
    employee = models.ForeignKey(
        Employee, verbose_name=_("employee"), on_delete=models.PROTECT, related_name="+"
    )
    day = models.DateField(_("day"))
    is_spot_check = models.BooleanField(_("spot check"), default=False)
    changed_by = models.ForeignKey(
        User,
        verbose_name=_("changed by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    changed_at = models.DateTimeField(_("changed at"), auto_now_add=True)
    old_values = models.JSONField(_("old values"), default=dict, blank=True)
    new_values = models.JSONField(_("new values"), default=dict, blank=True)
    reason = models.CharField(_("reason"), max_length=500, blank=True)

    class Meta:
        ordering = ["-changed_at", "-id"]
        verbose_name = _("sheet revision")
        verbose_name_plural = _("sheet revisions")
        indexes = [models.Index(fields=["employee", "day"])]

    def __str__(self) -> str:
        return f"{self.employee} {self.day} {self.changed_at:%Y-%m-%d %H:%M}"
