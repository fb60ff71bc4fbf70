"""The admin for quarters, rules, sheets, events and results.

Only the criteria and the rule settings of an open quarter are edited here.
Everything else is shown read-only: sheets, events, results, reviews,
objections and the quarter itself change through the services, which record
the history (SheetRevision, QuarterLog) and refuse writes to a locked quarter.
"""

from __future__ import annotations

from decimal import Decimal

from django.contrib import admin
from django.core.exceptions import FieldDoesNotExist
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from appraisal.models import (
    CompanySettings,
    Criterion,
    DailySheet,
    DepartmentReview,
    Event,
    EventRuling,
    Objection,
    Quarter,
    QuarterAction,
    QuarterLog,
    QuarterResult,
    RuleSettings,
    ServiceStar,
    SheetRevision,
    Year,
    YearLog,
)
from appraisal.rules import Category, QuarterId
from employees.admin import ServiceOnlyAdmin, ServiceOnlyTabularInline


class RuleSettingsInline(admin.StackedInline):
    model = RuleSettings
    can_delete = False
    extra = 0
    show_change_link = True
    exclude = ("updated_by",)
    readonly_fields = ("updated_at",)

    # The quarter page is read-only; the settings are edited on their own page.
    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


class QuarterLogInline(ServiceOnlyTabularInline):
    model = QuarterLog
    fields = ("at", "action", "by", "reason")
    readonly_fields = fields
    show_change_link = False


class DepartmentReviewInline(ServiceOnlyTabularInline):
    model = DepartmentReview
    fields = ("department", "status", "submitted_by", "submitted_at", "approved_by", "approved_at")
    readonly_fields = fields


@admin.register(Quarter)
class QuarterAdmin(ServiceOnlyAdmin):
    list_display = (
        "code",
        "status",
        "closed_at",
        "closed_on",
        "published_on",
        "notice_ends_on",
        "final_on",
        "payout_month",
        "paid_at",
    )
    list_filter = ("status", "year")
    search_fields = ("year",)
    ordering = ("-year", "-number")
    inlines = (RuleSettingsInline, DepartmentReviewInline, QuarterLogInline)

    @admin.display(description=_("quarter"), ordering="year")
    def code(self, obj: Quarter) -> str:
        return obj.code

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet[Quarter], search_term: str
    ) -> tuple[QuerySet[Quarter], bool]:
        # People type quarters the way they are written everywhere else: 2026Q3.
        try:
            qid = QuarterId.parse(search_term)
        except ValueError:
            return super().get_search_results(request, queryset, search_term)
        return queryset.filter(year=qid.year, number=qid.number), False


@admin.register(RuleSettings)
class RuleSettingsAdmin(admin.ModelAdmin):
    list_display = (
        "__str__",
        "quarter_status",
        "best_min",
        "ambassador_min",
        "style_min",
        "training_below",
        "best_award",
        "ambassador_award",
        "style_award",
        "monthly_deduction_limit",
        "updated_at",
        "updated_by",
    )
    list_filter = ("is_default", "quarter__status")
    list_select_related = ("quarter", "updated_by")
    ordering = ("-is_default", "-quarter__year", "-quarter__number")
    readonly_fields = ("quarter", "is_default", "updated_at", "updated_by")
    fieldsets = (
        (None, {"fields": ("quarter", "is_default")}),
        (
            _("Award tiers"),
            {
                "fields": (
                    ("best_min", "best_award"),
                    ("ambassador_min", "ambassador_award"),
                    ("style_min", "style_award"),
                    "training_below",
                )
            },
        ),
        (
            _("Points, deductions and fines"),
            {
                "fields": (
                    "praise_points",
                    "monthly_deduction_limit",
                    "badge_not_worn_points",
                    "badge_lost_points",
                    "work_badge_fine",
                    "award_badge_fine",
                )
            },
        ),
        (_("Public notice"), {"fields": ("notice_months", "hotline")}),
        (_("History"), {"fields": ("updated_at", "updated_by")}),
    )

    @admin.display(description=_("quarter status"), ordering="quarter__status")
    def quarter_status(self, obj: RuleSettings) -> str:
        return obj.quarter.get_status_display() if obj.quarter_id else ""

    # The company defaults come with the database and each quarter gets its
    # copy from quarter_ensure; rows are never added or removed by hand.
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: RuleSettings | None = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: RuleSettings | None = None) -> bool:
        # A closed quarter keeps the settings it was computed with; changing
        # them would make the published results unreproducible.
        if obj is not None and obj.quarter_id and obj.quarter.is_locked:
            return False
        return super().has_change_permission(request, obj)

    def save_model(self, request: HttpRequest, obj: RuleSettings, form, change: bool) -> None:
        obj.updated_by = request.user
        super().save_model(request, obj, form, change)
        if obj.quarter_id and form.changed_data:
            # The quarter's log tells later readers why its results differ
            # from the company defaults.
            QuarterLog.objects.create(
                quarter=obj.quarter,
                action=QuarterAction.SETTINGS,
                by=request.user,
                reason=_(", ").join(
                    str(RuleSettings._meta.get_field(name).verbose_name)
                    for name in form.changed_data
                )[:500],
            )


