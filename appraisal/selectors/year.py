"""Reads of the year (rules.md section 7): the year summary, its stars and its quarters.

One row per employee appraised in at least one quarter of the year. The rows
are built by a generator over one ordered query, so the exports stream them in
flat memory; the page sorts the list it gets.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from appraisal.models import (
    AwardTier,
    Quarter,
    QuarterResult,
    QuarterStatus,
    ServiceStar,
    StarStatus,
    Year,
)
from appraisal.rules import AWARD_TIERS, Tier, YearFigures, YearQuarter, year_figures
from employees.models import Department, Employee, User
from employees.permissions import (
    may_name_stars,
    may_open_stars,
    may_open_workbench,
    sees_every_department,
)

SETTLED_STATUSES = (QuarterStatus.FINAL, QuarterStatus.PAID)
QUARTER_NUMBERS = (1, 2, 3, 4)


def year_summary_may_open(*, user: User) -> bool:
    """The office and HR see every employee's year, a head their department's; staff
    see their own on "my scores"."""
    return may_open_workbench(user)


@dataclass(frozen=True)
class YearCell:
    """One quarter of an employee's year: their result, or None when not appraised."""

    number: int
    quarter: Quarter | None
    result: QuarterResult | None

    @property
    def final(self) -> Decimal | None:
        return self.result.final if self.result else None

    @property
    def settled(self) -> bool:
        return self.quarter is not None and self.quarter.status in SETTLED_STATUSES

    @property
    def net(self) -> Decimal | None:
        return self.result.net_amount if self.result else None

    @property
    def outcome(self) -> str:
        """The quarter's outcome in words (translated in the active language)."""
        result = self.result
        if result is None:
            return _("Not appraised")
        parts = []
        if result.award_tier != AwardTier.NONE:
            parts.append(str(AwardTier(result.award_tier).label))
        if result.disqualified:
            parts.append(_("Disqualified"))
        if result.training:
            parts.append(_("Off-post training"))
        if not parts:
            parts.append(str(AwardTier.NONE.label))
        if not self.settled:
            parts.append(_("not final yet"))
        return "; ".join(parts)

    def as_rule(self) -> YearQuarter:
        if self.result is None:
            return YearQuarter(final=None)
        return YearQuarter(
            final=self.result.final,
            award_tier=Tier(self.result.award_tier),
            net=self.result.net_amount,
            settled=self.settled,
        )


@dataclass(frozen=True)
class YearRow:
    employee: Employee
    department: Department
    cells: tuple[YearCell, ...]
    figures: YearFigures
    star: bool

    @property
    def awards(self) -> list[int]:
        return [self.figures.awards[tier] for tier in AWARD_TIERS]


def year_quarters(*, year: int) -> dict[int, Quarter]:
    return {q.number: q for q in Quarter.objects.filter(year=year)}


def year_results(*, year: int, user: User | None, department: Department | None = None) -> QuerySet:
    """The year's results a login may see, in the rows' order (department, 工号, quarter).

    `user` None is the operator at the command line, who sees everything.
    """
    results = QuarterResult.objects.filter(quarter__year=year)
    if user is not None:
        results = results.visible_to(user)
    if department is not None:
        results = results.filter(department=department)
    return results.select_related("employee", "department", "quarter").order_by(
        "employee__department__display_order",
        "employee__department__name",
        "employee__number",
        "employee_id",
        "quarter__number",
    )


def published_star_ids(*, year: int) -> set[int]:
    """The employees named service stars in a published list of the year."""
    return set(
        ServiceStar.objects.filter(
            year__year=year, year__stars_published_at__isnull=False, status=StarStatus.NAMED
        ).values_list("employee_id", flat=True)
    )


def year_rows(
    *, results: Iterable[QuarterResult], quarters: dict[int, Quarter], stars: set[int]
) -> Iterator[YearRow]:
    """Group ordered results into one row per employee, lazily."""
    current: list[QuarterResult] = []
    for result in results:
        if current and current[0].employee_id != result.employee_id:
            yield _row(current, quarters, stars)
            current = []
        current.append(result)
    if current:
        yield _row(current, quarters, stars)


def _row(results: list[QuarterResult], quarters: dict[int, Quarter], stars: set[int]) -> YearRow:
    by_number = {r.quarter.number: r for r in results}
    cells = tuple(YearCell(n, quarters.get(n), by_number.get(n)) for n in QUARTER_NUMBERS)
    employee = results[0].employee
    return YearRow(
        employee=employee,
        # The department of the latest quarter: where the employee was last judged.
        department=results[-1].department,
        cells=cells,
        figures=year_figures(cell.as_rule() for cell in cells),
        star=employee.pk in stars,
    )


SORT_KEYS = {
    "number": lambda row: row.employee.number,
    "name": lambda row: row.employee.name,
    "department": lambda row: (row.department.display_order, row.department.name),
    "q1": lambda row: _score_key(row.cells[0].final),
    "q2": lambda row: _score_key(row.cells[1].final),
    "q3": lambda row: _score_key(row.cells[2].final),
    "q4": lambda row: _score_key(row.cells[3].final),
    "average": lambda row: _score_key(row.figures.average),
    "awards": lambda row: tuple(row.awards),
    "net": lambda row: row.figures.net,
    "star": lambda row: row.star,
}


