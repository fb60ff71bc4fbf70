from __future__ import annotations

import datetime
import uuid
from typing import Protocol

from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from employees.permissions import is_department_head, is_office, sees_every_department


class DepartmentKind(models.TextChoices):
    FUNCTIONAL = "functional", _("Functional department")
    FRONTLINE = "frontline", _("Frontline production department")


class EmploymentForm(models.TextChoices):
    PERMANENT = "permanent", _("Permanent")
    CONTRACT = "contract", _("Contract")
    AGENCY = "agency", _("Agency")
    TEMPORARY = "temporary", _("Temporary")
    OTHER = "other", _("Other")


class Role(models.TextChoices):
    """The four groups a login can belong to; the value is the group's name."""

    OFFICE = "appraisal_office", _("Appraisal office")
    HR = "hr", _("Human resources")
    DEPARTMENT_HEAD = "department_head", _("Department head")
    STAFF = "staff", _("Staff")


# The roles that see or change more than one's own records.
PRIVILEGED_ROLES = (Role.OFFICE, Role.HR, Role.DEPARTMENT_HEAD)


class User(AbstractUser):
    """A login. A department head is tied to the one department they score."""

    department = models.ForeignKey(
        "employees.Department",
        verbose_name=_("headed department"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="heads",
        help_text=_("Only for department heads: the department whose sheets they enter."),
    )

    class Meta(AbstractUser.Meta):
        verbose_name = _("login")
        verbose_name_plural = _("logins")

    def has_role(self, role: Role) -> bool:
        # Group names are cached per request object; roles are checked on
        # every page, so avoid one query per check.
        if not hasattr(self, "_role_names"):
            self._role_names = set(self.groups.values_list("name", flat=True))
        return self.is_active and role.value in self._role_names

    @property
    def is_office(self) -> bool:
        return self.is_active and (self.is_superuser or self.has_role(Role.OFFICE))

    @property
    def is_hr(self) -> bool:
        return self.has_role(Role.HR)

    @property
    def is_department_head(self) -> bool:
        return self.department_id is not None and self.has_role(Role.DEPARTMENT_HEAD)

    @property
    def holds_role(self) -> bool:
        """Whether this login can see or change more than its own records.

        Such a login is never an employee's own: whoever is tied to an
        employee would open that employee's page with it, and whoever holds
        it would read that employee's sheets as their own.
        """
        if self.is_staff or self.is_superuser:
            return True
        return self.groups.filter(name__in=[role.value for role in PRIVILEGED_ROLES]).exists()


class DepartmentQuerySet(models.QuerySet):
    def visible_to(self, user: User) -> DepartmentQuerySet:
        if not user.is_authenticated or not user.is_active:
            return self.none()
        if sees_every_department(user):
            return self
        if is_department_head(user):
            return self.filter(pk=user.department_id)
        return self.filter(employees__user=user)


class Department(models.Model):
    name = models.CharField(_("name"), max_length=50, unique=True)
    kind = models.CharField(_("kind"), max_length=20, choices=DepartmentKind.choices)
    display_order = models.PositiveSmallIntegerField(_("display order"), default=100)
    hosts_appraisal_office = models.BooleanField(
        _("hosts the appraisal office"),
        default=False,
        help_text=_("The department (安环部) where the assessment group's office sits."),
    )

    objects = DepartmentQuerySet.as_manager()

    class Meta:
        ordering = ["display_order", "name"]
        verbose_name = _("department")
        verbose_name_plural = _("departments")
        constraints = [
            models.UniqueConstraint(
                fields=["hosts_appraisal_office"],
                condition=Q(hosts_appraisal_office=True),
                name="one_appraisal_office_department",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class QuarterLike(Protocol):
    """What `appraised_in` needs of a quarter (an `appraisal.Quarter` or a `QuarterId` fits)."""

    @property
    def first_day(self) -> datetime.date: ...

    @property
    def last_day(self) -> datetime.date: ...


class EmployeeQuerySet(models.QuerySet):
    def appraised(self) -> EmployeeQuerySet:
        """Active employees below supervisor level: the people who are scored today."""
        return self.filter(is_active=True, is_supervisor=False)

    def employed_on(self, day: datetime.date) -> EmployeeQuerySet:
        """Who is still employed on `day`.

        `left_on` is the last day of employment, not the first day gone: the
        model lets someone leave on the day they joined, which only makes
        sense if they worked that day. So whoever leaves on `day` is still
        employed on it. An inactive employee without a leaving date has left
        at a time nobody recorded: not employed.
        """
        return self.filter(Q(is_active=True, left_on__isnull=True) | Q(left_on__gte=day))

    def appraised_in(
        self, quarter: QuarterLike, *, on: datetime.date | None = None
    ) -> EmployeeQuerySet:
        """Who is appraised for `quarter` (rules.md section 5, "Decision (who)").

        The one definition the close and its preview use: not a supervisor, at
        least one counted sheet in the quarter, and employed on `on` (see
        `employed_on` for what `left_on` means). `on` defaults to the quarter's
        last day; for a close before it, pass the close's day
        (`appraisal.rules.appraisal_day` works it out: this app cannot import it).

        Any sheet in the quarter will do for "a counted sheet": a spot check
        only ever replaces a sheet of the same day, so a day with a sheet
        always keeps one that counts. Sheets are reached through the reverse
        relation, so this app imports nothing of the appraisal app.
        """
        day = on or quarter.last_day
        return (
            self.filter(is_supervisor=False)
            .employed_on(day)
            .filter(
                # `sheets` is the daily sheets' reverse relation (appraisal.DailySheet).
                pk__in=self.model.objects.filter(
                    sheets__day__range=(quarter.first_day, quarter.last_day)
                ).values("pk")
            )
        )

    def visible_to(self, user: User) -> EmployeeQuerySet:
        """The one place that decides whose records a login may see.

        The office and HR see everyone; a department head sees the appraised
        employees of their own department; anyone else sees only themselves.
        """
        if not user.is_authenticated or not user.is_active:
            return self.none()
        if sees_every_department(user):
            return self
        if is_department_head(user):
            return self.filter(department_id=user.department_id, is_supervisor=False)
        return self.filter(user=user)


class Employee(models.Model):
    number = models.CharField(_("employee number"), max_length=20, unique=True)
    name = models.CharField(pgettext_lazy("person", "name"), max_length=50)
    department = models.ForeignKey(
        Department,
        verbose_name=_("department"),
        on_delete=models.PROTECT,
        related_name="employees",
    )
    position = models.CharField(_("position"), max_length=50, blank=True)
    employment_form = models.CharField(
        _("employment form"),
        max_length=20,
        choices=EmploymentForm.choices,
        default=EmploymentForm.PERMANENT,
    )
    is_supervisor = models.BooleanField(
        _("supervisor or above"),
        default=False,
        help_text=_("Department supervisors and above are not appraised."),
    )
    is_active = models.BooleanField(_("active"), default=True)
    joined_on = models.DateField(_("joined on"), null=True, blank=True)
    left_on = models.DateField(_("left on"), null=True, blank=True)
    photo = models.ImageField(_("photo"), upload_to="photos/", blank=True)
    user = models.OneToOneField(
        User,
        verbose_name=_("login"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="employee",
    )

    objects = EmployeeQuerySet.as_manager()

    class Meta:
        ordering = ["department__display_order", "number"]
        verbose_name = _("employee")
        verbose_name_plural = _("employees")
        constraints = [
            models.CheckConstraint(
                condition=Q(left_on__isnull=True)
                | Q(joined_on__isnull=True)
                | Q(left_on__gte=models.F("joined_on")),
                name="employee_left_after_joined",
            ),
        ]
        indexes = [models.Index(fields=["department", "is_active", "is_supervisor"])]

    def __str__(self) -> str:
        return f"{self.number} {self.name}"

    @property
    def is_appraised(self) -> bool:
        return self.is_active and not self.is_supervisor

    def clean_fields(self, exclude: set[str] | None = None) -> None:
        # Checked with the field, not in clean(): a form that does not offer
        # the login (HR's) must still save the rest of the record.
        errors: dict[str, list[ValidationError]] = {}
        try:
            super().clean_fields(exclude=exclude)
        except ValidationError as exc:
            errors = exc.update_error_dict(errors)
        if "user" not in (exclude or ()) and "user" not in errors and self.user_id is not None:
            login = User.objects.filter(pk=self.user_id).first()
            if login is not None and login.holds_role and not self._is_own_head_login(login):
                errors.setdefault("user", []).append(
                    ValidationError(
                        _(
                            "Login: %(username)s holds a role or admin access (office, HR, "
                            "department head, staff status or superuser), so it cannot be an "
                            "employee's own login."
                        ),
                        code="login_holds_role",
                        params={"username": login.username},
                    )
                )
        if errors:
            raise ValidationError(errors)

    def _is_own_head_login(self, login: User) -> bool:
        """The one role an employee's own login may hold: head of their own department.

        Only `account_head_name` gives it, to the login already tied to this
        employee (named after their number), so attaching a login that holds a
        role is still refused, in the admin and anywhere else.
        """
        if login.is_staff or login.is_superuser or login.username != self.number:
            return False
        if login.department_id is None or login.department_id != self.department_id:
            return False
        roles = set(
            login.groups.filter(name__in=[role.value for role in PRIVILEGED_ROLES]).values_list(
                "name", flat=True
            )
        )
        if roles != {Role.DEPARTMENT_HEAD.value}:
            return False
        return self.pk is not None and Employee.objects.filter(pk=self.pk, user=login).exists()


# --- Uploads run as background jobs ----------------------------------------------------


class UploadKind(models.TextChoices):
    EMPLOYEES = "employees", _("Employee workbook")


class UploadJobStatus(models.TextChoices):
    QUEUED = "queued", _("Waiting to be checked")
    CHECKING = "checking", _("Checking")
    READY = "ready", _("Checked; waiting for confirmation")
    CONFIRMED = "confirmed", _("Confirmed; waiting to be written")
    WRITING = "writing", _("Writing")
    DONE = "done", _("Imported")
    FAILED = "failed", _("Not imported")

    @classmethod
    def running(cls) -> tuple[UploadJobStatus, ...]:
        return (cls.QUEUED, cls.CHECKING, cls.CONFIRMED, cls.WRITING)


class UploadJobQuerySet(models.QuerySet):
    def visible_to(self, user: User) -> UploadJobQuerySet:
        # An upload holds a whole staff list: its owner and the office see it.
        if is_office(user):
            return self
        return self.filter(owner=user)


class UploadJob(models.Model):
    """An uploaded workbook and what the background worker made of it.

    The file is kept (as bytes: at most IMPORT_MAX_BYTES) from the upload until
    the job ends, for the check and then for the write; `preview` is what the
    write would do, `result` what it did, `errors` why the file was refused.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    owner = models.ForeignKey(
        User, verbose_name=_("uploaded by"), on_delete=models.CASCADE, related_name="uploads"
    )
    kind = models.CharField(_("kind"), max_length=20, choices=UploadKind.choices)
    name = models.CharField(_("file name"), max_length=255)
    content = models.BinaryField(_("file"), default=b"")
    status = models.CharField(
        _("status"), max_length=20, choices=UploadJobStatus.choices, default=UploadJobStatus.QUEUED
    )
    progress = models.PositiveSmallIntegerField(_("progress (%)"), default=0)
    preview = models.JSONField(_("preview"), null=True, blank=True)
    result = models.JSONField(_("result"), null=True, blank=True)
    errors = models.JSONField(_("errors"), default=list, blank=True)
    created_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = UploadJobQuerySet.as_manager()

    class Meta:
        verbose_name = _("upload")
        verbose_name_plural = _("uploads")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(progress__lte=100), name="upload_job_progress_at_most_100"
            ),
            models.CheckConstraint(
                condition=Q(status__in=UploadJobStatus.values), name="upload_job_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(kind__in=UploadKind.values), name="upload_job_kind_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_status_display()})"

    @property
    def is_running(self) -> bool:
        return self.status in UploadJobStatus.running()


# --- Activation slips: a login for every employee ---------------------------------------


class AccountActivationQuerySet(models.QuerySet):
    def pending(self) -> AccountActivationQuerySet:
        return self.filter(used_at__isnull=True)


class AccountActivation(models.Model):
    """The one-time code on an employee's activation slip, as a keyed hash.

    One row per login: issuing a new slip overwrites the hash, so the old code
    stops working. The code itself is never stored; it exists only on the
    slip sheet printed when it was issued.
    """

    user = models.OneToOneField(
        User,
        verbose_name=_("login"),
        on_delete=models.CASCADE,
        related_name="activation",
    )
    code_hash = models.CharField(_("code hash"), max_length=128)
    issued_at = models.DateTimeField(_("issued at"))
    expires_at = models.DateTimeField(_("expires at"))
    used_at = models.DateTimeField(_("used at"), null=True, blank=True)
    issued_by = models.ForeignKey(
        User,
        verbose_name=_("issued by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    objects = AccountActivationQuerySet.as_manager()

    class Meta:
        verbose_name = _("activation code")
        verbose_name_plural = _("activation codes")
        constraints = [
            models.CheckConstraint(
                condition=Q(expires_at__gt=models.F("issued_at")),
                name="activation_expires_after_issue",
            ),
        ]

    def __str__(self) -> str:
        return str(self.user)
