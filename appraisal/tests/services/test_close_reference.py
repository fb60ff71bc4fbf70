"""The close's rows against a plain reference: the pure rules applied employee by employee.

The close computes in bulk (one grouped query, rows streamed into one upsert);
the reference reads each employee's sheets and events one by one and applies
rules.md with the functions of appraisal/rules/ only. On a generated company
with spot checks, events of every kind and validity, a lost award badge the
quarter before, leavers, supervisors and every tier, both must give the same
rows, on SQLite and PostgreSQL, on a first close and on a recompute.
"""

import datetime
import random
from decimal import Decimal

import pytest
from django.utils import timezone

from appraisal.models import (
    DailySheet,
    Event,
    EventKind,
    EventValidity,
    QuarterResult,
    RuleSettings,
)
from appraisal.rules import (
    DISQUALIFIES_NEXT_QUARTER,
    HUNDREDTH,
    Category,
    EventFact,
    QuarterId,
    Tier,
    award_for,
    day_total,
    quarter_outcome,
    tally_events,
)
from appraisal.services import quarter_close
from appraisal.tests.factories import QuarterFactory
from employees.models import Employee
from employees.tests.factories import DepartmentFactory, EmployeeFactory

pytestmark = pytest.mark.django_db

Q2 = QuarterId(2026, 2)
Q3 = QuarterId(2026, 3)
AFTER_Q3 = datetime.date(2026, 10, 8)
# Deficits from full marks per employee: averages from 100 down to below the training line.
DEFICITS = [0, 0, 3, 5, 6, 9, 11, 14, 15, 19, 22, 30]


def _scores(total_lost: Decimal) -> dict[str, Decimal]:
    service = Decimal("50") - min(total_lost, Decimal("50"))
    discipline = Decimal("20") - max(total_lost - Decimal("50"), Decimal("0"))
    return {
        "discipline": discipline,
        "courtesy": Decimal("10"),
        "service": service,
        "morality": Decimal("20"),
    }


def generate_company(rng: random.Random) -> None:
    departments = [DepartmentFactory(name=f"部门{i}") for i in range(3)]
    now = timezone.now()
    sheets, events = [], []
    for index in range(48):
        employee = EmployeeFactory(
            department=departments[index % 3],
            is_supervisor=index % 17 == 16,
            left_on={5: datetime.date(2026, 8, 31), 6: datetime.date(2026, 10, 1)}.get(index),
        )
        if index == 47:
            continue  # employed, but no sheet: not appraised
        deficit = DEFICITS[index % len(DEFICITS)]
        days = sorted(rng.sample(range(92), rng.randint(1 if index % 9 == 0 else 40, 70)))
        for offset in days:
            lost = Decimal(deficit) + Decimal(rng.choice(["0", "0", "0.5", "1", "2.5"]))
            day = Q3.first_day + datetime.timedelta(days=offset)
            sheets.append(DailySheet(employee=employee, day=day, **_scores(lost)))
            if rng.random() < 0.04:
                spot = Decimal(rng.choice(["0", "4", "12.5"]))
                sheets.append(
                    DailySheet(employee=employee, day=day, is_spot_check=True, **_scores(spot))
                )
        # A spot check on a day without a department sheet counts as a day of its own.
        if index % 11 == 3:
            spare = next(d for d in range(92) if d not in days)
            day = Q3.first_day + datetime.timedelta(days=spare)
            sheets.append(
                DailySheet(employee=employee, day=day, is_spot_check=True, **_scores(Decimal(7)))
            )
        for number, kind in enumerate(EventKind):
            # Every kind for someone, then some more at random.
            if rng.random() < 0.15 or index % len(EventKind) == number:
                points = None
                if kind == EventKind.MONTHLY_DEDUCTION:
                    points = Decimal(rng.choice(["5", "10", "15"]))
                elif rng.random() < 0.3:
                    points = Decimal(rng.choice(["2.5", "5", "20"]))
                validity = rng.choice(list(EventValidity))
                events.append(
                    Event(
                        employee=employee,
                        date=Q3.first_day + datetime.timedelta(days=rng.randrange(92)),
                        kind=kind,
                        points=points,
                        amount=Decimal(rng.choice(["0", "50", "-20.5", "100"])),
                        validity=validity,
                        ruled_at=None if validity == EventValidity.PENDING else now,
                    )
                )
        if index % 7 == 2:
            events.append(
                Event(
                    employee=employee,
                    date=Q2.first_day + datetime.timedelta(days=40),
                    kind=EventKind.AWARD_BADGE_LOST,
                    validity=EventValidity.VALID,
                    ruled_at=now,
                )
            )
    DailySheet.objects.bulk_create(sheets)
    Event.objects.bulk_create(events)


