"""Award tiers by final score, training, and the colour bands of a score (rules.md 5)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from typing import Protocol


class ScoreBand(StrEnum):
    """Colour bands of a score, named after the tier it would reach (rules.md section 5)."""

    BEST = "best"
    AMBASSADOR = "ambassador"
    STYLE = "style"
    PASS = "pass"
    TRAINING = "training"


def score_band(
    score: Decimal,
    *,
    best_min: Decimal,
    ambassador_min: Decimal,
    style_min: Decimal,
    training_below: Decimal,
) -> ScoreBand:
    """The band of `score`: the tier it would reach, or training below the training line."""
    thresholds = Thresholds(best_min, ambassador_min, style_min, training_below)
    if needs_training(score, thresholds):
        return ScoreBand.TRAINING
    return _BAND_OF_TIER[tier_of(score, thresholds)]


class Tier(StrEnum):
    """Award tiers by final score; the values are those of `models.AwardTier`."""

    BEST = "best"
    AMBASSADOR = "ambassador"
    STYLE = "style"
    NONE = "none"


class TierRules(Protocol):
    """The tier thresholds of a quarter (a `RuleSettings` row fits)."""

    best_min: Decimal
    ambassador_min: Decimal
    style_min: Decimal
    training_below: Decimal


@dataclass(frozen=True)
class Thresholds:
    """The four tier thresholds as plain values."""

    best_min: Decimal
    ambassador_min: Decimal
    style_min: Decimal
    training_below: Decimal


def tier_of(final: Decimal, rules: TierRules) -> Tier:
    """The tier `final` reaches, by half-open intervals (95 is Best Smile, 94.99 is not).

    The one place the thresholds cut scores; `score_band` colours by it.
    """
    if final >= rules.best_min:
        return Tier.BEST
    if final >= rules.ambassador_min:
        return Tier.AMBASSADOR
    if final >= rules.style_min:
        return Tier.STYLE
    return Tier.NONE


def needs_training(final: Decimal, rules: TierRules) -> bool:
    """Off-post training applies below the training line, disqualified or not."""
    return final < rules.training_below


_BAND_OF_TIER = {
    Tier.BEST: ScoreBand.BEST,
    Tier.AMBASSADOR: ScoreBand.AMBASSADOR,
    Tier.STYLE: ScoreBand.STYLE,
    Tier.NONE: ScoreBand.PASS,
}
