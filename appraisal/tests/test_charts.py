"""The server-drawn SVG charts: the pure drawings, the grouped reads, and how they look."""

import calendar
import datetime
import re
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.contrib.staticfiles import finders
from django.utils import translation

from appraisal.charts import (
    TIER_KEYS,
    DepartmentTiers,
    QuarterAverage,
    average_trend,
    average_trend_svg,
    render_average_trend,
    render_tier_counts,
    tier_counts,
    tier_counts_svg,
)
from appraisal.models import Approval, AwardTier, DailySheet, QuarterStatus, RuleSettings
from appraisal.rules import QuarterId
from appraisal.selectors.my_scores import CalendarDay, DayScore
from appraisal.templatetags.my_scores import calendar_cells, score_chart
from appraisal.tests.factories import QuarterFactory, QuarterResultFactory
from employees.models import Department
from employees.tests.factories import DepartmentFactory, EmployeeFactory

D = Decimal
RECT = re.compile(
    r'<rect x="([\d.]+)" y="[\d.]+" width="([\d.]+)"[^>]*data-tier="(\w+)" data-count="(\d+)"'
)


def segments(svg: str) -> list[tuple[float, float, str, int]]:
    """(x, width, tier, count) of every bar segment, in drawing order."""
    return [(float(x), float(w), tier, int(n)) for x, w, tier, n in RECT.findall(svg)]


def departments_of(svg: str) -> list[str]:
    return re.findall(r'<g data-department="(\d+)"', svg)


# --- Drawing the tiers (no database) -----------------------------------------------------


def test_bars_share_one_scale_so_lengths_are_proportional_to_counts():
    svg = render_tier_counts(
        [
            DepartmentTiers(1, "装卸作业部", best=4, none=2, disqualified=2),
            DepartmentTiers(2, "财务部", best=2),
        ]
    )

    first, second = svg.split('<g data-department="2"')
    a = segments(first)
    b = segments(second)
    assert [(tier, count) for _x, _w, tier, count in a] == [
        ("best", 4),
        ("none", 2),
        ("disqualified", 2),
    ]
    widths = {tier: width for _x, width, tier, _n in a}
    assert widths["best"] == pytest.approx(2 * widths["none"], abs=0.02)
    assert widths["none"] == pytest.approx(widths["disqualified"], abs=0.02)
    # Department 2's bar of 2 is a quarter of department 1's bar of 8.
    assert b[0][1] == pytest.approx(sum(widths.values()) / 4, abs=0.02)
    # The segments follow each other without gaps.
    assert a[1][0] == pytest.approx(a[0][0] + a[0][1], abs=0.02)


def test_segments_come_in_tier_order_and_empty_tiers_are_left_out():
    svg = render_tier_counts(
        [DepartmentTiers(7, "生产部", disqualified=1, training=2, style=3, best=1)]
    )

    assert [tier for _x, _w, tier, _n in segments(svg)] == [
        "best",
        "style",
        "training",
        "disqualified",
    ]
    assert 'data-total="7"' in svg


def test_department_names_are_escaped_everywhere():
    svg = render_tier_counts([DepartmentTiers(1, "<script>alert(1)</script>", best=1)])

    assert "<script>" not in svg
    assert "&lt;script&gt;" in svg


def test_the_tier_chart_is_an_accessible_image_with_every_number_in_a_hidden_table():
    svg = render_tier_counts(
        [DepartmentTiers(1, "财务部", best=3, ambassador=5)], title="2026Q3", chart_id="c1"
    )

    assert 'role="img"' in svg
    assert 'aria-labelledby="c1-title c1-desc"' in svg
    assert '<title id="c1-title">2026Q3</title>' in svg
    assert 'viewBox="0 0 400 ' in svg
    assert 'width="100%"' in svg
    table = svg[svg.index('<div class="visually-hidden">') :]
    cells = re.findall(r"<td>(\d+)</td>", table)
    assert cells == ["3", "5", "0", "0", "0", "0", "8"]
    # The print rules live in the stylesheet: the CSP refuses a <style> in the page.
    assert 'class="chart-figure' in svg
    stylesheet = Path(finders.find("css/app.css")).read_text(encoding="utf-8")
    assert re.search(r"@media print \{\s*\.chart-figure", stylesheet)