def reference_rows(quarter, withdrawn: dict[int, str]) -> dict[int, dict[str, object]]:
    """What the close must write, computed per employee with the pure rules."""
    rules = RuleSettings.objects.get(quarter=quarter)
    rows = {}
    for employee in Employee.objects.order_by("pk"):
        employed = (employee.is_active and employee.left_on is None) or (
            employee.left_on is not None and employee.left_on >= Q3.last_day
        )
        sheets = list(employee.sheets.filter(day__range=(Q3.first_day, Q3.last_day)))
        if employee.is_supervisor or not employed or not sheets:
            continue
        # rules.md section 2: a spot check replaces that day's department sheet.
        by_day: dict[datetime.date, DailySheet] = {}
        for sheet in sorted(sheets, key=lambda s: s.is_spot_check):
            by_day[sheet.day] = sheet
        total = sum(
            (day_total({c: getattr(s, c.value) for c in Category}) for s in by_day.values()),
            Decimal("0"),
        )
        facts = [
            EventFact(
                day=e.date, kind=e.kind, validity=e.validity, points=e.points, amount=e.amount
            )
            for e in employee.events.all()
        ]
        badge_lost_before = any(
            f.validity == EventValidity.VALID
            and f.kind in DISQUALIFIES_NEXT_QUARTER
            and QuarterId.of(f.day) == Q2
            for f in facts
        )
        outcome = quarter_outcome(
            days=len(by_day),
            total=total,
            tallies=tally_events(facts, Q3),
            award_badge_lost_before=badge_lost_before,
            rules=rules,
        )
        award_tier = Tier.NONE if employee.pk in withdrawn else outcome.award_tier
        rows[employee.pk] = {
            "department_id": employee.department_id,
            "days": outcome.days,
            "average": outcome.average,
            "bonus": outcome.bonus,
            "final": outcome.final,
            "score_tier": outcome.score_tier.value,
            "award_tier": award_tier.value,
            "award_amount": award_for(award_tier, rules).quantize(HUNDREDTH),
            "rewards": outcome.rewards,
            "fines": outcome.fines,
            "disqualified": outcome.disqualified,
            "disqualification_reasons": [d.as_json() for d in outcome.disqualifications],
            "training": outcome.training,
            "withdrawn": employee.pk in withdrawn,
            "withdrawal_reason": withdrawn.get(employee.pk, ""),
            "approval": "pending",
            "approved_by_id": None,
            "approved_at": None,
            "revocation_reason": "",
        }
    return rows


def stored_rows(quarter) -> dict[int, dict[str, object]]:
    rows = QuarterResult.objects.filter(quarter=quarter).order_by("employee_id")
    return {row.pop("employee_id"): row for row in rows.values("employee_id", *REFERENCE_COLUMNS)}


REFERENCE_COLUMNS = (
    "department_id",
    "days",
    "average",
    "bonus",
    "final",
    "score_tier",
    "award_tier",
    "award_amount",
    "rewards",
    "fines",
    "disqualified",
    "disqualification_reasons",
    "training",
    "withdrawn",
    "withdrawal_reason",
    "approval",
    "approved_by_id",
    "approved_at",
    "revocation_reason",
)


@pytest.mark.parametrize("seed", [1, 2])
def test_the_close_writes_the_rows_the_rules_give_employee_by_employee(seed):
    QuarterFactory(year=2026, number=2)
    quarter = QuarterFactory(year=2026, number=3)
    generate_company(random.Random(seed))

    report = quarter_close(quarter=quarter, closed_by=None, today=AFTER_Q3)

    expected = reference_rows(quarter, withdrawn={})
    assert stored_rows(quarter) == expected
    assert report.results == len(expected)
    assert report.winners == sum(r["award_tier"] != "none" for r in expected.values())
    assert report.disqualified == sum(r["disqualified"] for r in expected.values())
    # The generated company covers what the rules distinguish.
    assert {r["score_tier"] for r in expected.values()} == {t.value for t in Tier}
    assert {r["award_tier"] for r in expected.values()} == {t.value for t in Tier}
    assert any(r["disqualified"] for r in expected.values())
    assert any(r["training"] for r in expected.values())
    assert any(r["bonus"] for r in expected.values())
    assert set(Event.objects.values_list("kind", flat=True)) == set(EventKind.values)
    assert DailySheet.objects.filter(is_spot_check=True).exists()


def test_a_recompute_after_a_withdrawal_writes_the_rows_the_rules_give():
    QuarterFactory(year=2026, number=2)
    quarter = QuarterFactory(year=2026, number=3)
    generate_company(random.Random(3))
    quarter_close(quarter=quarter, closed_by=None, today=AFTER_Q3)
    winner = QuarterResult.objects.filter(quarter=quarter).exclude(award_tier="none").first()
    QuarterResult.objects.filter(pk=winner.pk).update(withdrawn=True, withdrawal_reason="调岗")
    ids_before = dict(QuarterResult.objects.values_list("employee_id", "pk"))

    quarter_close(quarter=quarter, closed_by=None, today=AFTER_Q3)

    expected = reference_rows(quarter, withdrawn={winner.employee_id: "调岗"})
    assert stored_rows(quarter) == expected
    assert expected[winner.employee_id]["award_amount"] == Decimal("0.00")
    assert dict(QuarterResult.objects.values_list("employee_id", "pk")) == ids_before
