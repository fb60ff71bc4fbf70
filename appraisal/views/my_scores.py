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
from appraisal.selectors.year import my_star_for, my_year_for
from employees.models import Employee


@login_required
def my_scores(request: HttpRequest) -> HttpResponse:
    """The login's own scores; there is no way to ask for anyone else's."""
    # Loaded with the login, department and all (employees.backends).
    try:
        employee = request.user.employee
    except Employee.DoesNotExist:
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
    # One query more: the service stars; the year itself has its own page (my_year).
    stars = my_star_for(employee=employee)
    return render(
        request,
        "appraisal/my_scores.html",
        {"scores": scores, "stars": stars, "year": today.year},
    )


@login_required
def my_year(request: HttpRequest, year: int) -> HttpResponse:
    """The login's own four quarters of `year` as far as published, with a chart and stars."""
    if not hasattr(request.user, "employee"):
        return render(request, "appraisal/my_scores_missing.html", status=404)
    mine = my_year_for(employee=request.user.employee, year=year)
    chart = employee_year_svg(year=year, finals=mine.finals)
    return render(request, "appraisal/years/mine.html", {"mine": mine, "chart": chart})