def test_the_legend_names_every_tier_with_the_band_colours():
    svg = render_tier_counts([DepartmentTiers(1, "财务部", best=1)])

    legend = re.findall(r'data-legend="(\w+)"', svg)
    assert tuple(legend) == TIER_KEYS
    # The colours of the score bands (static/css/me.css).
    assert 'fill="#198754"' in svg  # best, green
    assert "#dc3545" in svg  # training, red


def test_no_results_render_a_message_instead_of_a_chart():
    html = render_tier_counts([])

    assert 'data-departments="0"' in html
    assert "<svg" not in html


# --- Drawing the averages (no database) -------------------------------------------------


def averages():
    return [
        QuarterAverage(1, "2025Q4", 40, D("86.20"), D("85.70")),
        QuarterAverage(2, "2026Q1", 42, D("91.05"), D("89.90")),
        QuarterAverage(3, "2026Q2", 41, D("88.40"), D("88.40")),
    ]


def test_the_trend_has_a_point_and_a_label_per_quarter_in_order():
    svg = render_average_trend(averages(), chart_id="t1")

    assert re.findall(r'<g data-quarter="(\w+)"', svg) == ["2025Q4", "2026Q1", "2026Q2"]
    assert 'data-points="3"' in svg
    assert svg.count("<polyline") == 2
    for value in ("86.20", "91.05", "88.40", "85.70", "89.90"):
        assert f">{value}<" in svg or f"{value}</td>" in svg
    assert 'role="img"' in svg
    assert '<title id="t1-title">' in svg


def test_a_higher_average_is_drawn_higher():
    svg = render_average_trend(averages())

    final_points = re.findall(
        r'<circle cx="([\d.]+)" cy="([\d.]+)" r="3.5"', svg
    )  # the final-score points
    xs = [float(x) for x, _y in final_points]
    ys = {code: float(y) for code, (_x, y) in zip(("q4", "q1", "q2"), final_points, strict=True)}
    assert xs == sorted(xs)
    assert ys["q1"] < ys["q2"] < ys["q4"]  # 91.05 above 88.40 above 86.20


def test_a_final_above_100_stays_inside_the_picture():
    svg = render_average_trend([QuarterAverage(1, "2026Q3", 3, D("104.50"), D("96.00"))])

    _, _, width, height = (
        float(v) for v in re.search(r'<svg viewBox="([^"]+)"\s+width="100%"', svg)[1].split()
    )
    for cx, cy in re.findall(r'<circle cx="([\d.]+)" cy="([\d.]+)"', svg):
        assert 0 < float(cx) < width
        assert 0 < float(cy) < height
    assert ">105<" in svg or ">110<" in svg  # the axis reaches past 100


def test_no_closed_quarter_renders_a_message_instead_of_a_chart():
    html = render_average_trend([])

    assert 'data-points="0"' in html
    assert "<svg" not in html


def test_trend_titles_are_escaped():
    svg = render_average_trend(averages(), title="<b>部门</b>")

    assert "<b>" not in svg
    assert "&lt;b&gt;" in svg


def test_trend_codes_values_and_the_id_are_escaped():
    odd = QuarterAverage(1, '<i>"Q"</i>', 2, D("90.00"), D("88.00"))
    svg = render_average_trend([odd], chart_id='t"<x>')

    assert "<i>" not in svg
    assert '"Q"' not in svg
    assert "&lt;i&gt;&quot;Q&quot;&lt;/i&gt;" in svg
    assert 'id="t&quot;&lt;x&gt;"' in svg


def _squeezed(markup: str) -> str:
    # Whitespace between and around tags is the template's layout, not the chart.
    markup = re.sub(r"\s+", " ", markup)
    return re.sub(r"\s*(<|>)\s*", r"\1", markup).strip()


