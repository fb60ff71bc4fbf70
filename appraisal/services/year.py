"""The year end, rules.md section 7: service stars (服务明星) and the year's archive.

Stars live in the appraisal app (not in awards, which prints badges): a star
rests on the year's quarterly awards, shows in the year summary and is frozen
by the year's archive, all of which are appraisal's.
"""

from __future__ import annotations

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from appraisal.models import (
    AwardTier,
    Quarter,
    QuarterResult,
    QuarterStatus,
    ServiceStar,
    StarStatus,
    Year,
    YearAction,
    YearLog,
)
from appraisal.rules import star_candidate_problem
from employees.models import Employee, User
from employees.permissions import (
    may_archive_year,
    may_name_stars,
    may_nominate_stars,
    may_withdraw_star,
)

SETTLED_STATUSES = (QuarterStatus.FINAL, QuarterStatus.PAID)


def year_ensure(*, year: int) -> Year:
    """The year's row, created with the default star settings if new."""
    row, _created = Year.objects.get_or_create(year=year)
    return row


def year_is_archived(*, year: int) -> bool:
    return Year.objects.filter(year=year, archived_at__isnull=False).exists()


def year_archived_reason(*, day: datetime.date) -> str:
    return _(
        "%(day)s belongs to the year %(year)s, which is archived and can no longer change."
    ) % {
        "day": day.isoformat(),
        "year": day.year,
    }


def _year_lock(year: int) -> Year:
    year_ensure(year=year)
    return Year.objects.select_for_update().get(year=year)


def _log(*, year: Year, action: YearAction, by: User | None) -> None:
    entry = YearLog(year=year, action=action, by=by)
    entry.full_clean()
    entry.save()


def _assert_stars_open(year: Year) -> None:
    if year.is_archived:
        raise ValidationError(
            _("The year %(year)s is archived: its service stars can no longer change.")
            % {"year": year.year}
        )
    if year.stars_published:
        raise ValidationError(
            _("The service stars of %(year)s are published and can no longer change.")
            % {"year": year.year}
        )


def awards_in_year(*, employee: Employee, year: int) -> int:
    """The employee's quarterly awards in the year's final or paid quarters."""
    return (
        QuarterResult.objects.filter(
            employee=employee, quarter__year=year, quarter__status__in=SETTLED_STATUSES
        )
        .exclude(award_tier=AwardTier.NONE)
        .count()
    )


def _has_left(employee: Employee) -> bool:
    return not employee.is_active or employee.left_on is not None


def _refuse_candidate(*, employee: Employee, year: Year) -> None:
    """A star must still be employed and hold at least one award of the year."""
    problem = star_candidate_problem(
        awards_in_year=awards_in_year(employee=employee, year=year.year),
        has_left=_has_left(employee),
    )
    if problem == "left":
        raise ValidationError(
            _("%(name)s has left the company: a service star must still be employed.")
            % {"name": employee.name}
        )
    if problem == "no_award":
        raise ValidationError(
            _(
                "%(name)s has no quarterly award in a final or paid quarter of %(year)s: "
                "a service star needs at least one."
            )
            % {"name": employee.name, "year": year.year}
        )
    if ServiceStar.objects.filter(year=year, employee=employee).exists():
        raise ValidationError(
            _("%(name)s is already on the service star list of %(year)s.")
            % {"name": employee.name, "year": year.year}
        )


def _citation(citation: str) -> str:
    citation = citation.strip()
    if not citation:
        raise ValidationError({"citation": _("Write the citation: why this employee.")})
    return citation


@transaction.atomic
def star_nominate(
    *, year: int, employee: Employee, citation: str, nominated_by: User
) -> ServiceStar:
    """A department head nominates an employee of their department, within its quota."""
    if not may_nominate_stars(nominated_by):
        raise PermissionDenied(_("Only a department head nominates service stars."))
    if not Employee.objects.visible_to(nominated_by).filter(pk=employee.pk).exists():
        raise PermissionDenied(_("A department head nominates only their own department's staff."))
    citation = _citation(citation)
    row = _year_lock(year)
    _assert_stars_open(row)
    _refuse_candidate(employee=employee, year=row)
    department = nominated_by.department
    used = ServiceStar.objects.filter(year=row, department=department).count()
    if used >= row.star_quota:
        raise ValidationError(
            _(
                "%(department)s has used its quota of %(quota)d nomination(s) for %(year)s: "
                "withdraw one first."
            )
            % {"department": department.name, "quota": row.star_quota, "year": row.year}
        )
    star = ServiceStar(
        year=row,
        employee=employee,
        department=department,
        citation=citation,
        nominated_by=nominated_by,
    )
    star.full_clean()
    star.save()
    return star


