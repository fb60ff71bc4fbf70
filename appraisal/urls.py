import datetime

from django.urls import include, path, register_converter

from appraisal.views import my_scores, years
from appraisal.views import sheets as views

app_name = "appraisal"


class DayConverter:
    """A day written YYYY-MM-DD; an impossible date does not match (404)."""

    regex = r"\d{4}-\d{2}-\d{2}"

    def to_python(self, value: str) -> datetime.date:
        return datetime.date.fromisoformat(value)

    def to_url(self, value: datetime.date) -> str:
        return value.isoformat()


class QuarterConverter:
    """A quarter written 2026Q3, passed to the view as that code."""

    regex = r"\d{4}Q[1-4]"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: object) -> str:
        return getattr(value, "code", str(value))


register_converter(DayConverter, "appraisal_day")
register_converter(QuarterConverter, "quarter")

urlpatterns = [
    path("sheets/", views.day_grid, name="grid"),
    path("sheets/month/", views.month_view, name="month"),
    path("sheets/fill/", views.sheets_fill, name="fill"),
    path("sheets/<int:employee_id>/<appraisal_day:day>/", views.sheet_row_save, name="row"),
    path(
        "sheets/<int:employee_id>/<appraisal_day:day>/history/",
        views.sheet_history,
        name="history",
    ),
    # The office's and HR's workbench: quarters, results, notice, objections, payout.
    path("quarters/", include("appraisal.urls_quarters")),
    # The event ledger and the office's queue of pending events.
    path("events/", include("appraisal.urls_events")),
    # The numbers of the rules, per quarter.
    path("settings/", include("appraisal.urls_settings")),
    # The year end: summary, service stars, archive (rules.md section 7).
    path("years/<int:year>/", years.year_summary, name="year"),
    path("years/<int:year>/year.xlsx", years.year_xlsx, name="year_xlsx"),
    path("years/<int:year>/archive.xlsx", years.archive_xlsx, name="archive_xlsx"),
    path("years/<int:year>/archive/", years.year_archive_view, name="year_archive"),
    path("years/<int:year>/mine/", my_scores.my_year, name="my_year"),
    path("years/<int:year>/stars/", years.stars, name="stars"),
    path("years/<int:year>/stars/action/", years.stars_action, name="stars_action"),
    path(
        "years/<int:year>/stars/<int:pk>/certificate/",
        years.star_certificate,
        name="star_certificate",
    ),
]