# The trend as templates/appraisal/charts/average_trend.html drew it, before the
# drawing moved to Python; the page must not change.
TREND_AS_THE_TEMPLATE_DREW_IT = (
    '<figure class="chart-figure mb-3" id="t1" data-chart="average-trend" data-points="2">'
    '<ul class="chart-legend list-inline small mb-1" aria-hidden="true">'
    '<li class="list-inline-item me-3" data-legend="final">'
    '<svg width="18" height="10" viewBox="0 0 18 10" focusable="false">'
    '<line x1="0" y1="5" x2="18" y2="5" stroke="#0d6efd" stroke-width="2" />'
    '<circle cx="9" cy="5" r="3" fill="#0d6efd" /></svg>Average final score</li>'
    '<li class="list-inline-item" data-legend="average">'
    '<svg width="18" height="10" viewBox="0 0 18 10" focusable="false">'
    '<line x1="0" y1="5" x2="18" y2="5" stroke="#6c757d" stroke-width="1.5"'
    ' stroke-dasharray="4 3" /><circle cx="9" cy="5" r="2.5" fill="#6c757d" /></svg>'
    "Average of the quarter averages</li></ul>"
    '<svg viewBox="0 0 400 220" width="100%" preserveAspectRatio="xMinYMin meet" role="img"'
    ' aria-labelledby="t1-title t1-desc" focusable="false"><title id="t1-title">Trend</title>'
    '<desc id="t1-desc">2025Q4: average final score 86.20, average of the quarter averages'
    " 85.70. 2026Q1: average final score 91.05, average of the quarter averages 89.90.</desc>"
    '<line x1="34" y1="190" x2="386" y2="190" stroke="#dee2e6" stroke-width=".8" />'
    '<text x="30" y="190" dy=".35em" text-anchor="end" font-size="10" fill="#6c757d">80</text>'
    '<line x1="34" y1="134" x2="386" y2="134" stroke="#dee2e6" stroke-width=".8" />'
    '<text x="30" y="134" dy=".35em" text-anchor="end" font-size="10" fill="#6c757d">85</text>'
    '<line x1="34" y1="78" x2="386" y2="78" stroke="#dee2e6" stroke-width=".8" />'
    '<text x="30" y="78" dy=".35em" text-anchor="end" font-size="10" fill="#6c757d">90</text>'
    '<line x1="34" y1="22" x2="386" y2="22" stroke="#dee2e6" stroke-width=".8" />'
    '<text x="30" y="22" dy=".35em" text-anchor="end" font-size="10" fill="#6c757d">95</text>'
    '<polyline points="58,126.16 362,79.12" fill="none" stroke="#6c757d" stroke-width="1.5"'
    ' stroke-dasharray="4 3" />'
    '<polyline points="58,120.56 362,66.24" fill="none" stroke="#0d6efd" stroke-width="2"'
    ' stroke-linejoin="round" />'
    '<g data-quarter="2025Q4" data-final="86.20" data-average="85.70">'
    '<circle cx="58" cy="126.16" r="2.5" fill="#6c757d">'
    "<title>2025Q4 · Average of the quarter averages: 85.70</title></circle>"
    '<circle cx="58" cy="120.56" r="3.5" fill="#0d6efd" stroke="#ffffff" stroke-width="1">'
    "<title>2025Q4 · Average final score: 86.20</title></circle>"
    '<text x="58" y="113.56" text-anchor="middle" font-size="10" font-weight="600"'
    ' fill="#0a58ca" aria-hidden="true">86.20</text>'
    '<text x="58" y="206" text-anchor="middle" font-size="10" fill="#495057">2025Q4</text></g>'
    '<g data-quarter="2026Q1" data-final="91.05" data-average="89.90">'
    '<circle cx="362" cy="79.12" r="2.5" fill="#6c757d">'
    "<title>2026Q1 · Average of the quarter averages: 89.90</title></circle>"
    '<circle cx="362" cy="66.24" r="3.5" fill="#0d6efd" stroke="#ffffff" stroke-width="1">'
    "<title>2026Q1 · Average final score: 91.05</title></circle>"
    '<text x="362" y="59.24" text-anchor="middle" font-size="10" font-weight="600"'
    ' fill="#0a58ca" aria-hidden="true">91.05</text>'
    '<text x="362" y="206" text-anchor="middle" font-size="10" fill="#495057">2026Q1</text></g>'
    '</svg><div class="visually-hidden"><table><caption>Trend</caption><thead><tr>'
    '<th scope="col">Quarter</th><th scope="col">Average final score</th>'
    '<th scope="col">Average of the quarter averages</th><th scope="col">Employees</th>'
    "</tr></thead><tbody>"
    '<tr><th scope="row">2025Q4</th><td>86.20</td><td>85.70</td><td>40</td></tr>'
    '<tr><th scope="row">2026Q1</th><td>91.05</td><td>89.90</td><td>42</td></tr>'
    "</tbody></table></div></figure>"
)


