"""The "my scores" page's repeated markup, written in Python: the SVG chart of the
daily totals (no JavaScript, no CDN) and the calendar's day cells.

Through templates these two were most of the page's time; every text here is
escaped, the rest are numbers, dates and band keys of our own."""

from __future__ import annotations

import math
from datetime import date
from decimal import Decimal
from functools import lru_cache

from django import template
from django.template.defaultfilters import floatformat
from django.utils import dateformat
from django.utils.formats import get_format, localize
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language, pgettext
from django.utils.translation import gettext as _

from appraisal.charts import escape_text
from appraisal.selectors.my_scores import MyScores

register = template.Library()

# The drawing's own coordinates; the <svg> scales to the width of its box.
WIDTH = 360
HEIGHT = 200
LEFT, RIGHT, TOP, BOTTOM = 26, 8, 8, 18
TOP_SCORE = Decimal("100")


def _plain(value: Decimal | int) -> str:
    """95.00 -> "95", 92.50 -> "92.5" (an unsaved RuleSettings holds plain ints)."""
    return format(Decimal(value).normalize(), "f")


# A chart point's title and a calendar day's total, as the `date` and
# `floatformat` filters write them: each takes a dozen microseconds, a page
# shows up to 92 of them, and a quarter holds a few dozen distinct totals. The
# active language is part of the key, since the formats follow it.
@lru_cache(maxsize=1024)
def _short_date(day: date, language: str | None) -> str:
    return dateformat.format(day, get_format("SHORT_DATE_FORMAT"))


@lru_cache(maxsize=1024)
def _one_decimal(total: Decimal, language: str | None) -> str:
    return floatformat(total, "-1")


@register.simple_tag
def score_chart(scores: MyScores) -> SafeString:
    """Daily totals over the quarter against the award thresholds.

    Written in Python rather than through a template: a template took a fifth of
    the page's time for a quarter of sheets. Every text is escaped; the rest are
    numbers and band keys of our own.
    """
    days = scores.quarter_days
    if not days:
        message = escape_text(_("No daily sheets in this quarter yet."))
        return mark_safe(f'<p class="text-muted mb-0" data-points="0">{message}</p>')
    settings = scores.settings
    quarter = scores.quarter
    thresholds = [
        (settings.best_min, "best"),
        (settings.ambassador_min, "ambassador"),
        (settings.style_min, "style"),
        (settings.training_below, "pass"),
    ]
    lowest = min([d.total for d in days] + [settings.training_below - 5])
    bottom_score = max(Decimal("0"), Decimal(math.floor(lowest / 5) * 5))
    span_score = max(TOP_SCORE - bottom_score, Decimal("1"))
    plot_w = WIDTH - LEFT - RIGHT
    plot_h = HEIGHT - TOP - BOTTOM
    span_days = max((quarter.last_day - quarter.first_day).days, 1)

    def x_of(day: date) -> float:
        return round(LEFT + (day - quarter.first_day).days / span_days * plot_w, 1)

    def y_of(score: Decimal) -> float:
        return round(TOP + float((TOP_SCORE - score) / span_score) * plot_h, 1)

    right, bottom, label_x = WIDTH - RIGHT, HEIGHT - BOTTOM, LEFT - 3
    title = escape_text(_("Daily totals in %(quarter)s") % {"quarter": quarter.code})
    parts = [
        f'<svg class="score-chart" viewBox="0 0 {WIDTH} {HEIGHT}" width="100%"'
        ' preserveAspectRatio="xMidYMid meet" role="img" aria-labelledby="chart-title"'
        f' data-points="{len(days)}"><title id="chart-title">{title}</title>'
        f'<line class="chart-axis" x1="{LEFT}" y1="{TOP}" x2="{right}" y2="{TOP}" />'
        f'<line class="chart-axis" x1="{LEFT}" y1="{bottom}" x2="{right}" y2="{bottom}" />'
        f'<text class="chart-label" x="{label_x}" y="{TOP + 3}" text-anchor="end">'
        f"{_plain(TOP_SCORE)}</text>"
        f'<text class="chart-label" x="{label_x}" y="{bottom + 3}" text-anchor="end">'
        f"{_plain(bottom_score)}</text>"
    ]
    for offset in range(3):
        first = quarter.first_day.replace(month=quarter.first_day.month + offset)
        if offset:
            x = x_of(first)
            parts.append(f'<line class="chart-month" x1="{x}" y1="{TOP}" x2="{x}" y2="{bottom}" />')
        parts.append(
            f'<text class="chart-label" x="{x_of(first.replace(day=15))}" y="{HEIGHT - 5}"'
            f' text-anchor="middle">{escape_text(dateformat.format(first, "M"))}</text>'
        )
    for value, band in thresholds:
        if bottom_score <= value <= TOP_SCORE:
            y, label = y_of(value), _plain(value)
            parts.append(
                f'<line class="chart-threshold band-{band}" x1="{LEFT}" y1="{y}" x2="{right}"'
                f' y2="{y}" data-threshold="{label}" />'
                f'<text class="chart-label band-{band}" x="{label_x}" y="{y}" dy="3"'
                f' text-anchor="end">{label}</text>'
            )
    if scores.average is not None:
        y = y_of(scores.average)
        parts.append(f'<line class="chart-average" x1="{LEFT}" y1="{y}" x2="{right}" y2="{y}" />')
    points = [(d, x_of(d.day), y_of(d.total)) for d in days]
    polyline = " ".join(f"{x},{y}" for _d, x, y in points)
    parts.append(f'<polyline class="chart-line" points="{polyline}" />')
    language = get_language()
    for d, x, y in points:
        spot = d.is_spot_check
        shown = f"{_short_date(d.day, language)} · {_one_decimal(d.total, language)}"
        parts.append(
            f'<circle class="chart-point band-{d.band}{" is-spot" if spot else ""}"'
            f' cx="{x}" cy="{y}" r="{"3.2" if spot else "2.4"}"'
            f' data-day="{d.day.isoformat()}" data-total="{escape_text(d.total)}">'
            f"<title>{escape_text(shown)}</title></circle>"
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))


