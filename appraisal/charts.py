"""Charts of the quarter workbench, drawn on the server as inline SVG.

No JavaScript and no CDN: the pictures are plain SVG inside a <figure>, with a
<title>, a description and a visually hidden table holding every number, so a
screen reader, a printer and a phone all get them. Each chart has three layers:

- a read (`tier_counts`, `average_trend`): one grouped query into typed dataclasses;
- a pure drawing (`render_tier_counts`, `render_average_trend`): data in, SVG out,
  every text escaped, testable without a database (both are written in Python: a
  template cost several times as much on every quarter page);
- the call the pages make (`tier_counts_svg`, `average_trend_svg`).

Colours are Bootstrap's, the same per tier as the score bands of the grid and
*my scores* (static/css/me.css).
"""

from __future__ import annotations

import html
import math
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count, QuerySet, Sum
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from appraisal.models import LOCKED_STATUSES, AwardTier, Quarter, QuarterResult
from employees.models import Department

HUNDREDTH = Decimal("0.01")


# --- Tiers per department -------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class TierStyle:
    key: str
    label: str
    fill: str
    text: str  # the colour of a count written on the bar


# The order of the segments, left to right. Every result falls in exactly one:
# disqualified first, then off-post training (final below the threshold), then
# the tier its final score reaches.
TIERS: tuple[TierStyle, ...] = (
    TierStyle("best", AwardTier.BEST.label, "#198754", "#ffffff"),
    TierStyle("ambassador", AwardTier.AMBASSADOR.label, "#0d6efd", "#ffffff"),
    TierStyle("style", AwardTier.STYLE.label, "#d4a106", "#212529"),
    TierStyle("none", AwardTier.NONE.label, "#fd7e14", "#212529"),
    TierStyle("training", gettext_lazy("Off-post training"), "#dc3545", "#ffffff"),
    TierStyle("disqualified", gettext_lazy("Disqualified"), "#6c757d", "#ffffff"),
)
TIER_KEYS = tuple(tier.key for tier in TIERS)


@dataclass(frozen=True, slots=True)
class DepartmentTiers:
    """How many of a department's appraised employees ended in each tier of a quarter."""

    department_id: int
    name: str
    best: int = 0
    ambassador: int = 0
    style: int = 0
    none: int = 0
    training: int = 0
    disqualified: int = 0

    @property
    def total(self) -> int:
        return sum(self.count(key) for key in TIER_KEYS)

    def count(self, key: str) -> int:
        return getattr(self, key)


# The tiers a result's award_tier names itself (the others: disqualified, training).
_AWARD_KEYS = frozenset(AwardTier.values) & frozenset(TIER_KEYS)


def tier_counts(
    *, quarter: Quarter, departments: QuerySet[Department] | None = None
) -> list[DepartmentTiers]:
    """Per department (in display order), its results of `quarter` counted by tier.

    One grouped query. Only departments with results in the quarter appear;
    `departments` narrows them (e.g. Department.objects.visible_to(user)).
    """
    results = QuarterResult.objects.filter(quarter=quarter)
    if departments is not None:
        results = results.filter(department__in=departments)
    # Grouped by what decides the segment and counted in Python: six filtered
    # counts cost more to build than to run. The award actually given, not the
    # tier the score reached: a winner the department withdrew or whose award was
    # revoked (by the office or an upheld objection) counts as no award. Before
    # the approval, award_tier follows the score, so an open list draws the same.
    rows = (
        results.values(
            "department_id",
            "department__name",
            "department__display_order",
            "disqualified",
            "training",
            "award_tier",
        )
        .annotate(n=Count("pk"))
        .order_by("department__display_order", "department__name", "department_id")
    )
    counted: dict[int, dict[str, object]] = {}
    for row in rows:
        line = counted.setdefault(
            row["department_id"],
            {"department_id": row["department_id"], "name": row["department__name"]},
        )
        if row["disqualified"]:
            key = "disqualified"
        elif row["training"]:
            key = "training"
        elif row["award_tier"] in _AWARD_KEYS:
            key = row["award_tier"]
        else:
            continue
        line[key] = line.get(key, 0) + row["n"]
    return [DepartmentTiers(**line) for line in counted.values()]


# Geometry of the bar chart, in viewBox units: about CSS pixels on a phone; the
# figure grows to at most 36rem on a wider screen (static/css/app.css).
_BAR_VIEW_WIDTH = 400
_BAR_LABEL_WIDTH = 84
_BAR_TOTAL_WIDTH = 30
_BAR_HEIGHT = 18
_BAR_GAP = 8
_BAR_PAD = 4
_NAME_CHARS = 6