def test_the_trend_draws_what_its_template_drew():
    trend = [
        QuarterAverage(1, "2025Q4", 40, D("86.20"), D("85.70")),
        QuarterAverage(2, "2026Q1", 42, D("91.05"), D("89.90")),
    ]
    with translation.override("en"):
        svg = render_average_trend(trend, title="Trend", chart_id="t1")

    assert _squeezed(svg) == _squeezed(TREND_AS_THE_TEMPLATE_DREW_IT)


def test_the_trend_speaks_the_page_language():
    with translation.override("zh-hans"):
        svg = render_average_trend(averages())
        empty = render_average_trend([])

    assert "平均最终得分" in svg
    assert "Average" not in svg
    assert "暂无已汇总的季度" in empty


# --- The daily totals of "my scores" (no database) ----------------------------------------


def _day(day: datetime.date, service: str, band: str, *, spot: bool = False) -> DayScore:
    sheet = DailySheet(
        day=day,
        is_spot_check=spot,
        discipline=D("20.0"),
        courtesy=D("10.0"),
        service=D(service),
        morality=D("20.0"),
    )
    return DayScore(day=day, sheet=sheet, band=band)


def _my_quarter(days: list[DayScore]) -> SimpleNamespace:
    # The chart reads these four of MyScores.
    return SimpleNamespace(
        quarter=QuarterId(2026, 3), settings=RuleSettings(), quarter_days=days, average=D("87.83")
    )


# As templates/appraisal/my_scores_chart.html drew it, before the drawing moved to Python.
SCORES_AS_THE_TEMPLATE_DREW_THEM = (
    '<svg class="score-chart" viewBox="0 0 360 200" width="100%"'
    ' preserveAspectRatio="xMidYMid meet" role="img" aria-labelledby="chart-title"'
    ' data-points="3"><title id="chart-title">Daily totals in 2026Q3</title>'
    '<line class="chart-axis" x1="26" y1="8" x2="352" y2="8" />'
    '<line class="chart-axis" x1="26" y1="182" x2="352" y2="182" />'
    '<text class="chart-label" x="23" y="11" text-anchor="end">100</text>'
    '<text class="chart-label" x="23" y="185" text-anchor="end">75</text>'
    '<text class="chart-label" x="76.2" y="195" text-anchor="middle">Jul</text>'
    '<line class="chart-month" x1="137.1" y1="8" x2="137.1" y2="182" />'
    '<text class="chart-label" x="187.2" y="195" text-anchor="middle">Aug</text>'
    '<line class="chart-month" x1="248.1" y1="8" x2="248.1" y2="182" />'
    '<text class="chart-label" x="298.3" y="195" text-anchor="middle">Sep</text>'
    '<line class="chart-threshold band-best" x1="26" y1="42.8" x2="352" y2="42.8"'
    ' data-threshold="95" />'
    '<text class="chart-label band-best" x="23" y="42.8" dy="3" text-anchor="end">95</text>'
    '<line class="chart-threshold band-ambassador" x1="26" y1="77.6" x2="352" y2="77.6"'
    ' data-threshold="90" />'
    '<text class="chart-label band-ambassador" x="23" y="77.6" dy="3" text-anchor="end">90</text>'
    '<line class="chart-threshold band-style" x1="26" y1="112.4" x2="352" y2="112.4"'
    ' data-threshold="85" />'
    '<text class="chart-label band-style" x="23" y="112.4" dy="3" text-anchor="end">85</text>'
    '<line class="chart-threshold band-pass" x1="26" y1="147.2" x2="352" y2="147.2"'
    ' data-threshold="80" />'
    '<text class="chart-label band-pass" x="23" y="147.2" dy="3" text-anchor="end">80</text>'
    '<line class="chart-average" x1="26" y1="92.7" x2="352" y2="92.7" />'
    '<polyline class="chart-line" points="26.0,15.0 151.4,88.0 352.0,154.2" />'
    '<circle class="chart-point band-best" cx="26.0" cy="15.0" r="2.4" data-day="2026-07-01"'
    ' data-total="99.0"><title>07/01/2026 · 99</title></circle>'
    '<circle class="chart-point band-pass is-spot" cx="151.4" cy="88.0" r="3.2"'
    ' data-day="2026-08-05" data-total="88.5"><title>08/05/2026 · 88.5</title></circle>'
    '<circle class="chart-point band-training" cx="352.0" cy="154.2" r="2.4"'
    ' data-day="2026-09-30" data-total="79.0"><title>09/30/2026 · 79</title></circle></svg>'
)


