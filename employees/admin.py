"""The admin for departments, employees and logins, and the read-only base classes.

The admin is the office's and HR's tool for master data. Records with history
or quarter locks are shown read-only here (see `ServiceOnlyAdmin`); they change
only through the services and the app's own pages.
"""

from __future__ import annotations

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.db.models import Count, Q, QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from employees.models import Department, Employee, Role, User


class VisibleToAdmin(admin.ModelAdmin):
    """An admin whose rows follow the model's `visible_to`, like every other page.

    Admin access is granted by permissions, and the office and HR see every
    row anyway; should a narrower role ever be given admin access, it still
    sees only its own share.
    """

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        queryset = super().get_queryset(request)
        if hasattr(queryset, "visible_to"):
            queryset = queryset.visible_to(request.user)
        return queryset


class ServiceOnlyAdmin(VisibleToAdmin):
    """View-only admin for records that only the services may write.

    Sheets, events, results, reviews, objections, feedback and badges carry
    history (SheetRevision, QuarterLog) and quarter locks that the services
    enforce. An admin form would save around them, so nobody adds, changes or
    deletes these records here, not even a superuser; they only look.
    """

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


class ServiceOnlyTabularInline(admin.TabularInline):
    """A read-only inline, for history shown on its parent's page."""

    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(Department)
class DepartmentAdmin(VisibleToAdmin):
    list_display = ("name", "kind", "display_order", "hosts_appraisal_office", "employee_count")
    list_editable = ("display_order",)
    list_filter = ("kind", "hosts_appraisal_office")
    search_fields = ("name",)
    ordering = ("display_order", "name")

    def get_queryset(self, request: HttpRequest) -> QuerySet[Department]:
        return (
            super()
            .get_queryset(request)
            .annotate(active_employees=Count("employees", filter=Q(employees__is_active=True)))
        )

    @admin.display(description=_("active employees"), ordering="active_employees")
    def employee_count(self, obj: Department) -> int:
        return obj.active_employees


@admin.register(Employee)
class EmployeeAdmin(VisibleToAdmin):
    list_display = (
        "number",
        "name",
        "department",
        "department_kind",
        "position",
        "employment_form",
        "is_supervisor",
        "is_active",
        "user",
    )
    list_display_links = ("number", "name")
    list_filter = ("department", "employment_form", "is_supervisor", "is_active")
    search_fields = ("number", "name", "position", "department__name", "user__username")
    list_select_related = ("department", "user")
    autocomplete_fields = ("department",)
    # HR maintains employees but not logins, so a plain id box rather than an
    # autocomplete that would query the login list HR may not see.
    raw_id_fields = ("user",)
    ordering = ("department__display_order", "number")
    list_per_page = 50
    # Counting thousands of rows on every page is wasted work.
    show_full_result_count = False
    fieldsets = (
        (None, {"fields": ("number", "name", "department", "position", "employment_form")}),
        (_("Appraisal"), {"fields": ("is_supervisor", "is_active", "joined_on", "left_on")}),
        (_("Badge and login"), {"fields": ("photo", "user")}),
    )

    @admin.display(description=_("department kind"), ordering="department__kind")
    def department_kind(self, obj: Employee) -> str:
        return obj.department.get_kind_display()


class RoleFilter(admin.SimpleListFilter):
    """Filter logins by role, named as the roles are named on every other page."""

    title = _("role")
    parameter_name = "role"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple]:
        return [(role.value, role.label) for role in Role]

    def queryset(self, request: HttpRequest, queryset: QuerySet[User]) -> QuerySet[User]:
        if self.value():
            return queryset.filter(groups__name=self.value())
        return queryset


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    list_display = (
        "username",
        "last_name",
        "first_name",
        "roles",
        "department",
        "employee_link",
        "is_staff",
        "is_active",
        "last_login",
    )
    list_filter = (RoleFilter, "department", "is_staff", "is_superuser", "is_active")
    search_fields = (
        "username",
        "first_name",
        "last_name",
        "email",
        "employee__number",
        "employee__name",
    )
    list_select_related = ("department", "employee")
    autocomplete_fields = ("department",)
    fieldsets = (
        *DjangoUserAdmin.fieldsets[:2],
        (_("Appraisal role"), {"fields": ("groups", "department")}),
        (
            _("Admin access"),
            {"fields": ("is_active", "is_staff", "is_superuser", "user_permissions")},
        ),
        (_("Important dates"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        *DjangoUserAdmin.add_fieldsets,
        (_("Appraisal role"), {"fields": ("groups", "department", "is_staff")}),
    )
    readonly_fields = ("last_login", "date_joined")

    def get_queryset(self, request: HttpRequest) -> QuerySet[User]:
        return super().get_queryset(request).prefetch_related("groups")

    def get_readonly_fields(self, request: HttpRequest, obj: User | None = None) -> tuple:
        fields = tuple(super().get_readonly_fields(request, obj))
        # The office manages logins, but only a superuser may hand out
        # superuser status or single permissions outside the role groups.
        if not request.user.is_superuser:
            fields += ("is_superuser", "user_permissions")
        return fields

    @admin.display(description=_("roles"))
    def roles(self, obj: User) -> str:
        labels = {role.value: role.label for role in Role}
        return ", ".join(
            sorted(str(labels.get(group.name, group.name)) for group in obj.groups.all())
        )

    @admin.display(description=_("employee"), ordering="employee__number")
    def employee_link(self, obj: User) -> Employee | str:
        # Most logins belong to an employee; office and HR logins may not.
        return getattr(obj, "employee", None) or self.get_empty_value_display()
