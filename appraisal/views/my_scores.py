"""The "my scores" page: what one employee sees about themselves.

It lives at /employees/me/ under the name `employees:me` (see config/urls.py), where
staff have always found it; the page reads appraisal records, so it lives here.
"""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from appraisal.charts_year import employee_year_svg
from appraisal.selectors.my_scores import day_from_param, month_from_param, my_scores_for
from appraisal.selectors.year import my_year_for


@login_required
def my_scores(request: HttpRequest) -> HttpResponse:
    """The login's own scores; there is no way to ask for anyone else's."""
    if not hasattr(request.user, "employee"):
        return render(request, "appraisal/my_scores_missing.html", status=404)
    today = timezone.localdate()
    day = day_from_param(value=request.GET.get("day"))
    month_param = request.GET.get("month")
    if day is not None and not month_param:
        month_param = day.strftime("%Y-%m")
    scores = my_scores_for(
        user=request.user,
        month=month_from_param(value=month_param, default=today),
        today=today,
        day=day,
    )
    my_year = my_year_for(employee=request.user.employee, year=today.year)
    if not my_year.has_scores:
        my_year = my_year_for(employee=request.user.employee, year=today.year - 1)
    year_chart = (
        employee_year_svg(year=my_year.year, finals=my_year.finals) if my_year.has_scores else None
    )
    return render(
        request,
        "appraisal/my_scores.html",
        {"scores": scores, "my_year": my_year, "year_chart": year_chart},
    )
