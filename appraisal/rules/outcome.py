"""An appraised employee's quarter: disqualifications, bonus, final score, award (rules.md 3 to 5)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from typing import Protocol

from appraisal.rules.events import (
    DEDUCTION_KINDS,
    DISQUALIFIES_THIS_QUARTER,
    PRAISE_KINDS,
    EventTally,
    PointRules,
)
from appraisal.rules.scores import HUNDREDTH, TENTH, average_from_sum
from appraisal.rules.tiers import Tier, TierRules, needs_training, tier_of


class OutcomeRules(TierRules, PointRules, Protocol):
    """The settings a quarter's outcome depends on (a `RuleSettings` row fits)."""

    best_award: Decimal
    ambassador_award: Decimal
    style_award: Decimal
    monthly_deduction_limit: Decimal


def award_for(tier: Tier, rules: OutcomeRules) -> Decimal:
    """The award money of `tier` in CNY."""
    return {
        Tier.BEST: rules.best_award,
        Tier.AMBASSADOR: rules.ambassador_award,
        Tier.STYLE: rules.style_award,
    }.get(tier, Decimal("0.00"))


class NotAppraised(StrEnum):
    """Why an employee has no result for a quarter."""

    SUPERVISOR = "supervisor"
    NO_SHEETS = "no_sheets"


def not_appraised_reason(*, is_supervisor: bool, days: int) -> NotAppraised | None:
    """Supervisors and above are not appraised; nor is anyone without a sheet."""
    if is_supervisor:
        return NotAppraised.SUPERVISOR
    if days <= 0:
        return NotAppraised.NO_SHEETS
    return None


class Reason(StrEnum):
    """Codes of disqualification reasons that are not an event kind of the quarter."""

    MONTHLY_DEDUCTIONS = "monthly_deductions"
    AWARD_BADGE_LOST_PREVIOUS = "award_badge_lost_previous_quarter"


@dataclass(frozen=True)
class Disqualification:
    """One reason an employee loses the quarter's award, with what it rests on.

    `code` is an event kind (a complaint, a lost work badge) or a `Reason`.
    """

    code: str
    count: int | None = None
    month: int | None = None
    points: Decimal | None = None

    @classmethod
    def from_json(cls, data: object) -> Disqualification | None:
        """The reason `as_json` wrote, or None for anything else (older or hand-made rows)."""
        if not isinstance(data, dict) or not isinstance(data.get("code"), str):
            return None
        if set(data) - {"code", "count", "month", "points"}:
            return None
        try:
            return cls(
                code=data["code"],
                count=None if data.get("count") is None else int(data["count"]),
                month=None if data.get("month") is None else int(data["month"]),
                points=None if data.get("points") is None else Decimal(str(data["points"])),
            )
        except (TypeError, ValueError, ArithmeticError):
            return None

    def as_json(self) -> dict[str, object]:
        data: dict[str, object] = {"code": self.code}
        if self.count is not None:
            data["count"] = self.count
        if self.month is not None:
            data["month"] = self.month
        if self.points is not None:
            data["points"] = str(self.points.quantize(TENTH))
        return data


def monthly_deduction_points(
    tallies: Iterable[EventTally], rules: PointRules
) -> dict[int, Decimal]:
    """Deduction points per calendar month (rules.md section 3)."""
    by_month: dict[int, Decimal] = {}
    for tally in tallies:
        if tally.kind in DEDUCTION_KINDS:
            by_month[tally.month] = by_month.get(tally.month, Decimal("0")) + tally.total_points(
                rules
            )
    return by_month


def disqualifications(
    tallies: Iterable[EventTally], *, award_badge_lost_before: bool, rules: OutcomeRules
) -> list[Disqualification]:
    """Every reason the employee is disqualified for the quarter, not just the first.

    Valid complaints and a lost work badge in the quarter; any calendar month
    with `monthly_deduction_limit` deduction points or more (the limit
    included); an award badge lost in the previous quarter.
    """
    tallies = list(tallies)
    counts: dict[str, int] = {}
    for tally in tallies:
        if tally.kind in DISQUALIFIES_THIS_QUARTER:
            counts[tally.kind] = counts.get(tally.kind, 0) + tally.count
    reasons = [Disqualification(code=kind, count=counts[kind]) for kind in sorted(counts)]
    for month, points in sorted(monthly_deduction_points(tallies, rules).items()):
        if points >= rules.monthly_deduction_limit:
            reasons.append(
                Disqualification(code=Reason.MONTHLY_DEDUCTIONS, month=month, points=points)
            )
    if award_badge_lost_before:
        reasons.append(Disqualification(code=Reason.AWARD_BADGE_LOST_PREVIOUS))
    return reasons


@dataclass(frozen=True)
class Outcome:
    """An appraised employee's quarter, as rules.md section 5 computes it."""

    days: int
    average: Decimal
    bonus: Decimal
    final: Decimal
    score_tier: Tier
    award_tier: Tier
    award_amount: Decimal
    rewards: Decimal
    fines: Decimal
    disqualifications: tuple[Disqualification, ...]
    training: bool

    @property
    def disqualified(self) -> bool:
        return bool(self.disqualifications)

    @property
    def net_amount(self) -> Decimal:
        return self.award_amount + self.rewards - self.fines


def quarter_outcome(
    *,
    days: int,
    total: Decimal,
    tallies: Iterable[EventTally],
    award_badge_lost_before: bool,
    rules: OutcomeRules,
) -> Outcome:
    """The outcome of an employee with `days` counted sheets whose totals add up to `total`.

    `tallies` are the employee's valid events of the quarter. The bonus has no
    cap, so `final` may exceed 100. Training applies below the training line
    whether or not the employee is disqualified.
    """
    average = average_from_sum(total, days)
    if average is None:
        raise ValueError("an employee without sheets has no outcome")
    tallies = list(tallies)
    bonus = sum(
        (t.total_points(rules) for t in tallies if t.kind in PRAISE_KINDS), Decimal("0")
    ).quantize(HUNDREDTH)
    final = (average + bonus).quantize(HUNDREDTH)
    score_tier = tier_of(final, rules)
    reasons = tuple(
        disqualifications(tallies, award_badge_lost_before=award_badge_lost_before, rules=rules)
    )
    award_tier = Tier.NONE if reasons else score_tier
    return Outcome(
        days=days,
        average=average,
        bonus=bonus,
        final=final,
        score_tier=score_tier,
        award_tier=award_tier,
        award_amount=award_for(award_tier, rules).quantize(HUNDREDTH),
        rewards=sum((t.rewards for t in tallies), Decimal("0")).quantize(HUNDREDTH),
        fines=sum((t.fines for t in tallies), Decimal("0")).quantize(HUNDREDTH),
        disqualifications=reasons,
        training=needs_training(final, rules),
    )
