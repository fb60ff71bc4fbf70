"""Who may do what: every role rule of the project, each a named predicate on a login.

The one place where roles are combined. Views guard themselves with
`@role_required(predicate)`; selectors, services and the models' `visible_to`
call the predicates; templates read them through the context processor as
`{% if access.sees_money %}`. The single-role properties of the User model
(`is_office`, `is_hr`, `is_department_head`) are the primitives they are
built from. Every predicate answers False for an anonymous or inactive login.

Nothing here imports from the other apps: employees stays a leaf.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import TYPE_CHECKING, Any

from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse

if TYPE_CHECKING:
    from employees.models import User

Predicate = Callable[[Any], bool]

# Every predicate by name, for the templates (`access.<name>`).
PREDICATES: dict[str, Predicate] = {}


def _predicate(function: Predicate) -> Predicate:
    PREDICATES[function.__name__] = function
    return function


def _active(user: Any) -> bool:
    return bool(getattr(user, "is_authenticated", False) and user.is_active)


# --- The roles themselves ---------------------------------------------------------------


@_predicate
def is_office(user: Any) -> bool:
    """The appraisal office (and superusers): it runs the appraisal."""
    return _active(user) and user.is_office


@_predicate
def is_hr(user: Any) -> bool:
    """Human resources: keeps the staff list and pays the money."""
    return _active(user) and user.is_hr


@_predicate
def is_department_head(user: Any) -> bool:
    """A department head: scores and reviews their own department."""
    return _active(user) and user.is_department_head


def _manages(user: Any) -> bool:
    # The office, HR and heads: everyone with a role beyond their own record.
    return is_office(user) or is_hr(user) or is_department_head(user)


# --- Pages of one's own ------------------------------------------------------------------


@_predicate
def has_own_page(user: Any) -> bool:
    """A login tied to an employee record has a "my scores" page, whatever its role."""
    return _active(user) and hasattr(user, "employee")


@_predicate
def starts_on_own_page(user: Any) -> bool:
    """Staff with no other role land on their own page; everyone else on the home cards."""
    return has_own_page(user) and not _manages(user)


# --- Daily sheets --------------------------------------------------------------------


@_predicate
def may_score(user: Any) -> bool:
    """The office and department heads enter daily sheets (grid, month view); nobody else."""
    return is_office(user) or is_department_head(user)


@_predicate
def may_spot_check(user: Any) -> bool:
    """Only the office records spot checks (抽查)."""
    return is_office(user)


@_predicate
def may_score_leavers(user: Any) -> bool:
    """The office may still correct the sheets of someone who has left; heads score active staff."""
    return is_office(user)


@_predicate
def sees_only_own_sheets(user: Any) -> bool:
    """HR works with money, not daily sheets: an HR clerk (not also office) sees only their own."""
    return is_hr(user) and not is_office(user)


# --- Events --------------------------------------------------------------------------


@_predicate
def may_open_event_ledger(user: Any) -> bool:
    """The office and HR read every event, a head their department's; staff use their own page."""
    return _manages(user)


@_predicate
def sees_unruled_events(user: Any) -> bool:
    """The office, HR and heads see pending and invalid events too; staff only what counts."""
    return _manages(user)


@_predicate
def may_record_events(user: Any) -> bool:
    """The office records any event; a head their own department's deductions."""
    return is_office(user) or is_department_head(user)


@_predicate
def may_rule_events(user: Any) -> bool:
    """Only the office rules events valid or invalid (its queue), and so records any kind."""
    return is_office(user)


@_predicate
def sees_contacts(user: Any) -> bool:
    """Only the office reads customers' feedback messages: they carry customers' contacts."""
    return is_office(user)


# --- The quarter workbench -----------------------------------------------------------


@_predicate
def may_open_workbench(user: Any) -> bool:
    """The office, HR and department heads open the quarter workbench; staff do not."""
    return _manages(user)


@_predicate
def sees_every_department(user: Any) -> bool:
    """The office and HR see every department's people and reviews; a head only their own."""
    return is_office(user) or is_hr(user)


@_predicate
def sees_only_own_department(user: Any) -> bool:
    """A head with no office or HR role reviews only their own department's quarter results."""
    return is_department_head(user) and not sees_every_department(user)


@_predicate
def sees_money(user: Any) -> bool:
    """Award money, rewards, fines, net amounts and the workbooks carrying them: office and HR."""
    return is_office(user) or is_hr(user)


