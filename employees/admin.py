"""The admin for departments, employees and logins, and the read-only base classes.

The admin is the office's and HR's tool for master data. Records with history
or quarter locks are shown read-only here (see `ServiceOnlyAdmin`); they change
only through the services and the app's own pages.
"""

from __future__ import annotations

from axes.admin import AccessAttemptAdmin
from axes.models import AccessAttempt
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.db.models import Count, Q, QuerySet
from django.forms import ModelForm
from django.http import HttpRequest
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from employees.accounts import account_leavers_deactivate, accounts_sync
from employees.models import (
    PRIVILEGED_ROLES,
    AccountActivation,
    Department,
    Employee,
    Role,
    UploadJob,
    User,
)
from employees.permissions import groups_not_grantable_by, login_guarded_from


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

    def get_readonly_fields(self, request: HttpRequest, obj: Employee | None = None) -> tuple:
        fields = tuple(super().get_readonly_fields(request, obj))
        # Whoever sets an employee's login reads that employee's sheets as
        # their own: only those who manage logins (the office) may set it.
        if not request.user.has_perm("employees.change_user"):
            fields += ("user",)
        return fields

    @admin.display(description=_("department kind"), ordering="department__kind")
    def department_kind(self, obj: Employee) -> str:
        return obj.department.get_kind_display()

    def get_form(
        self, request: HttpRequest, obj: Employee | None = None, change: bool = False, **kwargs
    ) -> type[ModelForm]:
        form = super().get_form(request, obj, change=change, **kwargs)

        class NoRoleLoginForm(form):
            def clean(self) -> dict:
                cleaned_data = super().clean()
                login = cleaned_data.get("user")
                # The model lets a head keep the login the heads service gave
                # them; attaching any login with a role here stays refused.
                if "user" in self.changed_data and login is not None and login.holds_role:
                    self.add_error("user", _login_holds_role_error(login))
                return cleaned_data

        return NoRoleLoginForm

    def save_model(
        self, request: HttpRequest, obj: Employee, form: ModelForm, change: bool
    ) -> None:
        super().save_model(request, obj, form, change)
        if not change:
            # A new employee gets their login at once, like an imported one.
            accounts_sync(numbers=[obj.number])
            obj.refresh_from_db(fields=["user"])
        else:
            account_leavers_deactivate(numbers=[obj.number])


@admin.register(AccountActivation)
class AccountActivationAdmin(ServiceOnlyAdmin):
    """Who has a pending or used activation code; the codes themselves are never stored."""

    list_display = ("user", "issued_at", "expires_at", "used_at", "issued_by")
    list_filter = ("used_at",)
    search_fields = ("user__username", "user__employee__name")
    list_select_related = ("user", "issued_by")
    exclude = ("code_hash",)


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

    # The change form, the password form, delete and every action ask these
    # with the login in hand.
    def has_change_permission(self, request: HttpRequest, obj: User | None = None) -> bool:
        if obj is not None and login_guarded_from(request.user, obj):
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: User | None = None) -> bool:
        if obj is not None and login_guarded_from(request.user, obj):
            return False
        return super().has_delete_permission(request, obj)

    def get_form(
        self, request: HttpRequest, obj: User | None = None, change: bool = False, **kwargs
    ) -> type[ModelForm]:
        form = super().get_form(request, obj, change=change, **kwargs)
        actor = request.user

        class GrantCheckedForm(form):
            def clean(self) -> dict:
                cleaned_data = super().clean()
                _check_grants(self, actor=actor, cleaned_data=cleaned_data)
                return cleaned_data

        return GrantCheckedForm

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


class OfficeAccessAttemptAdmin(AccessAttemptAdmin):
    """Failed logins; the office unlocks a login by deleting its attempts.

    django-axes' own "clean up expired attempts" action fails outside a login
    request (it reads a time its middleware stamps only there), and expired
    attempts lock nobody anyway, so only the delete action is offered.
    """

    actions = []


admin.site.unregister(AccessAttempt)
admin.site.register(AccessAttempt, OfficeAccessAttemptAdmin)


def _check_grants(form: ModelForm, *, actor: User, cleaned_data: dict) -> None:
    """Refuse groups the actor may not hand out, and roles for an employee's own login.

    Runs before the form touches the login, so the login still shows what it
    held before this change.
    """
    login: User = form.instance
    groups = cleaned_data.get("groups")
    if groups is None:
        return
    held = set(login.groups.all()) if login.pk else set()
    refused = groups_not_grantable_by(actor, [group for group in groups if group not in held])
    if refused:
        form.add_error(
            "groups",
            gettext(
                "Groups: %(groups)s carry permissions your own login does not have; "
                "only a superuser can grant them."
            )
            % {"groups": ", ".join(group.name for group in refused)},
        )
    employee = getattr(login, "employee", None) if login.pk else None
    privileged = {role.value for role in PRIVILEGED_ROLES}
    is_staff = cleaned_data.get("is_staff", login.is_staff)
    if employee is not None and (is_staff or any(g.name in privileged for g in groups)):
        # The other half of Employee.clean_fields: a login tied to an
        # employee stays a plain staff login.
        form.add_error(
            "groups",
            gettext(
                "Groups: this is %(employee)s's own login; a role or admin access "
                "needs a login of its own."
            )
            % {"employee": employee},
        )


@admin.register(UploadJob)
class UploadJobAdmin(ServiceOnlyAdmin):
    """Uploads, for the office to see what was uploaded and what became of it."""

    list_display = ("name", "kind", "owner", "status", "progress", "created_at")
    list_filter = ("kind", "status")
    # The file itself is not shown: it is a staff list, and it is gone once the job ends.
    exclude = ("content",)


def _login_holds_role_error(login: User) -> str:
    return gettext(
        "Login: %(username)s holds a role or admin access (office, HR, "
        "department head, staff status or superuser), so it cannot be an "
        "employee's own login."
    ) % {"username": login.username}
