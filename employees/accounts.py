"""Writes for employees' logins: creation, activation slips, heads and leavers.

Every appraised employee (and every named department head) has a login named
after their employee number. It starts with an unusable password; the
employee sets their own with the one-time code on the activation slip HR
prints. The services here are the only writers of those logins' roles.
"""

from __future__ import annotations

import datetime
import secrets
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX, make_password
from django.contrib.auth.models import Group
from django.contrib.auth.password_validation import validate_password
from django.contrib.auth.signals import user_login_failed
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.http import HttpRequest
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext as _

from employees.models import AccountActivation, Department, Employee, Role, User
from employees.permissions import is_department_head
from spreadsheets import chunks

# No 0/O, 1/I/L: the code is read off paper and typed on a phone.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
# 10 characters of 31: about 50 bits, enough that guessing within the expiry is hopeless.
CODE_LENGTH = 10
_HASH_SALT = "employees.activation"


# --- Codes ---------------------------------------------------------------------------


def activation_code_new() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def activation_code_normalize(code: str) -> str:
    """What the employee typed, as issued: case, spaces and dashes do not matter."""
    return "".join(code.split()).replace("-", "").upper()


def activation_code_hash(code: str) -> str:
    # A keyed hash rather than the password hasher: the codes are random and
    # expire, and PBKDF2 would make a sheet for 1,000 people take minutes.
    # Without SECRET_KEY the stored hashes tell nothing about the codes.
    return salted_hmac(_HASH_SALT, activation_code_normalize(code), algorithm="sha256").hexdigest()


def activation_code_display(code: str) -> str:
    """The code as printed: groups of five, easier to read off a slip."""
    return " ".join(code[i : i + 5] for i in range(0, len(code), 5))


# --- Logins --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class AccountSyncReport:
    created: int = 0
    deactivated: int = 0
    heads_named: int = 0
    heads_removed: int = 0


def _employed(employee: Employee, today: datetime.date) -> bool:
    if employee.left_on is not None:
        return employee.left_on >= today
    return employee.is_active


def _staff_group() -> Group:
    return Group.objects.get_or_create(name=Role.STAFF.value)[0]


def _head_group() -> Group:
    return Group.objects.get_or_create(name=Role.DEPARTMENT_HEAD.value)[0]


# No savepoint of its own: inside an import it is one more step of the import's transaction.
@transaction.atomic(savepoint=False)
def accounts_sync(
    *,
    numbers: Iterable[str],
    heads: Mapping[str, bool | None] | None = None,
    today: datetime.date | None = None,
) -> AccountSyncReport:
    """Give the employees `numbers` the logins they need; switch off leavers' logins.

    A login is created (username = employee number, staff group only,
    unusable password) for every employed appraised employee without one, and
    for every employee `heads` names. A username already taken by a login with
    a role, or by another employee's login, is left alone: that employee gets
    no login here. `heads` maps a number to True (name as head of their
    department), False (no longer head) or None (leave as is). A head whose
    department changed stops being head of the old one.
    """
    today = today or timezone.localdate()
    heads = heads or {}
    numbers = list(numbers)
    employees = [
        employee
        for batch in chunks(numbers, 500)
        # Only the employee rows: PostgreSQL locks no nullable side of a join.
        for employee in Employee.objects.select_for_update(of=("self",))
        .select_related("user")
        .filter(number__in=batch)
    ]
    needing = [
        employee
        for employee in employees
        if employee.user_id is None
        and _employed(employee, today)
        and (not employee.is_supervisor or heads.get(employee.number))
    ]
    taken = {
        user.username: user
        for batch in chunks([employee.number for employee in needing], 500)
        for user in User.objects.filter(username__in=batch).select_related("employee")
    }
    new_logins: list[User] = []
    for employee in needing:
        existing = taken.get(employee.number)
        if existing is not None:
            # A plain login made by hand before the employee existed becomes theirs.
            if getattr(existing, "employee", None) is None and not existing.holds_role:
                employee.user = existing
            continue
        login = User(username=employee.number, last_name=employee.name[:150])
        login.set_unusable_password()
        new_logins.append(login)
        employee.user = login
    User.objects.bulk_create(new_logins, batch_size=500)
    if new_logins:
        # bulk_create returns the keys on PostgreSQL and SQLite (3.35+), the two backends.
        staff = _staff_group()
        User.groups.through.objects.bulk_create(
            [User.groups.through(user_id=login.pk, group_id=staff.pk) for login in new_logins],
            batch_size=500,
        )
    tied = [employee for employee in needing if employee.user is not None]
    for employee in tied:
        # Assigned again now that the login has its key (setting user_id would drop the cache).
        employee.user = employee.user
    Employee.objects.bulk_update(tied, ["user"], batch_size=500)

    named = removed = 0
    for employee in employees:
        login = employee.user
        wanted = heads.get(employee.number)
        if login is None or (login.department_id is None and not wanted):
            continue
        is_head = (
            login.department_id is not None
            and login.groups.filter(name=Role.DEPARTMENT_HEAD.value).exists()
        )
        if is_head and (wanted is False or login.department_id != employee.department_id):
            _head_remove(login)
            removed += 1
            is_head = False
        if wanted and not is_head and _employed(employee, today):
            _head_give(employee)
            named += 1
    leaving = [
        employee.number
        for employee in employees
        if employee.left_on is not None and employee.left_on < today and employee.user_id
    ]
    deactivated = account_leavers_deactivate(today=today, numbers=leaving) if leaving else 0
    return AccountSyncReport(
        created=len(new_logins), deactivated=deactivated, heads_named=named, heads_removed=removed
    )


