"""The year: its figures and its service stars (rules.md 7)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from appraisal.rules.scores import HUNDREDTH, round_half_up
from appraisal.rules.tiers import Tier

# --- The year (rules.md section 7) -----------------------------------------------


@dataclass(frozen=True)
class YearQuarter:
    """One quarter of an employee's year as the summary counts it.

    `final` is None for a quarter without a result (not appraised, or not yet
    closed). Awards and money count only once the quarter is `settled` (final
    or paid): until then the list may still change.
    """

    final: Decimal | None
    award_tier: Tier = Tier.NONE
    net: Decimal = Decimal("0")
    settled: bool = False


@dataclass(frozen=True)
class YearFigures:
    average: Decimal | None
    awards: dict[Tier, int]
    net: Decimal


AWARD_TIERS: tuple[Tier, ...] = (Tier.BEST, Tier.AMBASSADOR, Tier.STYLE)


def year_figures(quarters: Iterable[YearQuarter]) -> YearFigures:
    """The year's average of the quarters that hold a score (half-up, 2 places), awards
    by tier and net money of the settled quarters."""
    quarters = list(quarters)
    finals = [q.final for q in quarters if q.final is not None]
    average = round_half_up(Fraction(sum(finals, Decimal("0"))) / len(finals)) if finals else None
    settled = [q for q in quarters if q.settled]
    awards = {tier: sum(1 for q in settled if q.award_tier == tier) for tier in AWARD_TIERS}
    net = sum((q.net for q in settled), Decimal("0")).quantize(HUNDREDTH)
    return YearFigures(average=average, awards=awards, net=net)


def star_candidate_problem(*, awards_in_year: int, has_left: bool) -> str | None:
    """Why an employee cannot be a service star, as a code; None when they can."""
    if has_left:
        return "left"
    if awards_in_year < 1:
        return "no_award"
    return None
