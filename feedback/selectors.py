"""Reads for the public feedback column and the office's list of feedback received."""

from __future__ import annotations

from awards.models import WorkBadge, WorkBadgeQuerySet
from employees.models import Department, DepartmentQuerySet

LOOKUP_LIMIT = 10
# One character of a Chinese name is usually the surname, which lists half a
# department: a search needs two characters of the name, or the whole number.
LOOKUP_MIN_NAME = 2


def _badges_of_appraised() -> WorkBadgeQuerySet:
    """Issued work badges of the people a customer may give feedback on."""
    return (
        WorkBadge.objects.issued()
        .filter(employee__is_active=True, employee__is_supervisor=False)
        .select_related("employee__department")
    )


def feedback_badge_for_token(*, token: str) -> WorkBadge | None:
    """The issued badge whose QR token this is; None for an unknown, lost or returned badge."""
    if not token:
        return None
    return _badges_of_appraised().filter(token=token).first()


def feedback_lookup(
    *,
    name: str = "",
    department: Department | None = None,
    number: str = "",
    limit: int = LOOKUP_LIMIT,
) -> list[WorkBadge]:
    """The public lookup: badges of appraised employees matching a name or an exact number.

    A query is required (part of a name, or a whole employee number) and the
    answer is capped, so the page cannot list the whole staff. A department
    alone finds nobody.
    """
    name = name.strip()
    number = number.strip()
    if not number and len(name) < LOOKUP_MIN_NAME:
        return []
    badges = _badges_of_appraised()
    if number:
        badges = badges.filter(employee__number__iexact=number)
    if name:
        badges = badges.filter(employee__name__icontains=name)
    if department is not None:
        badges = badges.filter(employee__department=department)
    return list(badges.order_by("employee__department__display_order", "employee__number")[:limit])


def feedback_departments() -> DepartmentQuerySet:
    """Departments for the lookup's select: those with someone who can receive feedback."""
    return (
        Department.objects.filter(employees__is_active=True, employees__is_supervisor=False)
        .distinct()
        .order_by("display_order", "name")
    )
