from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Case, Exists, F, OuterRef, Q, Value, When
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from appraisal.rules import CATEGORY_MAX, Category, QuarterId
from employees.models import DepartmentKind, Employee, User
from employees.permissions import (
    sees_only_own_department,
    sees_only_own_sheets,
    sees_unruled_events,
)

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