def test_the_daily_totals_draw_what_their_template_drew():
    days = [
        _day(datetime.date(2026, 7, 1), "49.0", "best"),
        _day(datetime.date(2026, 8, 5), "38.5", "pass", spot=True),
        _day(datetime.date(2026, 9, 30), "29.0", "training"),
    ]
    with translation.override("en"):
        svg = score_chart(_my_quarter(days))
        empty = score_chart(_my_quarter([]))

    assert _squeezed(svg) == _squeezed(SCORES_AS_THE_TEMPLATE_DREW_THEM)
    assert empty == (
        '<p class="text-muted mb-0" data-points="0">No daily sheets in this quarter yet.</p>'
    )


def test_the_daily_totals_speak_the_page_language():
    days = [_day(datetime.date(2026, 8, 5), "38.5", "pass")]
    # The same point drawn in English first: its remembered text is English only.
    with translation.override("en"):
        english = score_chart(_my_quarter(days))
    with translation.override("zh-hans"):
        svg = score_chart(_my_quarter(days))

    assert "<title>08/05/2026 · 88.5</title>" in english
    assert "2026Q3 季度每日得分" in svg
    assert "<title>2026年8月5日 · 88.5</title>" in svg
    assert ">七月<" in svg


def test_the_calendar_cells_are_what_the_template_drew():
    # Out of the month, empty, today selected with a spot check, a spot check:
    # as the loop in templates/appraisal/my_scores.html wrote them (whitespace aside).
    today = datetime.date(2026, 8, 12)
    scored = {
        today: _day(today, "38.0", "pass", spot=True),
        datetime.date(2026, 8, 14): _day(datetime.date(2026, 8, 14), "40.25", "style", spot=True),
    }
    weeks = [
        [
            CalendarDay(
                day=day,
                in_month=day.month == 8,
                is_today=day == today,
                is_selected=day == today,
                score=scored.get(day),
            )
            for day in week
        ]
        for week in calendar.Calendar().monthdatescalendar(2026, 8)
    ]
    scores = SimpleNamespace(month=datetime.date(2026, 8, 1), weeks=[weeks[0], weeks[2]])
    with translation.override("en"):
        cells = calendar_cells(scores)

    out = '<div class="cal-cell cal-out" aria-hidden="true"></div>'
    blank = '<div class="cal-cell cal-empty" data-day="2026-08-{0:02}"><span class="cal-num">{0}</span></div>'
    spot = '<span class="cal-spot" title="Spot check">Spot</span>'
    assert _squeezed(cells) == "".join(
        [
            out * 5,
            blank.format(1),
            blank.format(2),
            blank.format(10),
            blank.format(11),
            '<a class="cal-cell band-pass is-selected is-today"'
            ' href="?month=2026-08&amp;day=2026-08-12#day" data-day="2026-08-12"'
            ' data-total="88.0" data-band="pass" data-spot-check="1" aria-current="date">'
            f'<span class="cal-num">12</span><span class="cal-total">88</span>{spot}</a>',
            blank.format(13),
            '<a class="cal-cell band-style" href="?month=2026-08&amp;day=2026-08-14#day"'
            ' data-day="2026-08-14" data-total="90.25" data-band="style" data-spot-check="1">'
            f'<span class="cal-num">14</span><span class="cal-total">90.3</span>{spot}</a>',
            blank.format(15),
            blank.format(16),
        ]
    )


# --- Reading the tiers ---------------------------------------------------------------------


@pytest.fixture
def quarter():
    return QuarterFactory(year=2026, number=3, status=QuarterStatus.CLOSED)


def result(quarter, department, final="82.50", **kwargs):
    kwargs.setdefault("average", min(D(final), D(100)))
    # As the close computes it: the award follows the score unless disqualified.
    if not kwargs.get("disqualified") and not kwargs.get("training"):
        kwargs.setdefault("award_tier", kwargs.get("score_tier", AwardTier.NONE))
    return QuarterResultFactory(
        quarter=quarter, employee=EmployeeFactory(department=department), final=D(final), **kwargs
    )