def _num(value: float) -> str:
    return f"{value:.2f}".rstrip("0").rstrip(".")


def _short(name: str, limit: int = _NAME_CHARS) -> str:
    return name if len(name) <= limit else name[: limit - 1] + "…"


def _chart_id(prefix: str) -> str:
    # Several charts may share a page; their aria references must not collide.
    return f"{prefix}-{secrets.token_hex(4)}"


def render_tier_counts(
    data: Sequence[DepartmentTiers], *, title: str | None = None, chart_id: str | None = None
) -> SafeString:
    """A stacked horizontal bar per department; bar lengths share one scale.

    Pure: no database. An empty `data` renders a short message instead.
    """
    title = title or _("Employees per tier")
    largest = max((item.total for item in data), default=0)
    bar_width = _BAR_VIEW_WIDTH - _BAR_LABEL_WIDTH - _BAR_TOTAL_WIDTH
    rows = []
    for index, item in enumerate(data):
        y = _BAR_PAD + index * (_BAR_HEIGHT + _BAR_GAP)
        x = float(_BAR_LABEL_WIDTH)
        segments = []
        for tier in TIERS:
            count = item.count(tier.key)
            if not count:
                continue
            width = count / largest * bar_width
            segments.append(
                {
                    "tier": tier,
                    "count": count,
                    "x": _num(x),
                    "width": _num(width),
                    "text_x": _num(x + width / 2),
                    # A count is written on its segment only when it fits.
                    "show_count": width >= 7 + 6 * len(str(count)),
                }
            )
            x += width
        rows.append(
            {
                "item": item,
                "short_name": _short(item.name),
                "y": y,
                "text_y": _num(y + _BAR_HEIGHT / 2),
                "segments": segments,
                "total_x": _num(x + 4),
            }
        )
    height = _BAR_PAD * 2 + len(data) * (_BAR_HEIGHT + _BAR_GAP) - _BAR_GAP
    return _draw_tier_counts(
        chart_id=chart_id or _chart_id("tier-chart"),
        title=title,
        rows=rows,
        data=data,
        height=max(height, 1),
    )


def escape_text(text: object) -> str:
    """`text` escaped for HTML, as Django's `escape` does it, without marking every piece safe.

    The charts written in Python (here and in the my scores tags) escape every
    text with it and mark the finished drawing safe once.
    """
    return html.escape(str(text))


