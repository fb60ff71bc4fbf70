"""The demo's past year: the previous calendar year, settled and with its service stars.

A new user should find a real year summary, stars and a year to archive. The
year is the one before today's: the earliest a sheet or an event may be dated
(rules.md section 4, `earliest_day`) is 1 January of it, unless the company's
start date is later, and then the quarters that begin before that date are
left out. Its quarter that is the demo's past quarter (when today falls in a
first quarter) stays with the loader, published and in its notice; so a
year has four paid quarters, or three early in a year.

Every quarter goes through the services as the office and HR would move it:
closed ten days after its end and published the same day, final the day after
its notice ends, then paid. Heads nominate, the office names and adds stars and
publishes them. The year is left unarchived, so the user can try archiving it.
Each step runs only when its quarter (or the year's stars) is not there yet,
so a second load changes nothing.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from appraisal.models import (
    AwardTier,
    Quarter,
    QuarterResult,
    QuarterStatus,
    ServiceStar,
    StarStatus,
)
from appraisal.rules import QuarterId, earliest_day, final_from
from appraisal.selectors import company_start_date
from appraisal.services import (
    quarter_approve,
    quarter_close,
    quarter_ensure,
    quarter_finalize,
    quarter_mark_paid,
)
from appraisal.services.year import (
    SETTLED_STATUSES,
    star_add,
    star_name,
    star_nominate,
    stars_publish,
    year_ensure,
)
from demo.events import events_add
from demo.roster import RosterEntry, company
from demo.sheets import sheets_add
from employees.models import Employee, User

# The list is published this many days after the quarter's end, as for the past quarter.
PUBLISH_AFTER = datetime.timedelta(days=10)
# The past year's sheets are a sample, every Wednesday, so that a whole year loads
# quickly; the close averages whatever days a quarter has.
SAMPLE_WEEKDAY = 2
# Of the heads' nominations, the office names the strongest few and adds one of its own.
NAMED_NOMINEES = 6


@dataclass(frozen=True)
class DemoYear:
    year: int
    quarters: tuple[tuple[str, QuarterStatus], ...]
    sheets_added: int
    events_added: int
    stars: int
    archived: bool

    @property
    def paid(self) -> int:
        return sum(status == QuarterStatus.PAID for _code, status in self.quarters)


def demo_year_quarters(*, today: datetime.date, past: QuarterId) -> list[QuarterId]:
    """The quarters of the previous calendar year the demo builds and settles itself."""
    year = today.year - 1
    first = earliest_day(company_start_date(), today)
    return [
        qid
        for qid in (QuarterId(year, number) for number in range(1, 5))
        if qid != past and qid.first_day >= first
    ]


def demo_year_load(
    *,
    roster: tuple[RosterEntry, ...],
    employees: dict[str, Employee],
    heads: dict[str, User],
    office: User,
    hr: User,
    today: datetime.date,
    past: QuarterId,
) -> DemoYear:
    year = today.year - 1
    quarters = [quarter_ensure(qid=qid) for qid in demo_year_quarters(today=today, past=past)]
    open_quarters = [q for q in quarters if q.status == QuarterStatus.OPEN]
    sheets_added = sheets_add(
        roster=roster,
        employees=employees,
        quarters=open_quarters,
        spot_check_quarter=None,
        heads=heads,
        office=office,
        today=today,
        weekday=SAMPLE_WEEKDAY,
    )
    events_added = 0
    for quarter in open_quarters:
        events_added += events_add(
            specs=tuple(e for e in company().past_year_events if e.quarter == quarter.number),
            quarter=quarter,
            employees=employees,
            heads=heads,
            office=office,
            today=today,
        )
    quarters = [_settle(quarter=q, office=office, hr=hr, today=today) for q in quarters]
    row = year_ensure(year=year)
    if quarters and not row.stars_published and not row.is_archived:
        _stars(year=year, employees=employees, heads=heads, office=office)
        row.refresh_from_db()
    return DemoYear(
        year=year,
        quarters=year_quarter_statuses(year=year),
        sheets_added=sheets_added,
        events_added=events_added,
        stars=ServiceStar.objects.filter(year=row, status=StarStatus.NAMED).count(),
        archived=row.is_archived,
    )


def year_quarter_statuses(*, year: int) -> tuple[tuple[str, QuarterStatus], ...]:
    return tuple(
        (q.code, QuarterStatus(q.status))
        for q in Quarter.objects.filter(year=year).order_by("number")
    )


def _settle(*, quarter: Quarter, office: User, hr: User, today: datetime.date) -> Quarter:
    """Move the quarter on as far as `today` allows: closed, published, final, paid."""
    published_on = min(today, quarter.last_day + PUBLISH_AFTER)
    if quarter.status == QuarterStatus.OPEN:
        quarter_close(quarter=quarter, closed_by=office, today=published_on)
        quarter.refresh_from_db()
    if quarter.status == QuarterStatus.CLOSED:
        quarter = quarter_approve(quarter=quarter, approved_by=office, on=published_on, today=today)
    if quarter.status == QuarterStatus.PUBLISHED:
        final_on = final_from(quarter.notice_ends_on)
        if final_on > today:
            return quarter
        quarter = quarter_finalize(quarter=quarter, today=final_on, finalized_by=office)
    if quarter.status == QuarterStatus.FINAL:
        quarter = quarter_mark_paid(quarter=quarter, paid_by=hr)
    return quarter


def _stars(
    *, year: int, employees: dict[str, Employee], heads: dict[str, User], office: User
) -> None:
    """Each head nominates their strongest employee; the office names, adds one and publishes."""
    if ServiceStar.objects.filter(year__year=year).exists():
        return
    # Awards and the sum of finals over the year's settled quarters, per employee still employed.
    awards: dict[int, int] = defaultdict(int)
    finals: dict[int, Decimal] = defaultdict(Decimal)
    results = QuarterResult.objects.filter(
        quarter__year=year,
        quarter__status__in=SETTLED_STATUSES,
        employee__in=list(employees.values()),
        employee__is_active=True,
        employee__left_on__isnull=True,
    ).values_list("employee_id", "award_tier", "final")
    for employee_id, tier, final in results:
        awards[employee_id] += tier != AwardTier.NONE
        finals[employee_id] += final or 0
    by_pk = {employee.pk: employee for employee in employees.values()}
    ranked = sorted(
        (pk for pk in awards if awards[pk]),
        key=lambda pk: (-awards[pk], -finals[pk], by_pk[pk].number),
    )
    citations = company().star_citations
    nominees: list[ServiceStar] = []
    for department, head in heads.items():
        best = next((pk for pk in ranked if by_pk[pk].department.name == department), None)
        if best is None:
            continue
        nominees.append(
            star_nominate(
                year=year,
                employee=by_pk[best],
                citation=citations[len(nominees) % len(citations)],
                nominated_by=head,
            )
        )
    if not nominees:
        return
    order = {pk: index for index, pk in enumerate(ranked)}
    nominees.sort(key=lambda star: order[star.employee_id])
    for star in nominees[:NAMED_NOMINEES]:
        star_name(star=star, named_by=office)
    listed = {star.employee_id for star in nominees}
    own = next((pk for pk in ranked if pk not in listed), None)
    if own is not None:
        star_add(year=year, employee=by_pk[own], citation=citations[-1], added_by=office)
    stars_publish(year=year, published_by=office)