@admin.register(Criterion)
class CriterionAdmin(admin.ModelAdmin):
    list_display = ("department_kind", "category", "number", "text")
    list_display_links = ("number", "text")
    list_filter = ("department_kind", "category")
    search_fields = ("text",)
    ordering = ("department_kind", "category", "number")


class SheetRevisionInline(ServiceOnlyTabularInline):
    model = SheetRevision
    fk_name = "sheet"
    fields = ("changed_at", "changed_by", "old_values", "new_values", "reason")
    readonly_fields = fields
    ordering = ("-changed_at", "-id")


def _department_of(obj: DailySheet | Event | SheetRevision) -> str:
    return obj.employee.department.name


@admin.register(DailySheet)
class DailySheetAdmin(ServiceOnlyAdmin):
    list_display = (
        "day",
        "employee",
        "department",
        "is_spot_check",
        *(category.value for category in Category),
        "total",
        "entered_by",
        "updated_at",
    )
    list_filter = ("is_spot_check", "employee__department", "employee__employment_form")
    search_fields = ("employee__number", "employee__name", "note")
    list_select_related = ("employee__department", "entered_by")
    raw_id_fields = ("employee", "entered_by")
    readonly_fields = ("total", "created_at", "updated_at")
    date_hierarchy = "day"
    ordering = ("-day", "employee__number")
    inlines = (SheetRevisionInline,)
    show_full_result_count = False

    def get_queryset(self, request: HttpRequest) -> QuerySet[DailySheet]:
        return super().get_queryset(request).with_total()

    @admin.display(description=_("department"), ordering="employee__department__display_order")
    def department(self, obj: DailySheet) -> str:
        return _department_of(obj)

    @admin.display(description=_("total"), ordering="total_score")
    def total(self, obj: DailySheet) -> Decimal:
        return obj.total


def _sheet_field_label(key: str) -> str:
    """A revision's value key as the sheet field's (translated) name."""
    try:
        return str(DailySheet._meta.get_field(key).verbose_name)
    except FieldDoesNotExist:
        return key


@admin.register(SheetRevision)
class SheetRevisionAdmin(ServiceOnlyAdmin):
    list_display = ("changed_at", "employee", "day", "is_spot_check", "changes", "changed_by")
    list_filter = ("is_spot_check", "employee__department")
    search_fields = ("employee__number", "employee__name", "reason")
    list_select_related = ("employee", "changed_by")
    raw_id_fields = ("sheet", "employee", "changed_by")
    readonly_fields = ("changed_at",)
    date_hierarchy = "changed_at"
    ordering = ("-changed_at", "-id")
    show_full_result_count = False

    @admin.display(description=_("changes"))
    def changes(self, obj: SheetRevision) -> str:
        keys = sorted(set(obj.old_values) | set(obj.new_values))
        return "; ".join(
            f"{_sheet_field_label(key)} {obj.old_values.get(key, '—')} → "
            f"{obj.new_values.get(key, '—')}"
            for key in keys
            if obj.old_values.get(key) != obj.new_values.get(key)
        )


class EventRulingInline(ServiceOnlyTabularInline):
    model = EventRuling
    fields = ("ruled_at", "ruled_by", "old_validity", "new_validity", "for_the_record", "reason")
    readonly_fields = fields
    ordering = ("-ruled_at", "-id")


@admin.register(EventRuling)
class EventRulingAdmin(ServiceOnlyAdmin):
    list_display = (
        "ruled_at",
        "event",
        "old_validity",
        "new_validity",
        "for_the_record",
        "ruled_by",
    )
    list_filter = ("new_validity", "for_the_record")
    search_fields = ("event__employee__number", "event__employee__name", "reason")
    list_select_related = ("event__employee", "ruled_by")
    raw_id_fields = ("event", "ruled_by")
    readonly_fields = ("ruled_at",)
    ordering = ("-ruled_at", "-id")
    show_full_result_count = False


