"""The admin for work badges and award badges: read-only, issued and returned through services."""

from __future__ import annotations

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from awards.models import AwardBadge, WorkBadge
from employees.admin import ServiceOnlyAdmin


@admin.register(WorkBadge)
class WorkBadgeAdmin(ServiceOnlyAdmin):
    # A lost badge records an event and a fine, and only one badge may be
    # issued at a time; the badge services keep those together.
    list_display = (
        "employee",
        "department",
        "status",
        "issued_on",
        "returned_on",
        "lost_on",
        "at_employee_cost",
        "issued_by",
    )
    list_filter = ("status", "at_employee_cost", "employee__department")
    search_fields = ("employee__number", "employee__name")
    list_select_related = ("employee__department", "issued_by")
    raw_id_fields = ("employee", "loss_event", "issued_by")
    date_hierarchy = "issued_on"
    ordering = ("-issued_on", "-id")
    show_full_result_count = False

    @admin.display(description=_("department"), ordering="employee__department__display_order")
    def department(self, obj: WorkBadge) -> str:
        return obj.employee.department.name


@admin.register(AwardBadge)
class AwardBadgeAdmin(ServiceOnlyAdmin):
    # Issue, return and loss follow the quarter's results and fines; the
    # services keep the badge, the result and the loss event in step.
    list_display = (
        "employee",
        "department",
        "quarter",
        "tier",
        "status",
        "issued_on",
        "due_back_on",
        "returned_on",
        "lost_on",
    )
    list_filter = ("status", "tier", "quarter", "employee__department")
    search_fields = ("employee__number", "employee__name")
    list_select_related = ("employee__department", "quarter")
    raw_id_fields = ("result", "employee", "loss_event")
    date_hierarchy = "due_back_on"
    ordering = ("due_back_on", "employee__number")

    @admin.display(description=_("department"), ordering="employee__department__display_order")
    def department(self, obj: AwardBadge) -> str:
        return obj.employee.department.name
