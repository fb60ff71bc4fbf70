"""The demo company behind `manage.py load_demo`, built in one transaction.

Everything is deterministic: the roster is the fixed list of data/company.json
(see `demo.roster`), and the sheets come from seeded generators (see
`demo.sheets`). Dates are relative to "today": the past quarter is the
calendar quarter before today's, and the current quarter is filled with
working days up to yesterday. The previous calendar year is settled and has
its service stars (see `demo.year`).

Rows are looked up by their natural keys (department name, username, employee
number, sheet employee/day/kind, event employee/kind/note within the quarter)
and only written when missing or different, so a second run changes nothing.
"""

from __future__ import annotations

import dataclasses
import datetime
from dataclasses import dataclass

from django.contrib.auth.models import Group
from django.db import transaction
from django.utils import timezone

from appraisal.models import DailySheet, Event, Quarter, QuarterStatus
from appraisal.rules import QuarterId
from appraisal.services import quarter_approve, quarter_close, quarter_ensure
from demo.events import events_add
from demo.people import (
    DemoLogin,
    departments_upsert,
    employees_upsert,
    shared_password_hash,
    staff_logins_upsert,
    work_badges_issue,
)
from demo.roster import company, demo_roster, head_usernames
from demo.sheets import sheets_add
from demo.year import DemoYear, demo_year_load, year_quarter_statuses
from employees.models import Employee, Role, User
from employees.services import role_groups_sync


@dataclass(frozen=True)
class DemoSummary:
    today: datetime.date
    past_quarter: QuarterId
    current_quarter: QuarterId
    logins: tuple[DemoLogin, ...]
    departments: int
    employees: int
    sheets: int
    sheets_added: int
    events: int
    events_added: int
    pending_events: int
    skipped_quarters: tuple[str, ...]
    past_quarter_status: QuarterStatus
    published_on: datetime.date | None
    notice_ends_on: datetime.date | None
    year: DemoYear


@transaction.atomic
def demo_company_load(*, today: datetime.date | None = None) -> DemoSummary:
    """Build (or bring up to date) the demo company; running it again changes nothing."""
    today = today or timezone.localdate()
    past_qid = QuarterId.of(today).previous()
    current_qid = QuarterId.of(today)
    role_groups_sync()
    groups = {role: Group.objects.get(name=role.value) for role in Role}
    past = quarter_ensure(qid=past_qid)
    current = quarter_ensure(qid=current_qid)
    demo = company()

    departments = departments_upsert()
    roster = demo_roster()
    password = shared_password_hash(
        usernames=[
            demo.office.username,
            demo.hr.username,
            *head_usernames(),
            *(e.number for e in roster),
        ]
    )
    office, heads, logins = staff_logins_upsert(
        departments=departments, groups=groups, password=password
    )
    employees = employees_upsert(
        roster=roster, departments=departments, groups=groups, password=password, past=past_qid
    )
    logins += [
        DemoLogin(
            entry.number,
            Role.STAFF,
            entry.department.name,
            entry.person.name,
            not entry.person.left,
        )
        for entry in roster
    ]
    work_badges_issue(roster=roster, employees=employees, past=past_qid, issued_by=office)
    # The past year first: its quarters come before the past quarter's close.
    year = demo_year_load(
        roster=roster,
        employees=employees,
        heads=heads,
        office=office,
        hr=User.objects.get(username=demo.hr.username),
        today=today,
        past=past_qid,
    )

    open_quarters = [q for q in (past, current) if not q.is_locked]
    sheets_added = sheets_add(
        roster=roster,
        employees=employees,
        quarters=open_quarters,
        spot_check_quarter=past,
        heads=heads,
        office=office,
        today=today,
    )
    events_added = 0
    if not past.is_locked:
        events_added += events_add(
            specs=demo.past_quarter_events,
            quarter=past,
            employees=employees,
            heads=heads,
            office=office,
            today=today,
        )
    if not current.is_locked:
        events_added += events_add(
            specs=demo.current_quarter_events,
            quarter=current,
            employees=employees,
            heads=heads,
            office=office,
            today=today,
        )

    skipped = tuple(q.code for q in (past, current) if q.is_locked)
    past = _past_quarter_publish(quarter=past, current=current_qid, office=office, today=today)

    demo_employees = Employee.objects.filter(number__in=[e.number for e in roster])
    demo_events = Event.objects.filter(employee__in=demo_employees)
    return DemoSummary(
        today=today,
        past_quarter=past_qid,
        current_quarter=current_qid,
        logins=tuple(logins),
        departments=len(departments),
        employees=demo_employees.count(),
        sheets=DailySheet.objects.filter(employee__in=demo_employees).count(),
        sheets_added=sheets_added + year.sheets_added,
        events=demo_events.count(),
        events_added=events_added + year.events_added,
        pending_events=demo_events.pending().count(),
        skipped_quarters=skipped,
        past_quarter_status=QuarterStatus(past.status),
        published_on=past.published_on,
        notice_ends_on=past.notice_ends_on,
        # The past quarter may belong to the past year, and has just been published.
        year=dataclasses.replace(year, quarters=year_quarter_statuses(year=year.year)),
    )


def _past_quarter_publish(
    *, quarter: Quarter, current: QuarterId, office: User, today: datetime.date
) -> Quarter:
    """Close the past quarter and publish its list, so the demo always has a notice to show.

    The office publishes ten days into the next quarter (or today, when that is
    sooner): early in a quarter the notice is running, later on it has ended
    and the quarter waits for the daily finalize job. A quarter someone has
    already closed is left as it is.
    """
    if quarter.status == QuarterStatus.OPEN:
        quarter_close(quarter=quarter, closed_by=office, today=today)
        published_on = min(today, current.first_day + datetime.timedelta(days=9))
        quarter = quarter_approve(quarter=quarter, approved_by=office, on=published_on, today=today)
    return quarter