def _score_key(value: Decimal | None) -> Decimal:
    # Not appraised sorts below every score.
    return Decimal("-1") if value is None else value


@dataclass(frozen=True)
class YearSummary:
    year: int
    quarters: dict[int, Quarter]
    rows: list[YearRow]
    departments: list[Department]
    department: Department | None
    sort: str
    year_row: Year | None
    columns: list[tuple[str, str]] = field(default_factory=list)

    @property
    def has_quarters(self) -> bool:
        return bool(self.quarters)

    @property
    def quarter_cells(self) -> list[tuple[int, Quarter | None]]:
        return [(n, self.quarters.get(n)) for n in QUARTER_NUMBERS]

    @property
    def paid_quarters(self) -> int:
        """How many of the year's four quarters are paid (the demo's year may have fewer)."""
        return sum(q.status == QuarterStatus.PAID for q in self.quarters.values())

    @property
    def running(self) -> bool:
        """Some quarter of the year is not yet final (or missing)."""
        return any(
            self.quarters.get(n) is None or self.quarters[n].status not in SETTLED_STATUSES
            for n in QUARTER_NUMBERS
        )


def year_summary_for(
    *, user: User, year: int, department: Department | None = None, sort: str = ""
) -> YearSummary:
    """The year summary the login may see; staff are refused (their own is on "my scores")."""
    if not year_summary_may_open(user=user):
        raise PermissionDenied
    departments = list(Department.objects.visible_to(user))
    if department is not None and department not in departments:
        department = None
    quarters = year_quarters(year=year)
    rows = list(
        year_rows(
            results=year_results(year=year, user=user, department=department),
            quarters=quarters,
            stars=published_star_ids(year=year),
        )
    )
    key = sort.lstrip("-")
    if key in SORT_KEYS:
        rows.sort(key=SORT_KEYS[key], reverse=sort.startswith("-"))
    else:
        sort = ""
    return YearSummary(
        year=year,
        quarters=quarters,
        rows=rows,
        departments=departments,
        department=department,
        sort=sort,
        year_row=Year.objects.filter(year=year).first(),
    )


def years_with_quarters() -> list[int]:
    return sorted(set(Quarter.objects.values_list("year", flat=True)), reverse=True)


def my_star_for(*, employee: Employee) -> list[ServiceStar]:
    """The employee's published service stars, newest year first."""
    return list(
        ServiceStar.objects.filter(
            employee=employee, status=StarStatus.NAMED, year__stars_published_at__isnull=False
        )
        .select_related("year")
        .order_by("-year__year")
    )


@dataclass(frozen=True)
class StarsPage:
    year: Year
    stars: list[ServiceStar]
    candidates: list[Employee]
    quota_left: int | None
    named: int


def stars_page_for(*, user: User, year: int) -> StarsPage:
    """The year's nominations and stars: a head sees their department's, the office all."""
    if not may_open_stars(user):
        raise PermissionDenied
    row = Year.objects.filter(year=year).first() or Year(year=year)
    stars = ServiceStar.objects.filter(year__year=year).select_related(
        "employee", "department", "nominated_by", "named_by"
    )
    if not sees_every_department(user):
        stars = stars.filter(department_id=user.department_id)
    winners = (
        QuarterResult.objects.filter(quarter__year=year, quarter__status__in=SETTLED_STATUSES)
        .exclude(award_tier=AwardTier.NONE)
        .values_list("employee_id", flat=True)
    )
    taken = ServiceStar.objects.filter(year__year=year).values_list("employee_id", flat=True)
    candidates = (
        Employee.objects.visible_to(user)
        .filter(pk__in=winners, is_active=True, left_on__isnull=True)
        .exclude(pk__in=taken)
        .select_related("department")
        .order_by("department__display_order", "number")
    )
    quota_left = None
    if not may_name_stars(user):
        used = ServiceStar.objects.filter(year__year=year, department_id=user.department_id).count()
        quota_left = max(row.star_quota - used, 0)
    return StarsPage(
        year=row,
        stars=list(stars),
        candidates=list(candidates),
        quota_left=quota_left,
        named=sum(1 for s in stars if s.status == StarStatus.NAMED),
    )


@dataclass(frozen=True)
class MyYear:
    year: int
    finals: list[Decimal | None]
    stars: list[ServiceStar]

    @property
    def has_scores(self) -> bool:
        return any(f is not None for f in self.finals)


def my_year_for(*, employee: Employee, year: int) -> MyYear:
    """The employee's own four quarters of `year`, as far as they are published, and stars."""
    visible = (QuarterStatus.PUBLISHED, QuarterStatus.FINAL, QuarterStatus.PAID)
    finals = dict(
        QuarterResult.objects.filter(
            employee=employee, quarter__year=year, quarter__status__in=visible
        ).values_list("quarter__number", "final")
    )
    return MyYear(
        year=year,
        finals=[finals.get(n) for n in QUARTER_NUMBERS],
        stars=my_star_for(employee=employee),
    )