@register.simple_tag
def calendar_cells(scores: MyScores) -> SafeString:
    """The month's day cells, Monday first: a link for a day with a score, else a blank."""
    month = f"{scores.month.year:04d}-{scores.month.month:02d}"
    spot = (
        f'<span class="cal-spot" title="{escape_text(_("Spot check"))}">'
        f"{escape_text(pgettext('spot check, one character on a calendar day', 'Spot'))}</span>"
    )
    language = get_language()
    parts = []
    for week in scores.weeks:
        for cell in week:
            if not cell.in_month:
                parts.append('<div class="cal-cell cal-out" aria-hidden="true"></div>')
                continue
            day = cell.day.isoformat()
            today = " is-today" if cell.is_today else ""
            score = cell.score
            if score is None:
                parts.append(
                    f'<div class="cal-cell cal-empty{today}" data-day="{day}">'
                    f'<span class="cal-num">{cell.day.day}</span></div>'
                )
                continue
            total, band, is_spot = score.total, escape_text(score.band), score.is_spot_check
            selected = " is-selected" if cell.is_selected else ""
            flags = (' data-spot-check="1"' if is_spot else "") + (
                ' aria-current="date"' if cell.is_selected else ""
            )
            parts.append(
                f'<a class="cal-cell band-{band}{selected}{today}"'
                f' href="?month={month}&amp;day={day}#day" data-day="{day}"'
                f' data-total="{escape_text(localize(total, use_l10n=False))}" data-band="{band}"'
                f"{flags}>"
                f'<span class="cal-num">{cell.day.day}</span>'
                f'<span class="cal-total">{escape_text(_one_decimal(total, language))}</span>'
                f"{spot if is_spot else ''}</a>"
            )
    return mark_safe("".join(parts))