def _draw_tier_counts(
    *,
    chart_id: str,
    title: str,
    rows: list[dict],
    data: Sequence[DepartmentTiers],
    height: int,
) -> SafeString:
    """The tier chart's markup, written in Python (through a template it was a third of
    the quarter page): a legend, the SVG, and every number in a visually hidden table.
    Every text is escaped; the rest are numbers, colours and keys of our own."""
    cid = escape_text(chart_id)
    if not rows:
        message = escape_text(
            _("No results for this quarter yet: they appear once the quarter is closed.")
        )
        return mark_safe(
            f'<p class="text-muted" id="{cid}" data-chart="tier-counts"'
            f' data-departments="0">{message}</p>'
        )
    label = {tier.key: escape_text(tier.label) for tier in TIERS}
    title_text = escape_text(title)
    total = sum(item.total for item in data)
    parts = [
        f'<figure class="chart-figure mb-3" id="{cid}" data-chart="tier-counts"'
        f' data-departments="{len(rows)}" data-total="{total}">'
        '<ul class="chart-legend list-inline small mb-1" aria-hidden="true">',
        *(
            f'<li class="list-inline-item me-3" data-legend="{tier.key}">'
            '<svg width="12" height="12" viewBox="0 0 12 12" focusable="false">'
            f'<rect width="12" height="12" rx="2" fill="{tier.fill}" /></svg> {label[tier.key]}</li>'
            for tier in TIERS
        ),
        f'</ul><svg viewBox="0 0 {_BAR_VIEW_WIDTH} {height}" width="100%"'
        ' preserveAspectRatio="xMinYMin meet" role="img"'
        f' aria-labelledby="{cid}-title {cid}-desc" focusable="false">'
        f'<title id="{cid}-title">{title_text}</title><desc id="{cid}-desc">',
    ]
    names = {id(row): escape_text(row["item"].name) for row in rows}
    for row in rows:
        said = ", ".join(
            f"{label[segment['tier'].key]} {segment['count']}" for segment in row["segments"]
        )
        parts.append(f"{names[id(row)]}: {said}.\n")
    parts.append("</desc>")
    for row in rows:
        item, name, text_y = row["item"], names[id(row)], row["text_y"]
        parts.append(
            f'<g data-department="{item.department_id}" data-total="{item.total}">'
            f"<title>{name} · {item.total}</title>"
            f'<text x="{_BAR_LABEL_WIDTH - 6}" y="{text_y}" dy=".35em" text-anchor="end"'
            f' font-size="11" fill="#212529">{escape_text(row["short_name"])}</text>'
        )
        for segment in row["segments"]:
            tier, count = segment["tier"], segment["count"]
            parts.append(
                f'<rect x="{segment["x"]}" y="{row["y"]}" width="{segment["width"]}"'
                f' height="{_BAR_HEIGHT}" fill="{tier.fill}" stroke="#ffffff" stroke-width=".5"'
                f' data-tier="{tier.key}" data-count="{count}">'
                f"<title>{name} · {label[tier.key]}: {count}</title></rect>"
            )
            if segment["show_count"]:
                parts.append(
                    f'<text x="{segment["text_x"]}" y="{text_y}" dy=".35em" text-anchor="middle"'
                    f' font-size="10" fill="{tier.text}" aria-hidden="true">{count}</text>'
                )
        parts.append(
            f'<text x="{row["total_x"]}" y="{text_y}" dy=".35em" font-size="10"'
            f' fill="#495057">{item.total}</text></g>'
        )
    # A table ignores the 1px width of .visually-hidden: its wrapper carries it.
    parts.append(
        f'</svg><div class="visually-hidden"><table><caption>{title_text}</caption>'
        f'<thead><tr><th scope="col">{escape_text(_("Department"))}</th>'
    )
    parts.extend(f'<th scope="col">{label[tier.key]}</th>' for tier in TIERS)
    parts.append(f'<th scope="col">{escape_text(_("Total"))}</th></tr></thead><tbody>')
    for item in data:
        cells = "".join(f"<td>{item.count(key)}</td>" for key in TIER_KEYS)
        parts.append(
            f'<tr><th scope="row">{escape_text(item.name)}</th>{cells}<td>{item.total}</td></tr>'
        )
    parts.append("</tbody></table></div></figure>")
    return mark_safe("".join(parts))


def tier_counts_svg(*, quarter: Quarter, departments: QuerySet | None = None) -> SafeString:
    """The quarter's tiers per department, ready to put in a page."""
    return render_tier_counts(
        tier_counts(quarter=quarter, departments=departments),
        title=_("Employees per tier in %(quarter)s") % {"quarter": quarter.code},
    )


# --- Averages across quarters -------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class QuarterAverage:
    """The mean final score and the mean quarter average of one closed quarter."""

    quarter_id: int
    code: str
    employees: int
    final: Decimal
    average: Decimal


def _exact_sum(value: object) -> Decimal:
    # PostgreSQL sums decimals exactly; SQLite hands back a float. Every value
    # has two decimals, so rounding the sum to hundredths gives it back exactly.
    return Decimal(str(value or 0)).quantize(HUNDREDTH, rounding=ROUND_HALF_UP)


def _mean(total: object, count: int) -> Decimal:
    return (_exact_sum(total) / count).quantize(HUNDREDTH, rounding=ROUND_HALF_UP)


def average_trend(
    *,
    quarters: Sequence[Quarter] | QuerySet[Quarter] | None = None,
    department: Department | None = None,
    limit: int = 8,
) -> list[QuarterAverage]:
    """Per closed quarter (closed, published, final or paid), oldest first, the averages.

    One grouped query. Without `quarters`, the latest `limit` closed quarters;
    a queryset of quarters is not read but becomes a subquery of that one query.
    `department` narrows the results to the ones closed in that department.
    Averages are Decimals rounded half-up to two places.
    """
    results = QuarterResult.objects.filter(quarter__status__in=LOCKED_STATUSES)
    if isinstance(quarters, QuerySet):
        results = results.filter(quarter__in=quarters)
    elif quarters is not None:
        results = results.filter(quarter__in=[quarter.pk for quarter in quarters])
    if department is not None:
        results = results.filter(department=department)
    rows = (
        results.values("quarter_id", "quarter__year", "quarter__number")
        .annotate(employees=Count("pk"), final_sum=Sum("final"), average_sum=Sum("average"))
        .order_by("-quarter__year", "-quarter__number")
    )
    if quarters is None:
        rows = rows[:limit]
    return [
        QuarterAverage(
            quarter_id=row["quarter_id"],
            code=f"{row['quarter__year']}Q{row['quarter__number']}",
            employees=row["employees"],
            final=_mean(row["final_sum"], row["employees"]),
            average=_mean(row["average_sum"], row["employees"]),
        )
        for row in reversed(list(rows))
    ]


