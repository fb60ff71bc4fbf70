"""The appraisal rules (shared/spec/rules.md) as pure, typed functions.

Nothing here touches the ORM: callers pass plain values in and get plain values
back, so every rule can be tested in isolation. Numbers that the appraisal
office may change per quarter are *not* here; they live in `RuleSettings` rows
and are passed in. What is here is fixed by the measures themselves: the four
categories of the daily sheet and their maxima, and the calendar arithmetic of
quarters.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from enum import StrEnum
from fractions import Fraction
from typing import Protocol


class Category(StrEnum):
    DISCIPLINE = "discipline"
    COURTESY = "courtesy"
    SERVICE = "service"
    MORALITY = "morality"


# The category maxima sum to 100 and are fixed by the measures; the database
# constraints on DailySheet are generated from this table.
CATEGORY_MAX: dict[Category, Decimal] = {
    Category.DISCIPLINE: Decimal("20"),
    Category.COURTESY: Decimal("10"),
    Category.SERVICE: Decimal("50"),
    Category.MORALITY: Decimal("20"),
}
FULL_MARKS = sum(CATEGORY_MAX.values(), Decimal("0"))

_QUARTER_CODE = re.compile(r"^(?P<year>\d{4})Q(?P<number>[1-4])$")


@dataclass(frozen=True, order=True)
class QuarterId:
    """A calendar quarter, written `2026Q3` (1 July – 30 September 2026)."""

    year: int
    number: int

    @classmethod
    def parse(cls, code: str) -> QuarterId:
        match = _QUARTER_CODE.match(code.strip().upper())
        if not match:
            raise ValueError(f"{code!r} is not a quarter; write it like 2026Q3")
        return cls(int(match["year"]), int(match["number"]))

    @classmethod
    def of(cls, day: date) -> QuarterId:
        return cls(day.year, (day.month - 1) // 3 + 1)

    @property
    def code(self) -> str:
        return f"{self.year}Q{self.number}"

    @property
    def first_day(self) -> date:
        return date(self.year, 3 * self.number - 2, 1)

    @property
    def last_day(self) -> date:
        return self.next().first_day - timedelta(days=1)

    def next(self) -> QuarterId:
        if self.number == 4:
            return QuarterId(self.year + 1, 1)
        return QuarterId(self.year, self.number + 1)

    def previous(self) -> QuarterId:
        if self.number == 1:
            return QuarterId(self.year - 1, 4)
        return QuarterId(self.year, self.number - 1)

    def __str__(self) -> str:
        return self.code


def check_one_decimal(value: Decimal) -> bool:
    """True when `value` has at most one decimal place (0.5-point deductions)."""
    return value == value.quantize(Decimal("0.1"))


# --- The daily sheet -----------------------------------------------------------

TENTH = Decimal("0.1")
HUNDREDTH = Decimal("0.01")


class ScoreProblem(StrEnum):
    """Why a category score cannot be saved."""

    OUT_OF_RANGE = "out_of_range"
    TOO_MANY_DECIMALS = "too_many_decimals"


def score_problem(category: Category, value: Decimal) -> ScoreProblem | None:
    """What is wrong with `value` as the score of `category`, or None when it is fine.

    A score lies between 0 and the category's maximum and has at most one
    decimal place (rules.md section 2).
    """
    if not value.is_finite() or value < 0 or value > CATEGORY_MAX[category]:
        return ScoreProblem.OUT_OF_RANGE
    if not check_one_decimal(value):
        return ScoreProblem.TOO_MANY_DECIMALS
    return None


def full_marks() -> dict[Category, Decimal]:
    """The scores a sheet is pre-filled with: every category at its maximum."""
    return dict(CATEGORY_MAX)


def day_total(scores: Mapping[Category, Decimal]) -> Decimal:
    """The day's total: the sum of the four category scores (0–100)."""
    return sum((scores[category] for category in Category), Decimal("0"))