@transaction.atomic
def star_withdraw(*, star: ServiceStar, withdrawn_by: User) -> None:
    """The nominating department (or the office) withdraws a nomination before publishing."""
    row = _year_lock(star.year.year)
    _assert_stars_open(row)
    if not may_withdraw_star(withdrawn_by, star.department_id):
        raise PermissionDenied(_("Only the office or the nominating department withdraws it."))
    star.delete()


def _assert_office(user: User) -> None:
    if not may_name_stars(user):
        raise PermissionDenied(_("Only the appraisal office names and publishes service stars."))


def _assert_cap(row: Year) -> None:
    named = ServiceStar.objects.filter(year=row, status=StarStatus.NAMED).count()
    if named >= row.stars_cap:
        raise ValidationError(
            _("%(year)s already has %(cap)d service stars, the most it may have.")
            % {"year": row.year, "cap": row.stars_cap}
        )


@transaction.atomic
def star_name(*, star: ServiceStar, named_by: User) -> ServiceStar:
    """The office names a nominee a service star (up to the year's cap)."""
    _assert_office(named_by)
    row = _year_lock(star.year.year)
    _assert_stars_open(row)
    star = ServiceStar.objects.select_for_update().get(pk=star.pk)
    if star.status == StarStatus.NAMED:
        return star
    if _has_left(star.employee):
        raise ValidationError(
            _("%(name)s has left the company: a service star must still be employed.")
            % {"name": star.employee.name}
        )
    _assert_cap(row)
    star.status = StarStatus.NAMED
    star.named_by = named_by
    star.named_at = timezone.now()
    star.full_clean()
    star.save(update_fields=["status", "named_by", "named_at"])
    return star


@transaction.atomic
def star_add(*, year: int, employee: Employee, citation: str, added_by: User) -> ServiceStar:
    """The office names a star of its own choosing, with a citation."""
    _assert_office(added_by)
    citation = _citation(citation)
    row = _year_lock(year)
    _assert_stars_open(row)
    _refuse_candidate(employee=employee, year=row)
    _assert_cap(row)
    now = timezone.now()
    star = ServiceStar(
        year=row,
        employee=employee,
        department=employee.department,
        citation=citation,
        status=StarStatus.NAMED,
        nominated_by=added_by,
        named_by=added_by,
        named_at=now,
    )
    star.full_clean()
    star.save()
    return star


@transaction.atomic
def stars_publish(*, year: int, published_by: User) -> Year:
    """The office publishes the named stars; the list is final from then on."""
    _assert_office(published_by)
    row = _year_lock(year)
    _assert_stars_open(row)
    if not ServiceStar.objects.filter(year=row, status=StarStatus.NAMED).exists():
        raise ValidationError(
            _("No service star is named for %(year)s yet: name one before publishing.")
            % {"year": row.year}
        )
    row.stars_published_at = timezone.now()
    row.stars_published_by = published_by
    row.full_clean()
    row.save(update_fields=["stars_published_at", "stars_published_by"])
    _log(year=row, action=YearAction.PUBLISH_STARS, by=published_by)
    return row


def year_archive_blocker(*, year: int) -> str:
    """Why the year cannot be archived yet ("" when it can): every quarter must be paid."""
    if year_is_archived(year=year):
        return _("The year %(year)s is already archived.") % {"year": year}
    statuses = dict(Quarter.objects.filter(year=year).values_list("number", "status"))
    if not statuses:
        return _("The year %(year)s has no quarter: there is nothing to archive.") % {"year": year}
    unpaid = [
        f"{year}Q{number} ({QuarterStatus(statuses[number]).label if number in statuses else _('not started')})"
        for number in range(1, 5)
        if statuses.get(number) != QuarterStatus.PAID
    ]
    if unpaid:
        return _(
            "The year %(year)s can be archived once its four quarters are paid; not yet paid: "
            "%(quarters)s."
        ) % {"year": year, "quarters": ", ".join(unpaid)}
    return ""


@transaction.atomic
def year_archive(*, year: int, archived_by: User | None) -> Year:
    """The office archives the year: from now on nothing dated in it changes."""
    if archived_by is not None and not may_archive_year(archived_by):
        raise PermissionDenied(_("Only the appraisal office archives a year."))
    row = _year_lock(year)
    # The quarters' rows too, so no quarter moves back while the year is archived.
    list(Quarter.objects.select_for_update().filter(year=year))
    blocker = year_archive_blocker(year=year)
    if blocker:
        raise ValidationError(blocker)
    row.archived_at = timezone.now()
    row.archived_by = archived_by
    row.full_clean()
    row.save(update_fields=["archived_at", "archived_by"])
    _log(year=row, action=YearAction.ARCHIVE, by=archived_by)
    return row