_LINE_VIEW_WIDTH = 400
_LINE_VIEW_HEIGHT = 220
_LINE_LEFT = 34
_LINE_RIGHT = 14
_LINE_TOP = 22
_LINE_BOTTOM = 190
_LINE_INSET = 24  # the first and last points keep off the axes


def _scale(values: Iterable[Decimal]) -> tuple[int, int, int]:
    """The y axis: from, to and the step of the grid lines, on round numbers."""
    values = list(values)
    low = math.floor((float(min(values)) - 2) / 5) * 5
    high = math.ceil((float(max(values)) + 2) / 5) * 5
    low = max(low, 0)
    if high - low < 10:
        high = low + 10
    step = 5 if high - low <= 30 else 10
    low = low // step * step
    return low, high, step


@dataclass(frozen=True, slots=True)
class _TrendPoint:
    """One quarter of the trend, every text already escaped for HTML."""

    code: str
    final: str
    average: str
    employees: str
    x: str
    final_y: str
    average_y: str
    label_y: str


def render_average_trend(
    data: Sequence[QuarterAverage], *, title: str | None = None, chart_id: str | None = None
) -> SafeString:
    """Two lines over the quarters: the mean final score (labelled) and the mean average.

    Pure: no database. An empty `data` renders a short message instead.
    """
    title = title or _("Average scores per quarter")
    cid = escape_text(chart_id or _chart_id("trend-chart"))
    if not data:
        message = escape_text(
            _("No closed quarter yet: the averages appear once a quarter is closed.")
        )
        return mark_safe(
            f'<p class="text-muted" id="{cid}" data-chart="average-trend"'
            f' data-points="0">{message}</p>'
        )
    low, high, step = _scale([*(item.final for item in data), *(item.average for item in data)])
    plot_height = _LINE_BOTTOM - _LINE_TOP
    inner_left = _LINE_LEFT + _LINE_INSET
    inner_width = _LINE_VIEW_WIDTH - _LINE_RIGHT - _LINE_INSET - inner_left

    def y_of(value: Decimal | int) -> float:
        return _LINE_BOTTOM - (float(value) - low) / (high - low) * plot_height

    def x_of(index: int) -> float:
        if len(data) == 1:
            return inner_left + inner_width / 2
        return inner_left + index * inner_width / (len(data) - 1)

    points = [
        _TrendPoint(
            code=escape_text(item.code),
            final=escape_text(item.final),
            average=escape_text(item.average),
            employees=escape_text(item.employees),
            x=_num(x_of(index)),
            final_y=_num(y_of(item.final)),
            average_y=_num(y_of(item.average)),
            # The label goes above the final point, or below it when the
            # average line runs above.
            label_y=_num(
                y_of(item.final) - 7 if item.final >= item.average else y_of(item.final) + 14
            ),
        )
        for index, item in enumerate(data)
    ]
    grid = [(value, _num(y_of(value))) for value in range(low, high + 1, step)]
    return _draw_average_trend(chart_id=cid, title=escape_text(title), points=points, grid=grid)


