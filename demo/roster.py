"""The demo company's people and events, read from `data/company.json`.

The file holds every name, position, department and event text of the demo,
in UTF-8 with the Chinese as it is shown. Its "departments" are the ten of
rules.md section 1, in that order (head1 … head10 follow it); its
"office_department" is 安环部, where the assessment group (考核工作领导小组)
sits: its members lead and are not appraised. "logins" names the office's
clerk (who sits in that department) and HR's; "deduction_notes" is what a head writes beside a deduction,
per category; the events are dated `offset` days after their quarter's first
day, and "current_quarter_events" are the office's queue (customers' and
departments' reports awaiting a ruling); "past_year_events" name their quarter of
the previous calendar year, and "star_citations" are what the heads write when
they nominate that year's service stars. A "why" beside an event says what it
shows and is not loaded.

Employee numbers are stable: the department's prefix and the person's place
in it (D0603 is 货运部's third person).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any

from appraisal.models import EventKind, EventSource, EventValidity
from appraisal.rules import Category
from employees.models import DepartmentKind, EmploymentForm

DATA_FILE = Path(__file__).resolve().parent / "data" / "company.json"
DEMO_PASSWORD = "smile2026"


@dataclass(frozen=True)
class Profile:
    """How an employee tends to score, and the band their quarter average must fall in.

    On a share of days the head deducts a total drawn from a range. The band
    sits a point inside one tier of rules.md section 5, so every closed demo
    quarter shows each tier whatever dates it is built for.
    """

    deduction_share: float
    low: Decimal
    high: Decimal
    average_from: Decimal
    average_to: Decimal


# A person's "profile" in the data file names one of these.
PROFILES: dict[str, Profile] = {
    "best": Profile(0.25, Decimal("0.5"), Decimal("8"), Decimal("96.5"), Decimal("100")),
    "ambassador": Profile(0.6, Decimal("4"), Decimal("21"), Decimal("91"), Decimal("94")),
    "style": Profile(0.75, Decimal("8"), Decimal("27"), Decimal("86"), Decimal("89")),
    "plain": Profile(0.85, Decimal("12"), Decimal("29"), Decimal("81"), Decimal("84")),
    "training": Profile(0.95, Decimal("16"), Decimal("34"), Decimal("72"), Decimal("79")),
}


@dataclass(frozen=True)
class DemoPerson:
    name: str
    position: str
    form: EmploymentForm = EmploymentForm.PERMANENT
    # Empty for a supervisor, who is not appraised.
    profile: str = ""
    is_supervisor: bool = False
    left: bool = False
    joins_mid_quarter: bool = False


@dataclass(frozen=True)
class DemoDepartment:
    name: str
    kind: DepartmentKind
    number_prefix: str
    people: tuple[DemoPerson, ...]
    hosts_appraisal_office: bool = False


@dataclass(frozen=True)
class DemoEvent:
    """An event of the demo, dated `offset` days after its quarter's first day.

    `quarter` is set only on the past year's events: the quarter of that year.
    """

    number: str
    offset: int
    kind: EventKind
    note: str
    validity: EventValidity = EventValidity.VALID
    source: EventSource = EventSource.DEPARTMENT
    reported_by: str = ""
    points: Decimal | None = None
    amount: Decimal = Decimal("0")
    recorded_by_customer: bool = False
    quarter: int | None = None


@dataclass(frozen=True)
class Clerk:
    """The office's or HR's demo login: who sits behind it."""

    username: str
    name: str
    department: str


@dataclass(frozen=True)
class Company:
    departments: tuple[DemoDepartment, ...]
    office_department: DemoDepartment
    office: Clerk
    hr: Clerk
    deduction_notes: dict[Category, tuple[str, ...]]
    past_quarter_events: tuple[DemoEvent, ...]
    current_quarter_events: tuple[DemoEvent, ...]
    past_year_events: tuple[DemoEvent, ...]
    star_citations: tuple[str, ...]

    @property
    def all_departments(self) -> tuple[DemoDepartment, ...]:
        return (*self.departments, self.office_department)


@dataclass(frozen=True)
class RosterEntry:
    number: str
    person: DemoPerson
    department: DemoDepartment

    @property
    def is_appraised(self) -> bool:
        return not self.person.is_supervisor and not self.person.left


@cache
def company() -> Company:
    """The demo company of the data file, read once."""
    data = json.loads(DATA_FILE.read_text(encoding="utf-8"))
    office_department = _department(data["office_department"])
    return Company(
        departments=tuple(_department(item) for item in data["departments"]),
        office_department=office_department,
        # The office sits in the department that hosts it.
        office=Clerk(**data["logins"]["office"], department=office_department.name),
        hr=Clerk(**data["logins"]["hr"]),
        deduction_notes={
            Category(category): tuple(notes) for category, notes in data["deduction_notes"].items()
        },
        past_quarter_events=tuple(_event(item) for item in data["past_quarter_events"]),
        current_quarter_events=tuple(_event(item) for item in data["current_quarter_events"]),
        past_year_events=tuple(_event(item) for item in data["past_year_events"]),
        star_citations=tuple(data["star_citations"]),
    )


def demo_roster() -> tuple[RosterEntry, ...]:
    """Every demo employee with their stable employee number, in display order."""
    return tuple(
        RosterEntry(f"{department.number_prefix}{index:02d}", person, department)
        for department in company().all_departments
        for index, person in enumerate(department.people, start=1)
    )


def head_usernames() -> list[str]:
    return [f"head{n}" for n in range(1, len(company().departments) + 1)]


def _department(item: dict[str, Any]) -> DemoDepartment:
    return DemoDepartment(
        **{
            **item,
            "kind": DepartmentKind(item["kind"]),
            "people": tuple(_person(person) for person in item["people"]),
        }
    )


def _person(item: dict[str, Any]) -> DemoPerson:
    person = DemoPerson(**{**item, "form": EmploymentForm(item.get("form", "permanent"))})
    # A typo in the file would otherwise surface as a KeyError deep in the sheets.
    if not person.is_supervisor and person.profile not in PROFILES:
        raise ValueError(f"{DATA_FILE}: {person.name} has no known profile ({person.profile!r}).")
    return person


def _event(item: dict[str, Any]) -> DemoEvent:
    fields = {key: value for key, value in item.items() if key != "why"}
    fields["kind"] = EventKind(fields["kind"])
    fields["validity"] = EventValidity(fields.get("validity", EventValidity.VALID))
    fields["source"] = EventSource(fields.get("source", EventSource.DEPARTMENT))
    if "points" in fields:
        fields["points"] = Decimal(fields["points"])
    if "amount" in fields:
        fields["amount"] = Decimal(fields["amount"])
    return DemoEvent(**fields)
