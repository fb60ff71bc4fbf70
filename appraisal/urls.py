import datetime

from django.urls import path, register_converter

from appraisal import views

app_name = "appraisal"


class DayConverter:
    """A day written YYYY-MM-DD; an impossible date does not match (404)."""

    regex = r"\d{4}-\d{2}-\d{2}"

    def to_python(self, value: str) -> datetime.date:
        return datetime.date.fromisoformat(value)

    def to_url(self, value: datetime.date) -> str:
        return value.isoformat()


register_converter(DayConverter, "appraisal_day")

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
]