@_predicate
def may_manage_quarter(user: Any) -> bool:
    """Only the office closes, reopens, approves, finalises a quarter and rules objections."""
    return is_office(user)


@_predicate
def may_submit_lists(user: Any) -> bool:
    """The office and department heads submit a department's reviewed list (see below)."""
    return is_office(user) or is_department_head(user)


def may_submit_department(user: Any, department_id: int) -> bool:
    """The office submits any department's list; a head only their own department's."""
    return is_office(user) or (is_department_head(user) and user.department_id == department_id)


@_predicate
def may_mark_paid(user: Any) -> bool:
    """HR (or the office) records that a quarter's payout has been paid."""
    return is_hr(user) or is_office(user)


@_predicate
def may_read_rule_settings(user: Any) -> bool:
    """The office, HR and heads read the rule settings; staff do not."""
    return _manages(user)


@_predicate
def may_edit_rule_settings(user: Any) -> bool:
    """Only the office changes the rule settings (of a quarter still open)."""
    return is_office(user)


# --- Employees, badges, administration ------------------------------------------------


@_predicate
def may_list_employees(user: Any) -> bool:
    """The office, HR and heads browse the employee list (scoped by `visible_to`)."""
    return _manages(user)


@_predicate
def may_import_employees(user: Any) -> bool:
    """HR uploads the employee workbook; the office may too."""
    return is_office(user) or is_hr(user)


@_predicate
def may_manage_badges(user: Any) -> bool:
    """Only the office issues, takes back and records lost work and award badges."""
    return is_office(user)


@_predicate
def may_print_work_badges(user: Any) -> bool:
    """The office prints anyone's work badges, a department head their own department's."""
    return is_office(user) or is_department_head(user)


@_predicate
def may_open_admin(user: Any) -> bool:
    """The office keeps every record through the administration pages."""
    return is_office(user)


# --- For views and templates ---------------------------------------------------------


def role_required(predicate: Predicate) -> Callable:
    """A view decorator: anonymous → login page; a login failing `predicate` → 403."""

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        def guarded(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
            if not predicate(request.user):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return login_required(guarded)

    return decorator


class Access:
    """The predicates as a login's attributes, for templates: `access.may_score`.

    Each is computed when a template first asks, then kept. A template would
    render an unknown name as empty, so employees/tests/test_permissions.py checks
    that every `access.<name>` in the templates names a predicate.
    """

    def __init__(self, user: User | Any) -> None:
        self._user = user
        self._answers: dict[str, bool] = {}

    def __getitem__(self, name: str) -> bool:
        if name not in self._answers:
            self._answers[name] = PREDICATES[name](self._user)
        return self._answers[name]

    def __getattr__(self, name: str) -> bool:
        if name.startswith("_"):
            raise AttributeError(name)
        try:
            return self[name]
        except KeyError as error:
            raise AttributeError(name) from error


# --- Logins for every employee ----------------------------------------------------------


@_predicate
def may_issue_slips(user: Any) -> bool:
    """HR and the office print activation slips (and so reset an employee's password)."""
    return is_hr(user) or is_office(user)


@_predicate
def may_name_heads(user: Any) -> bool:
    """The office names department heads; it is the one role an employee's login may hold."""
    return is_office(user)


# --- The year end (rules.md section 7) ------------------------------------------------


@_predicate
def may_open_stars(user: Any) -> bool:
    """The office and department heads open the year's service-star list."""
    return is_office(user) or is_department_head(user)


@_predicate
def may_nominate_stars(user: Any) -> bool:
    """A department head nominates service stars of their own department."""
    return is_department_head(user)


@_predicate
def may_name_stars(user: Any) -> bool:
    """The office names, adds and publishes the service stars."""
    return is_office(user)


def may_withdraw_star(user: Any, department_id: int) -> bool:
    """The office withdraws any nomination; a head their own department's."""
    return may_submit_department(user, department_id)


@_predicate
def may_archive_year(user: Any) -> bool:
    """The office archives a paid year and downloads its archive workbook."""
    return is_office(user)


# --- The admin: logins nobody but a superuser touches ---------------------------------


def login_guarded_from(actor: User, login: User) -> bool:
    """Whether `actor` must leave `login` alone in the admin.

    Only a superuser changes a superuser or another office login: the office
    manages every other login, and one office login taking over another (or
    a superuser, by setting its password) would escape every role check.
    """
    from employees.models import Role  # the models import this module

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
