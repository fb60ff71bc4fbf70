"""Writes for the employees app."""

from __future__ import annotations

from django.contrib.auth.models import Group, Permission
from django.db import transaction

from employees.models import Role

# The apps whose records the appraisal office manages in the admin.
OFFICE_ADMIN_APPS = ("employees", "appraisal", "feedback", "awards")
# HR maintains the employee records.
HR_ADMIN_MODELS = ("department", "employee")


@transaction.atomic
def role_groups_sync() -> None:
    """Create the role groups and give them their admin permissions.

    Permissions only exist after every app has migrated, so this runs from the
    `sync_roles` command (and `load_demo`), not from a migration.
    """
    groups = {role: Group.objects.get_or_create(name=role.value)[0] for role in Role}
    groups[Role.OFFICE].permissions.set(
        Permission.objects.filter(content_type__app_label__in=OFFICE_ADMIN_APPS)
    )
    groups[Role.HR].permissions.set(
        Permission.objects.filter(
            content_type__app_label="employees", content_type__model__in=HR_ADMIN_MODELS
        )
    )