def _head_give(employee: Employee) -> None:
    login = employee.user
    login.department_id = employee.department_id
    login.save(update_fields=["department"])
    login.groups.add(_head_group())
    login.__dict__.pop("_role_names", None)
    # The same rule the admin meets; this login is the one exception it allows.
    employee.full_clean()


def _head_remove(login: User) -> None:
    login.groups.remove(_head_group())
    login.department = None
    login.save(update_fields=["department"])
    login.__dict__.pop("_role_names", None)


@transaction.atomic
def account_head_name(*, employee: Employee) -> User:
    """Make `employee` a head of their department, creating their login if needed."""
    if employee.left_on is not None and employee.left_on < timezone.localdate():
        raise ValidationError(
            _("%(employee)s has left; a head must still be employed.") % {"employee": employee}
        )
    accounts_sync(numbers=[employee.number], heads={employee.number: True})
    employee.refresh_from_db()
    if employee.user is None or not is_department_head(employee.user):
        raise ValidationError(
            _(
                "%(employee)s cannot be made head: the login %(number)s belongs to someone "
                "else or holds another role."
            )
            % {"employee": employee, "number": employee.number}
        )
    return employee.user


@transaction.atomic
def account_head_remove(*, employee: Employee) -> None:
    """`employee` is no longer a head: their login goes back to the staff role only."""
    accounts_sync(numbers=[employee.number], heads={employee.number: False})


@transaction.atomic
def account_leavers_deactivate(
    *, today: datetime.date | None = None, numbers: Sequence[str] | None = None
) -> int:
    """Switch off the logins of employees whose last day (`left_on`) has passed.

    Their pending activation codes go too. Returns how many logins were switched
    off; run daily (the `deactivate_leavers` command) and after every import.
    """
    today = today or timezone.localdate()
    leavers = User.objects.filter(is_active=True, employee__left_on__lt=today)
    if numbers is not None:
        pks = [
            pk
            for batch in chunks(list(numbers), 500)
            for pk in leavers.filter(employee__number__in=batch).values_list("pk", flat=True)
        ]
    else:
        pks = list(leavers.values_list("pk", flat=True))
    for batch in chunks(pks, 500):
        User.objects.filter(pk__in=batch).update(is_active=False)
        AccountActivation.objects.filter(user_id__in=batch).delete()
    return len(pks)


# --- Activation slips ----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Slip:
    """One printed slip: the code exists only here, never in the database."""

    employee: Employee
    code: str
    expires_at: datetime.datetime

    @property
    def code_display(self) -> str:
        return activation_code_display(self.code)


