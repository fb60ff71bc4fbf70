"""The appraisal year: its service stars and its log."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from employees.models import Employee, User


class Year(models.Model):
    """A calendar year of appraisal: its service stars' settings and its archive (rules.md 7).

    The star settings are yearly (the quota and the cap of one year's list), so
    they live on the year's row rather than among a quarter's `RuleSettings`.
    A row exists once someone works on the year's stars or archives it.
    """

    year = models.PositiveSmallIntegerField(_("year"), unique=True)
    star_quota = models.PositiveSmallIntegerField(
        _("service star nominations per department"), default=1
    )
    stars_cap = models.PositiveSmallIntegerField(_("service stars at most"), default=10)
    stars_published_at = models.DateTimeField(_("stars published at"), null=True, blank=True)
    stars_published_by = models.ForeignKey(
        User,
        verbose_name=_("stars published by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    archived_at = models.DateTimeField(_("archived at"), null=True, blank=True)
    archived_by = models.ForeignKey(
        User,
        verbose_name=_("archived by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        ordering = ["-year"]
        verbose_name = _("appraisal year")
        verbose_name_plural = _("appraisal years")
        constraints = [
            models.CheckConstraint(
                condition=Q(star_quota__gte=1) & Q(stars_cap__gte=1), name="year_star_limits"
            ),
        ]

    def __str__(self) -> str:
        return str(self.year)

    @property
    def is_archived(self) -> bool:
        return self.archived_at is not None

    @property
    def stars_published(self) -> bool:
        return self.stars_published_at is not None


class YearAction(models.TextChoices):
    PUBLISH_STARS = "publish_stars", _("Service stars published")
    ARCHIVE = "archive", _("Archived")


class YearLog(models.Model):
    """The year's steps: who published its stars, who archived it, when."""

    year = models.ForeignKey(
        Year, verbose_name=_("year"), on_delete=models.CASCADE, related_name="log"
    )
    action = models.CharField(_("action"), max_length=20, choices=YearAction.choices)
    by = models.ForeignKey(
        User,
        verbose_name=_("by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    at = models.DateTimeField(_("at"), auto_now_add=True)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("year log entry")
        verbose_name_plural = _("year log")

    def __str__(self) -> str:
        return f"{self.year} {self.get_action_display()}"


class StarStatus(models.TextChoices):
    NOMINATED = "nominated", _("Nominated")
    NAMED = "named", _("Named a service star")


class ServiceStar(models.Model):
    """A nomination for the year's service stars (服务明星), and the star once named."""

    year = models.ForeignKey(
        Year, verbose_name=_("year"), on_delete=models.PROTECT, related_name="stars"
    )
    employee = models.ForeignKey(
        Employee, verbose_name=_("employee"), on_delete=models.PROTECT, related_name="stars"
    )
    # The department that nominated (or the employee's at the time): its quota counts it.
    department = models.ForeignKey(
        "employees.Department",
        verbose_name=_("department"),
        on_delete=models.PROTECT,
        related_name="stars",
    )
    citation = models.TextField(_("citation"), max_length=1000)
    status = models.CharField(
        _("status"), max_length=10, choices=StarStatus.choices, default=StarStatus.NOMINATED
    )
    nominated_by = models.ForeignKey(
        User,
        verbose_name=_("nominated by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    nominated_at = models.DateTimeField(_("nominated at"), auto_now_add=True)
    named_by = models.ForeignKey(
        User,
        verbose_name=_("named by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    named_at = models.DateTimeField(_("named at"), null=True, blank=True)

    class Meta:
        ordering = ["year", "department__display_order", "employee__number"]
        verbose_name = _("service star")
        verbose_name_plural = _("service stars")
        constraints = [
            models.UniqueConstraint(fields=["year", "employee"], name="one_star_per_year"),
            models.CheckConstraint(condition=~Q(citation=""), name="service_star_has_citation"),
            models.CheckConstraint(
                condition=Q(status=StarStatus.NOMINATED) | Q(named_at__isnull=False),
                name="service_star_named_has_time",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.year} {self.employee}"
