"""Role checks shared by the views: a login whose role does not fit the page gets 403.

The services check again when they write; these keep a page from even opening.
"""

from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest

from employees.models import Role, User


def require_office(request: HttpRequest) -> None:
    if not request.user.is_office:
        raise PermissionDenied


def require_office_or_hr(request: HttpRequest) -> None:
    # The money side of a quarter, and the staff list HR keeps.
    if not (request.user.is_office or request.user.is_hr):
        raise PermissionDenied


def login_guarded_from(actor: User, login: User) -> bool:
    """Whether `actor` must leave `login` alone in the admin.

    Only a superuser changes a superuser or another office login: the office
    manages every other login, and one office login taking over another (or
    a superuser, by setting its password) would escape every role check.
    """
    if actor.is_superuser or login.pk == actor.pk:
        return False
    return login.is_superuser or login.groups.filter(name=Role.OFFICE.value).exists()


def groups_not_grantable_by(actor: User, groups: list[Group]) -> list[Group]:
    """The groups among `groups` that carry a permission `actor` does not hold.

    Nobody hands out more than they have: the office may give the HR, head and
    staff roles (and its own), never a group a superuser made with more.
    """
    if actor.is_superuser:
        return []
    held = actor.get_all_permissions()
    return [
        group
        for group in groups
        if not {
            f"{app_label}.{codename}"
            for app_label, codename in group.permissions.values_list(
                "content_type__app_label", "codename"
            )
        }
        <= held
    ]


def may_issue_slips(user: User) -> bool:
    """HR and the office print activation slips (and so reset an employee's password)."""
    return user.is_authenticated and (user.is_office or user.is_hr)


def may_name_heads(user: User) -> bool:
    """The office names department heads; it is the one role an employee's login may hold."""
    return user.is_authenticated and user.is_office


def may_see_customer_contacts(user: User) -> bool:
    """Customers' contact details are for the office, which rules on their feedback."""
    return user.is_authenticated and user.is_office