def round_half_up(value: Decimal | Fraction, places: int = 2) -> Decimal:
    """`value` rounded half-up to `places` decimals, exactly (no float on the way)."""
    exact = Fraction(value)
    scale = 10**places
    scaled = exact * scale
    sign = -1 if scaled < 0 else 1
    whole, remainder = divmod(abs(scaled.numerator), scaled.denominator)
    if 2 * remainder >= scaled.denominator:
        whole += 1
    return (Decimal(sign * whole) / scale).quantize(Decimal(1).scaleb(-places))


def average_from_sum(total: Decimal, days: int) -> Decimal | None:
    """The mean of `days` daily totals that add up to `total`, half-up to 2 places.

    None when there is no day: an employee without sheets has no average.
    """
    if days <= 0:
        return None
    return round_half_up(Fraction(total) / days, 2)


def average_of_totals(totals: Iterable[Decimal]) -> Decimal | None:
    """The mean of the daily totals, half-up to 2 places; None for no day."""
    values = list(totals)
    return average_from_sum(sum(values, Decimal("0")), len(values))


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


# --- The quarter's outcome (rules.md section 5) ---------------------------------


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


class OutcomeRules(TierRules, PointRules, Protocol):
    """The settings a quarter's outcome depends on (a `RuleSettings` row fits)."""

    best_award: Decimal
    ambassador_award: Decimal
    style_award: Decimal
    monthly_deduction_limit: Decimal


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


def may_close(quarter: QuarterId, *, today: date, force: bool = False) -> bool:
    """A quarter closes from its last day on; `force` closes it early (corrections, tests)."""
    return force or today >= quarter.last_day


def appraisal_day(quarter: QuarterId, *, closed_on: date | None = None) -> date:
    """The day on which an employee must still be employed to be appraised.

    The quarter's last day; or, for a close before it, the day of that close,
    which ends the quarter's entry (rules.md section 5, "Decision (who)").
    """
    if closed_on is not None and closed_on < quarter.last_day:
        return closed_on
    return quarter.last_day


# --- From the list to the money (rules.md section 6) -----------------------------


def add_months(day: date, months: int) -> date:
    """`day` plus whole calendar months, clamped at the month's end (31 Jan + 1 → 28 Feb)."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    month += 1
    last = (date(year + (month == 12), month % 12 + 1, 1) - timedelta(days=1)).day
    return date(year, month, min(day.day, last))


def notice_end(published_on: date, months: int = 1) -> date:
    """The last day of the public notice: the publishing date plus `months`, that day included."""
    return add_months(published_on, months)


def final_from(notice_ends_on: date) -> date:
    """The first day the quarter can be final: the day after the notice ends."""
    return notice_ends_on + timedelta(days=1)


def payout_month(notice_ends_on: date) -> date:
    """The first day of the month the bonus is paid in: the month after the notice ends."""
    return add_months(notice_ends_on.replace(day=1), 1)


def notice_over(*, notice_ends_on: date, today: date) -> bool:
    """Whether the public notice has ended by `today`: its last day is included."""
    return today >= final_from(notice_ends_on)


def may_finalize(*, notice_ends_on: date, today: date, pending_objections: int) -> bool:
    """Final from the day after the notice ends, and only with no objection pending."""
    return today >= final_from(notice_ends_on) and pending_objections == 0


# --- The days sheets and events may be dated (rules.md section 4, "dates") ---------------


class DateProblem(StrEnum):
    """Why a sheet or an event cannot be dated on a day."""

    TOO_EARLY = "too_early"
    FUTURE = "future"


def earliest_day(start_date: date | None, today: date) -> date:
    """The first day a sheet or an event may be dated.

    The company's start date once the office has set it; until then 1 January
    of the previous calendar year, so that a typo (1900, 2019) is refused
    rather than creating a quarter years ago.
    """
    if start_date is not None:
        return start_date
    return date(today.year - 1, 1, 1)


def date_problem(day: date, *, start: date | None, today: date) -> DateProblem | None:
    """What is wrong with dating a sheet or an event `day`, or None when it is fine.

    Accepted: from `earliest_day(start, today)` to `today`, both included.
    """
    if day > today:
        return DateProblem.FUTURE
    if day < earliest_day(start, today):
        return DateProblem.TOO_EARLY
    return None


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