@pytest.mark.django_db
def test_tier_counts_put_every_result_in_exactly_one_tier(quarter):
    loading = DepartmentFactory(name="装卸作业部", display_order=2)
    finance = DepartmentFactory(name="财务部", display_order=1)
    for tier, final in ((AwardTier.BEST, "96"), (AwardTier.BEST, "99")):
        result(quarter, loading, final, score_tier=tier)
    result(quarter, loading, "92", score_tier=AwardTier.AMBASSADOR)
    result(quarter, loading, "86", score_tier=AwardTier.STYLE)
    result(quarter, loading, "81", score_tier=AwardTier.NONE)
    result(quarter, loading, "75", training=True)
    # Disqualified counts once, as disqualified, whatever its score or training.
    result(quarter, loading, "97", score_tier=AwardTier.BEST, disqualified=True)
    result(quarter, loading, "70", training=True, disqualified=True)
    result(quarter, finance, "90", score_tier=AwardTier.AMBASSADOR)
    # Another quarter's results are not counted.
    other = QuarterFactory(year=2026, number=2, status=QuarterStatus.FINAL)
    result(other, finance, "96", score_tier=AwardTier.BEST)

    data = tier_counts(quarter=quarter)

    assert [item.name for item in data] == ["财务部", "装卸作业部"]
    assert data[0] == DepartmentTiers(finance.pk, "财务部", ambassador=1)
    assert data[1] == DepartmentTiers(
        loading.pk,
        "装卸作业部",
        best=2,
        ambassador=1,
        style=1,
        none=1,
        training=1,
        disqualified=2,
    )
    assert data[1].total == 8


@pytest.mark.django_db
def test_a_withdrawn_or_revoked_winner_is_counted_as_no_award(quarter):
    loading = DepartmentFactory(name="装卸作业部")
    result(quarter, loading, "96", score_tier=AwardTier.BEST)
    result(
        quarter,
        loading,
        "97",
        score_tier=AwardTier.BEST,
        award_tier=AwardTier.NONE,
        withdrawn=True,
        withdrawal_reason="服务投诉",
    )
    result(
        quarter,
        loading,
        "92",
        score_tier=AwardTier.AMBASSADOR,
        award_tier=AwardTier.NONE,
        approval=Approval.REVOKED,
        revocation_reason="异议成立",
    )

    (data,) = tier_counts(quarter=quarter)

    assert data == DepartmentTiers(loading.pk, "装卸作业部", best=1, none=2)
    svg = tier_counts_svg(quarter=quarter)
    assert [(tier, count) for _, _, tier, count in segments(svg)] == [("best", 1), ("none", 2)]


@pytest.mark.django_db
def test_tier_counts_take_one_query_whatever_the_number_of_departments(
    quarter, django_assert_num_queries
):
    for n in range(6):
        department = DepartmentFactory(name=f"部门{n}")
        result(quarter, department, "96", score_tier=AwardTier.BEST)
        result(quarter, department, "70", training=True)

    with django_assert_num_queries(1):
        data = tier_counts(quarter=quarter)
    with django_assert_num_queries(1):
        svg = tier_counts_svg(quarter=quarter)

    assert len(data) == 6
    assert len(departments_of(svg)) == 6
    assert "2026Q3" in svg


@pytest.mark.django_db
def test_tier_counts_can_be_narrowed_to_some_departments(quarter):
    mine = DepartmentFactory(name="货运部")
    theirs = DepartmentFactory(name="机械部")
    result(quarter, mine, "96", score_tier=AwardTier.BEST)
    result(quarter, theirs, "96", score_tier=AwardTier.BEST)

    data = tier_counts(quarter=quarter, departments=Department.objects.filter(pk=mine.pk))
    svg = tier_counts_svg(quarter=quarter, departments=Department.objects.filter(pk=mine.pk))

    assert [item.department_id for item in data] == [mine.pk]
    assert departments_of(svg) == [str(mine.pk)]


@pytest.mark.django_db
def test_a_quarter_without_results_draws_the_message(quarter):
    html = tier_counts_svg(quarter=QuarterFactory(year=2026, number=4))

    assert 'data-departments="0"' in html


# --- Reading the averages ----------------------------------------------------------------


