"""The server-rendered SVG chart of the "my scores" page: no JavaScript, no CDN."""

from __future__ import annotations

import math
from decimal import Decimal

from django import template

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


@register.inclusion_tag("appraisal/my_scores_chart.html")
def score_chart(scores: MyScores) -> dict[str, object]:
    """Daily totals over the quarter against the award thresholds."""
    days = scores.quarter_days
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

    def x_of(day) -> float:
        return round(LEFT + (day - quarter.first_day).days / span_days * plot_w, 1)

    def y_of(score: Decimal) -> float:
        return round(TOP + float((TOP_SCORE - score) / span_score) * plot_h, 1)

    points = [
        {
            "x": x_of(d.day),
            "y": y_of(d.total),
            "day": d.day,
            "total": d.total,
            "band": d.band,
            "spot": d.is_spot_check,
        }
        for d in days
    ]
    months = []
    for offset in range(3):
        first = quarter.first_day.replace(month=quarter.first_day.month + offset)
        months.append(
            {
                "first": first,
                "x": x_of(first),
                "label_x": x_of(first.replace(day=15)),
            }
        )
    return {
        "scores": scores,
        "width": WIDTH,
        "height": HEIGHT,
        "left": LEFT,
        "right": WIDTH - RIGHT,
        "top": TOP,
        "bottom": HEIGHT - BOTTOM,
        "label_y": HEIGHT - 5,
        "points": points,
        "polyline": " ".join(f"{p['x']},{p['y']}" for p in points),
        "lines": [
            {"y": y_of(value), "band": band, "label": _plain(value)}
            for value, band in thresholds
            if bottom_score <= value <= TOP_SCORE
        ],
        "top_label": _plain(TOP_SCORE),
        "bottom_label": _plain(bottom_score),
        "average_y": y_of(scores.average) if scores.average is not None else None,
        "months": months,
    }
