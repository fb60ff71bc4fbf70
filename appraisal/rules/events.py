"""Kinds of events, their points and money, and their monthly tallies (rules.md 3 and 4)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Protocol

from appraisal.rules.quarters import QuarterId

# --- Events (rules.md sections 3 and 4) ------------------------------------------
# Kinds are the string values of `appraisal.models.EventKind`; a test keeps the
# two in step.

PRAISE_KINDS = frozenset({"praise_letter", "pennant", "company_commendation", "wechat_praise"})
COMPLAINT_KINDS = frozenset(
    {"group_complaint", "company_complaint", "internal_complaint", "wechat_complaint"}
)
# Kinds whose points are monthly deduction points (rules.md section 3).
DEDUCTION_KINDS = frozenset(
    {"monthly_deduction", "badge_not_worn", "work_badge_lost", "award_badge_lost"}
)
DISQUALIFIES_THIS_QUARTER = COMPLAINT_KINDS | {"work_badge_lost"}
DISQUALIFIES_NEXT_QUARTER = frozenset({"award_badge_lost"})


class PointRules(Protocol):
    """The point settings of a quarter (a `RuleSettings` row fits)."""

    praise_points: Decimal
    badge_not_worn_points: Decimal
    badge_lost_points: Decimal


def event_points(kind: str, points: Decimal | None, rules: PointRules) -> Decimal | None:
    """The points an event carries: its own, or its kind's rule default when blank.

    Praise points are added to the final score; deduction points count toward
    the month's deduction total. Complaints carry no points.
    """
    if points is not None:
        return points
    if kind in PRAISE_KINDS:
        return rules.praise_points
    if kind == "badge_not_worn":
        return rules.badge_not_worn_points
    if kind in {"work_badge_lost", "award_badge_lost"}:
        return rules.badge_lost_points
    return None


class FineRules(Protocol):
    """The fine settings of a quarter (a `RuleSettings` row fits)."""

    work_badge_fine: Decimal
    award_badge_fine: Decimal


def event_amount(kind: str, amount: Decimal | None, rules: FineRules) -> Decimal:
    """The money an event carries: its own, or, when blank, a lost badge's fine (else none).

    Positive is a reward, negative a fine (rules.md section 4).
    """
    if amount is not None:
        return amount
    if kind == "work_badge_lost":
        return -rules.work_badge_fine
    if kind == "award_badge_lost":
        return -rules.award_badge_fine
    return Decimal("0")


@dataclass(frozen=True)
class EventFact:
    """One event as the rules see it."""

    day: date
    kind: str
    validity: str
    points: Decimal | None = None
    amount: Decimal = Decimal("0")


@dataclass(frozen=True)
class EventTally:
    """The valid events of one kind in one calendar month, added up.

    The close builds these with a grouped query; `tally_events` builds them
    from single events. `blank_points` counts the events that carry no points of
    their own and so take their kind's rule default.
    """

    kind: str
    month: int
    count: int
    points: Decimal = Decimal("0")
    blank_points: int = 0
    rewards: Decimal = Decimal("0")
    fines: Decimal = Decimal("0")

    def total_points(self, rules: PointRules) -> Decimal:
        default = event_points(self.kind, None, rules) or Decimal("0")
        return self.points + default * self.blank_points


def tally_events(events: Iterable[EventFact], quarter: QuarterId) -> list[EventTally]:
    """The tallies of the valid events dated in `quarter`; pending, invalid and others drop out."""
    groups: dict[tuple[str, int], list[EventFact]] = {}
    for event in events:
        if event.validity != "valid" or QuarterId.of(event.day) != quarter:
            continue
        groups.setdefault((event.kind, event.day.month), []).append(event)
    return [
        EventTally(
            kind=kind,
            month=month,
            count=len(group),
            points=sum((e.points for e in group if e.points is not None), Decimal("0")),
            blank_points=sum(1 for e in group if e.points is None),
            rewards=sum((e.amount for e in group if e.amount > 0), Decimal("0")),
            fines=sum((-e.amount for e in group if e.amount < 0), Decimal("0")),
        )
        for (kind, month), group in sorted(groups.items())
    ]