def activation_candidates(*, department: Department) -> list[Employee]:
    """Who gets a slip on the department's sheet: employed, with a login never activated.

    Employees who already set a password are left out: a new slip for them is
    the single-employee action (a forgotten password).
    """
    today = timezone.localdate()
    return list(
        Employee.objects.filter(department=department, user__is_active=True)
        .filter(Q(left_on__isnull=True, is_active=True) | Q(left_on__gte=today))
        .filter(user__password__startswith=UNUSABLE_PASSWORD_PREFIX)
        .select_related("department", "user")
        .order_by("number")
    )


@transaction.atomic
def activation_issue(*, employees: Sequence[Employee], issued_by: User | None) -> list[Slip]:
    """New one-time codes for `employees`; their previous codes stop working.

    Each employee without a login gets one first. Employees who have left or
    whose login is switched off get no slip.
    """
    accounts_sync(numbers=[employee.number for employee in employees])
    today = timezone.localdate()
    now = timezone.now()
    expires_at = now + datetime.timedelta(days=settings.ACTIVATION_CODE_DAYS)
    fresh = [
        employee
        for batch in chunks([employee.number for employee in employees], 500)
        for employee in Employee.objects.select_related("department", "user").filter(
            number__in=batch, user__is_active=True
        )
        if _employed(employee, today)
    ]
    fresh.sort(key=lambda employee: employee.number)
    slips = [
        Slip(employee=employee, code=activation_code_new(), expires_at=expires_at)
        for employee in fresh
    ]
    user_ids = [slip.employee.user_id for slip in slips]
    for batch in chunks(user_ids, 500):
        AccountActivation.objects.filter(user_id__in=batch).delete()
    AccountActivation.objects.bulk_create(
        [
            AccountActivation(
                user_id=slip.employee.user_id,
                code_hash=activation_code_hash(slip.code),
                issued_at=now,
                expires_at=expires_at,
                issued_by=issued_by,
            )
            for slip in slips
        ],
        batch_size=500,
    )
    return slips


def _refused(message: str, code: str) -> ValidationError:
    return ValidationError(message, code=code)


def activation_check(*, number: str, code: str, for_update: bool = False) -> AccountActivation:
    """The activation that `number` and `code` open, or ValidationError saying why not.

    Whether a number exists is only told to whoever holds its code: a wrong
    number and a wrong code read the same.
    """
    mismatch = _refused(
        _("This employee number and activation code do not match. Check both on your slip."),
        WRONG_CODE,
    )
    activations = AccountActivation.objects.select_related("user", "user__employee")
    if for_update:
        activations = activations.select_for_update(of=("self",))
    activation = activations.filter(user__employee__number=number.strip()).first()
    if activation is None or not constant_time_compare(
        activation.code_hash, activation_code_hash(code)
    ):
        raise mismatch
    if activation.used_at is not None:
        raise _refused(
            _(
                "This activation code has already been used. Log in with your password, "
                "or ask HR for a new slip."
            ),
            "used",
        )
    if activation.expires_at <= timezone.now():
        raise _refused(_("This activation code has expired. Ask HR for a new slip."), "expired")
    if not activation.user.is_active:
        raise _refused(_("This login is switched off. Ask HR."), "inactive")
    return activation


# Guessing a code is guessing a password: the activation page counts its wrong
# codes with django-axes, as the login page counts wrong passwords, so one
# limit (AXES_FAILURE_LIMIT, per employee number and per address) locks both,
# and the office unlocks both in the admin.
WRONG_CODE = "mismatch"


def activation_locked(*, request: HttpRequest, number: str) -> bool:
    """Whether this employee number, or this address, is locked out for now."""
    from axes.handlers.proxy import AxesProxyHandler

    return AxesProxyHandler.is_locked(request, credentials={"username": number.strip()})


def activation_guess_record(*, request: HttpRequest, number: str) -> None:
    """Count a wrong code against the number and the address."""
    user_login_failed.send(
        sender=__name__, credentials={"username": number.strip()}, request=request
    )


@transaction.atomic
def activation_use(*, number: str, code: str, password: str) -> User:
    """Set the employee's own password with the code on their slip; the code is then used up."""
    activation = activation_check(number=number, code=code, for_update=True)
    login = activation.user
    validate_password(password, login)
    login.password = make_password(password)
    login.save(update_fields=["password"])
    activation.used_at = timezone.now()
    activation.full_clean()
    activation.save(update_fields=["used_at"])
    return login