@pytest.mark.django_db
def test_average_trend_averages_each_closed_quarter_half_up_oldest_first(
    django_assert_num_queries,
):
    department = DepartmentFactory(name="生产部")
    q4 = QuarterFactory(year=2025, number=4, status=QuarterStatus.PAID)
    q1 = QuarterFactory(year=2026, number=1, status=QuarterStatus.PUBLISHED)
    open_quarter = QuarterFactory(year=2026, number=2, status=QuarterStatus.OPEN)
    # 85.00 and 90.01: 87.505 rounds half up to 87.51; averages 80.00 and 80.01 to 80.01.
    result(q1, department, "85.00", average=D("80.00"))
    result(q1, department, "90.01", average=D("80.01"))
    result(q4, department, "100.50", average=D("95.50"))
    result(open_quarter, department, "60.00")  # a reopened quarter's stale result

    with django_assert_num_queries(1):
        data = average_trend()

    assert data == [
        QuarterAverage(q4.pk, "2025Q4", 1, D("100.50"), D("95.50")),
        QuarterAverage(q1.pk, "2026Q1", 2, D("87.51"), D("80.01")),
    ]
    assert all(isinstance(item.final, Decimal) for item in data)


def result_with_average(quarter, department, final, average):
    return QuarterResultFactory(
        quarter=quarter,
        employee=EmployeeFactory(department=department),
        average=average,
        final=final,
    )


@pytest.mark.django_db
def test_average_trend_by_department_by_quarters_and_the_latest_only():
    loading = DepartmentFactory(name="装卸作业部")
    finance = DepartmentFactory(name="财务部")
    quarters = [
        QuarterFactory(year=2024 + n // 4, number=n % 4 + 1, status=QuarterStatus.FINAL)
        for n in range(10)
    ]
    for quarter in quarters:
        result_with_average(quarter, loading, D("90.00"), D("90.00"))
        result_with_average(quarter, finance, D("80.00"), D("80.00"))

    latest = average_trend()
    assert [item.code for item in latest] == [q.code for q in quarters[-8:]]
    assert {item.final for item in latest} == {D("85.00")}

    by_department = average_trend(department=finance)
    assert {item.final for item in by_department} == {D("80.00")}

    chosen = average_trend(quarters=quarters[:2])
    assert [item.code for item in chosen] == ["2024Q1", "2024Q2"]

    svg = average_trend_svg(department=finance)
    assert len(re.findall(r"<g data-quarter=", svg)) == 8
    assert "财务部" in svg


@pytest.mark.django_db
def test_average_trend_svg_without_a_closed_quarter_says_so():
    QuarterFactory(year=2026, number=3, status=QuarterStatus.OPEN)

    html = average_trend_svg()

    assert 'data-points="0"' in html
    assert "<svg" not in html


# --- How they look -----------------------------------------------------------------------------


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("width", [1280, 390])
def test_the_charts_read_on_a_desktop_and_a_phone(browser, live_server, screenshot_dir, width):
    names = ["综合部", "财务部", "生产部", "货运部", "装卸作业部"]
    tiers = [
        DepartmentTiers(
            n,
            name,
            best=n,
            ambassador=2,
            style=3,
            none=4 - n % 3,
            training=n % 2,
            disqualified=1 if n == 3 else 0,
        )
        for n, name in enumerate(names, start=1)
    ]
    trend = [
        QuarterAverage(1, "2025Q3", 58, D("86.12"), D("85.40")),
        QuarterAverage(2, "2025Q4", 60, D("88.35"), D("87.10")),
        QuarterAverage(3, "2026Q1", 61, D("87.90"), D("86.95")),
        QuarterAverage(4, "2026Q2", 63, D("90.42"), D("88.80")),
    ]
    phone = width < 576
    context = browser.new_context(
        viewport={"width": width, "height": 900},
        device_scale_factor=2 if phone else 1,
        is_mobile=phone,
        has_touch=phone,
        locale="zh-CN",
    )
    page = context.new_page()
    page.goto(f"{live_server.url}/login/")
    page.set_content(
        f"""<!DOCTYPE html><html lang="zh-hans"><head><meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <link rel="stylesheet" href="{live_server.url}/static/vendor/bootstrap/bootstrap.min.css">
        </head><body class="container-fluid py-3">
        <h2 class="h5">2026Q2</h2>{render_tier_counts(tiers, title="2026Q2")}
        <h2 class="h5">趋势</h2>{render_average_trend(trend)}
        </body></html>"""
    )
    page.wait_for_load_state("networkidle")

    figures = page.locator("figure.chart-figure")
    assert figures.count() == 2
    for index in range(2):
        box = figures.nth(index).locator("svg[role=img]").bounding_box()
        assert box["width"] <= width
        assert box["height"] > 50
    assert page.locator("figure .visually-hidden table").count() == 2  # the numbers, for readers
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    page.screenshot(path=str(screenshot_dir / f"charts-{width}.png"), full_page=True)
    context.close()