def _draw_average_trend(
    *, chart_id: str, title: str, points: list[_TrendPoint], grid: list[tuple[int, str]]
) -> SafeString:
    """The trend's markup, written in Python as the tier chart's is (through a template
    it cost five times as much): a legend, the SVG, and every number in a visually
    hidden table. `chart_id`, `title` and the points' texts come escaped."""
    final_label = escape_text(_("Average final score"))
    average_label = escape_text(_("Average of the quarter averages"))
    final_said = escape_text(_("average final score"))
    average_said = escape_text(_("average of the quarter averages"))
    left, right = _LINE_LEFT, _LINE_VIEW_WIDTH - _LINE_RIGHT
    parts = [
        f'<figure class="chart-figure mb-3" id="{chart_id}" data-chart="average-trend"'
        f' data-points="{len(points)}">'
        '<ul class="chart-legend list-inline small mb-1" aria-hidden="true">'
        '<li class="list-inline-item me-3" data-legend="final">'
        '<svg width="18" height="10" viewBox="0 0 18 10" focusable="false">'
        '<line x1="0" y1="5" x2="18" y2="5" stroke="#0d6efd" stroke-width="2" />'
        '<circle cx="9" cy="5" r="3" fill="#0d6efd" /></svg> '
        f"{final_label}</li>"
        '<li class="list-inline-item" data-legend="average">'
        '<svg width="18" height="10" viewBox="0 0 18 10" focusable="false">'
        '<line x1="0" y1="5" x2="18" y2="5" stroke="#6c757d" stroke-width="1.5"'
        ' stroke-dasharray="4 3" />'
        '<circle cx="9" cy="5" r="2.5" fill="#6c757d" /></svg> '
        f"{average_label}</li></ul>"
        f'<svg viewBox="0 0 {_LINE_VIEW_WIDTH} {_LINE_VIEW_HEIGHT}" width="100%"'
        ' preserveAspectRatio="xMinYMin meet" role="img"'
        f' aria-labelledby="{chart_id}-title {chart_id}-desc" focusable="false">'
        f'<title id="{chart_id}-title">{title}</title><desc id="{chart_id}-desc">\n',
    ]
    parts.extend(f"{p.code}: {final_said} {p.final}, {average_said} {p.average}.\n" for p in points)
    parts.append("</desc>")
    parts.extend(
        f'<line x1="{left}" y1="{y}" x2="{right}" y2="{y}" stroke="#dee2e6" stroke-width=".8" />'
        f'<text x="{_LINE_LEFT - 4}" y="{y}" dy=".35em" text-anchor="end" font-size="10"'
        f' fill="#6c757d">{value}</text>'
        for value, y in grid
    )
    average_line = " ".join(f"{p.x},{p.average_y}" for p in points)
    final_line = " ".join(f"{p.x},{p.final_y}" for p in points)
    parts.append(
        f'<polyline points="{average_line}" fill="none" stroke="#6c757d" stroke-width="1.5"'
        ' stroke-dasharray="4 3" />'
        f'<polyline points="{final_line}" fill="none" stroke="#0d6efd" stroke-width="2"'
        ' stroke-linejoin="round" />'
    )
    x_label_y = _LINE_BOTTOM + 16
    parts.extend(
        f'<g data-quarter="{p.code}" data-final="{p.final}" data-average="{p.average}">'
        f'<circle cx="{p.x}" cy="{p.average_y}" r="2.5" fill="#6c757d">'
        f"<title>{p.code} · {average_label}: {p.average}</title></circle>"
        f'<circle cx="{p.x}" cy="{p.final_y}" r="3.5" fill="#0d6efd" stroke="#ffffff"'
        f' stroke-width="1"><title>{p.code} · {final_label}: {p.final}</title></circle>'
        f'<text x="{p.x}" y="{p.label_y}" text-anchor="middle" font-size="10"'
        f' font-weight="600" fill="#0a58ca" aria-hidden="true">{p.final}</text>'
        f'<text x="{p.x}" y="{x_label_y}" text-anchor="middle" font-size="10"'
        f' fill="#495057">{p.code}</text></g>'
        for p in points
    )
    # A table ignores the 1px width of .visually-hidden: its wrapper carries it.
    parts.append(
        f'</svg><div class="visually-hidden"><table><caption>{title}</caption><thead><tr>'
        f'<th scope="col">{escape_text(_("Quarter"))}</th><th scope="col">{final_label}</th>'
        f'<th scope="col">{average_label}</th><th scope="col">{escape_text(_("Employees"))}</th>'
        "</tr></thead><tbody>"
    )
    parts.extend(
        f'<tr><th scope="row">{p.code}</th><td>{p.final}</td><td>{p.average}</td>'
        f"<td>{p.employees}</td></tr>"
        for p in points
    )
    parts.append("</tbody></table></div></figure>")
    return mark_safe("".join(parts))


def average_trend_svg(
    *,
    quarters: Sequence[Quarter] | QuerySet[Quarter] | None = None,
    department: Department | None = None,
) -> SafeString:
    """The averages of `quarters`, ready to put in a page.

    Without `quarters`, or when they hold no quarter at all, the latest closed
    quarters. A queryset is read as a subquery of the averages' query, and on
    its own only when that finds nothing.
    """
    title = None
    if department is not None:
        title = _("Average scores per quarter in %(department)s") % {"department": department.name}
    data = average_trend(quarters=quarters, department=department)
    if not data and quarters is not None:
        none_at_all = not quarters.exists() if isinstance(quarters, QuerySet) else not quarters
        if none_at_all:
            data = average_trend(department=department)
    return render_average_trend(data, title=title)
