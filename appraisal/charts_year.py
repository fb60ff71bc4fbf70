"""The year's pictures, drawn on the server as inline SVG like appraisal/charts.py.

Per department (or the company): for each quarter, the average final score
and the tier distribution as a stacked bar; for an employee, their four
quarters. No JavaScript, no CDN; every text is escaped and every number is also
in the SVG's <desc> for screen readers and print.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Avg, Count, Q
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from appraisal.charts import TIER_KEYS, TIERS
from appraisal.models import AwardTier, QuarterResult
from appraisal.rules import round_half_up
from employees.models import Department, User

QUARTER_LABELS = ("Q1", "Q2", "Q3", "Q4")


def _n(value: float) -> str:
    return f"{value:.1f}"


@dataclass(frozen=True)
class QuarterTiers:
    number: int
    average: Decimal | None
    counts: dict[str, int]

    @property
    def total(self) -> int:
        return sum(self.counts.values())


def year_tiers(*, year: int, user: User, department: Department | None) -> list[QuarterTiers]:
    """For each quarter of the year, the average final and the results counted by tier."""
    results = QuarterResult.objects.filter(quarter__year=year).visible_to(user)
    if department is not None:
        results = results.filter(department=department)
    eligible = Q(disqualified=False, training=False)
    rows = {
        row["quarter__number"]: row
        for row in results.values("quarter__number").annotate(
            average=Avg("final"),
            best=Count("pk", filter=eligible & Q(score_tier=AwardTier.BEST)),
            ambassador=Count("pk", filter=eligible & Q(score_tier=AwardTier.AMBASSADOR)),
            style=Count("pk", filter=eligible & Q(score_tier=AwardTier.STYLE)),
            none=Count("pk", filter=eligible & Q(score_tier=AwardTier.NONE)),
            training=Count("pk", filter=Q(disqualified=False, training=True)),
            disqualified=Count("pk", filter=Q(disqualified=True)),
        )
    }
    out = []
    for number in (1, 2, 3, 4):
        row = rows.get(number)
        average = None
        if row and row["average"] is not None:
            average = round_half_up(Decimal(str(row["average"])))
        out.append(
            QuarterTiers(
                number=number,
                average=average,
                counts={key: (row[key] if row else 0) for key in TIER_KEYS},
            )
        )
    return out


_W, _H, _TOP, _BOTTOM, _LEFT = 400, 220, 24, 28, 8
_SLOT = (_W - _LEFT * 2) / 4
_BAR = 44


def render_year_tiers(data: list[QuarterTiers], *, title: str) -> SafeString:
    """Four stacked bars (tier shares of each quarter) with the quarter's average above."""
    plot = _H - _TOP - _BOTTOM
    parts = [
        format_html(
            '<svg viewBox="0 0 {} {}" width="100%" role="img" focusable="false" '
            'data-chart="year-tiers"><title>{}</title><desc>{}</desc>',
            _W,
            _H,
            title,
            "; ".join(
                f"Q{q.number}: "
                + (f"{_('average')} {q.average}, " if q.average is not None else "")
                + ", ".join(f"{t.label} {q.counts[t.key]}" for t in TIERS)
                for q in data
            ),
        )
    ]
    for index, quarter in enumerate(data):
        x = _LEFT + index * _SLOT + (_SLOT - _BAR) / 2
        y = _TOP + plot
        total = quarter.total
        for tier in TIERS:
            count = quarter.counts[tier.key]
            if not total or not count:
                continue
            height = plot * count / total
            y -= height
            parts.append(
                format_html(
                    '<rect x="{}" y="{}" width="{}" height="{}" fill="{}" '
                    'data-tier="{}" data-count="{}"><title>Q{} · {}: {}</title></rect>',
                    _n(x),
                    _n(y),
                    _BAR,
                    _n(height),
                    tier.fill,
                    tier.key,
                    count,
                    quarter.number,
                    tier.label,
                    count,
                )
            )
        label = f"{quarter.average}" if quarter.average is not None else "—"
        parts.append(
            format_html(
                '<text x="{}" y="{}" text-anchor="middle" font-size="11" fill="#212529" '
                'data-average="Q{}">{}</text>'
                '<text x="{}" y="{}" text-anchor="middle" font-size="11" fill="#495057">{}</text>',
                _n(x + _BAR / 2),
                _TOP - 8,
                quarter.number,
                label,
                _n(x + _BAR / 2),
                _H - 10,
                QUARTER_LABELS[index],
            )
        )
    parts.append(mark_safe("</svg>"))
    return mark_safe("".join(parts))


def render_employee_year(finals: list[Decimal | None], *, title: str) -> SafeString:
    """An employee's four quarters as bars from 60 to 100 (a missing quarter left empty)."""
    low, high = Decimal("60"), Decimal("100")
    plot = _H - _TOP - _BOTTOM
    parts = [
        format_html(
            '<svg viewBox="0 0 {} {}" width="100%" role="img" focusable="false" '
            'data-chart="employee-year"><title>{}</title><desc>{}</desc>',
            _W,
            _H,
            title,
            ", ".join(
                f"{QUARTER_LABELS[i]} {f if f is not None else _('Not appraised')}"
                for i, f in enumerate(finals)
            ),
        )
    ]
    for index, final in enumerate(finals):
        x = _LEFT + index * _SLOT + (_SLOT - _BAR) / 2
        if final is not None:
            share = (min(max(final, low), high) - low) / (high - low)
            height = float(share) * plot
            parts.append(
                format_html(
                    '<rect x="{}" y="{}" width="{}" height="{}" fill="#0d6efd" '
                    'data-quarter="Q{}" data-final="{}"></rect>',
                    _n(x),
                    _n(_TOP + plot - height),
                    _BAR,
                    _n(height),
                    index + 1,
                    final,
                )
            )
        parts.append(
            format_html(
                '<text x="{}" y="{}" text-anchor="middle" font-size="11">{}</text>'
                '<text x="{}" y="{}" text-anchor="middle" font-size="11" fill="#495057">{}</text>',
                _n(x + _BAR / 2),
                _TOP - 8,
                final if final is not None else "—",
                _n(x + _BAR / 2),
                _H - 10,
                QUARTER_LABELS[index],
            )
        )
    parts.append(mark_safe("</svg>"))
    return mark_safe("".join(parts))


def year_charts_for(*, year: int, user: User, department: Department | None) -> dict:
    name = department.name if department else _("All departments")
    title = _("%(year)s by quarter, %(name)s: average final score and tiers") % {
        "year": year,
        "name": name,
    }
    return {
        "tiers": render_year_tiers(
            year_tiers(year=year, user=user, department=department), title=title
        ),
        "tiers_title": title,
        "legend": TIERS,
    }


def employee_year_svg(*, year: int, finals: list[Decimal | None]) -> SafeString:
    return render_employee_year(
        finals, title=_("My quarters of %(year)s: final scores") % {"year": year}
    )
