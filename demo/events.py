"""The demo's events: recorded once each (same employee, kind and note within the quarter)."""

from __future__ import annotations

import datetime

from appraisal.models import Event, EventValidity, Quarter
from appraisal.services import event_record
from demo.roster import DemoEvent
from employees.models import Employee, User


def events_add(
    *,
    specs: tuple[DemoEvent, ...],
    quarter: Quarter,
    employees: dict[str, Employee],
    heads: dict[str, User],
    office: User,
    today: datetime.date,
) -> int:
    """Record the quarter's demo events that are not there yet (same employee, kind and note)."""
    existing = set(
        Event.objects.in_quarter(quarter)
        .filter(employee__in=list(employees.values()))
        .values_list("employee_id", "kind", "note")
    )
    added = 0
    for spec in specs:
        employee = employees[spec.number]
        if (employee.pk, spec.kind.value, spec.note) in existing:
            continue
        # Events never lie in the future: early in a quarter they bunch up on today.
        date = min(quarter.first_day + datetime.timedelta(days=spec.offset), quarter.last_day)
        date = min(date, today)
        if spec.recorded_by_customer:
            recorded_by = None
        elif spec.validity == EventValidity.PENDING:
            recorded_by = heads.get(employee.department.name, office)
        else:
            # A ruled event carries the office as its ruler.
            recorded_by = office
        event_record(
            employee=employee,
            date=date,
            kind=spec.kind,
            recorded_by=recorded_by,
            points=spec.points,
            amount=spec.amount,
            source=spec.source,
            reported_by=spec.reported_by,
            note=spec.note,
            validity=spec.validity,
            today=today,
        )
        added += 1
    return added