@admin.register(Event)
class EventAdmin(ServiceOnlyAdmin):
    list_display = (
        "date",
        "employee",
        "department",
        "kind",
        "points",
        "amount",
        "validity",
        "source",
        "ruled_by",
        "ruled_at",
    )
    list_filter = ("validity", "kind", "source", "employee__department")
    search_fields = ("employee__number", "employee__name", "reported_by", "note")
    list_select_related = ("employee__department", "ruled_by")
    raw_id_fields = ("employee", "ruled_by", "created_by")
    readonly_fields = ("created_at",)
    date_hierarchy = "date"
    ordering = ("-date", "-id")
    show_full_result_count = False
    inlines = (EventRulingInline,)

    @admin.display(description=_("department"), ordering="employee__department__display_order")
    def department(self, obj: Event) -> str:
        return _department_of(obj)


@admin.register(Objection)
class ObjectionAdmin(ServiceOnlyAdmin):
    list_display = ("created_at", "quarter", "employee", "channel", "raised_by", "status", "late")
    list_filter = ("status", "late", "channel", "quarter")
    search_fields = ("employee__number", "employee__name", "raised_by", "text", "ruling")
    list_select_related = ("quarter", "employee")
    raw_id_fields = ("employee", "ruled_by", "recorded_by")
    readonly_fields = ("created_at",)
    date_hierarchy = "created_at"
    ordering = ("-created_at",)


@admin.register(QuarterResult)
class QuarterResultAdmin(ServiceOnlyAdmin):
    list_display = (
        "quarter",
        "employee",
        "department",
        "days",
        "average",
        "bonus",
        "final",
        "award_tier",
        "award_amount",
        "rewards",
        "fines",
        "net",
        "disqualified",
        "training",
        "withdrawn",
        "approval",
    )
    list_filter = (
        "quarter",
        "department",
        "award_tier",
        "approval",
        "disqualified",
        "training",
        "withdrawn",
    )
    search_fields = ("employee__number", "employee__name")
    list_select_related = ("quarter", "employee", "department")
    raw_id_fields = ("employee", "approved_by")
    readonly_fields = ("net", "computed_at")
    ordering = ("-quarter__year", "-quarter__number", "department__display_order")
    show_full_result_count = False

    @admin.display(description=_("net amount (CNY)"))
    def net(self, obj: QuarterResult) -> Decimal:
        return obj.net_amount


@admin.register(DepartmentReview)
class DepartmentReviewAdmin(ServiceOnlyAdmin):
    list_display = (
        "quarter",
        "department",
        "status",
        "submitted_by",
        "submitted_at",
        "approved_by",
        "approved_at",
    )
    list_filter = ("status", "quarter", "department")
    search_fields = ("department__name",)
    list_select_related = ("quarter", "department", "submitted_by", "approved_by")
    ordering = ("-quarter__year", "-quarter__number", "department__display_order")


@admin.register(CompanySettings)
class CompanySettingsAdmin(ServiceOnlyAdmin):
    # The office sets the start date on the rule settings page, through the service.
    list_display = ("start_date", "updated_at", "updated_by")
    readonly_fields = ("updated_at",)


@admin.register(QuarterLog)
class QuarterLogAdmin(ServiceOnlyAdmin):
    list_display = ("at", "quarter", "action", "by", "reason")
    list_filter = ("action", "quarter")
    search_fields = ("reason", "by__username")
    list_select_related = ("quarter", "by")
    readonly_fields = ("at",)
    date_hierarchy = "at"
    ordering = ("-at", "-id")


@admin.register(Year)
class YearAdmin(ServiceOnlyAdmin):
    # Read-only like the quarters: stars and the archive change through their pages.
    list_display = ("year", "star_quota", "stars_cap", "stars_published_at", "archived_at")
    list_select_related = ("stars_published_by", "archived_by")
    ordering = ("-year",)


@admin.register(YearLog)
class YearLogAdmin(ServiceOnlyAdmin):
    list_display = ("at", "year", "action", "by")
    list_filter = ("action",)
    list_select_related = ("year", "by")
    readonly_fields = ("at",)
    ordering = ("-at", "-id")


@admin.register(ServiceStar)
class ServiceStarAdmin(ServiceOnlyAdmin):
    list_display = ("year", "employee", "department", "status", "named_at")
    list_filter = ("status", "year")
    search_fields = ("employee__name", "employee__number", "citation")
    list_select_related = ("year", "employee", "department")
    readonly_fields = ("nominated_at",)
    ordering = ("-year__year", "department__display_order")
