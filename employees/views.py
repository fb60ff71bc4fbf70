from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone

from employees.selectors import (
    day_from_param,
    employee_list_for,
    month_from_param,
    my_scores_for,
)


@login_required
def home(request: HttpRequest) -> HttpResponse:
    user = request.user
    # Staff have one page of their own; everyone else starts from the cards.
    if hasattr(user, "employee") and not (user.is_office or user.is_hr or user.is_department_head):
        return redirect("employees:me")
    return render(request, "employees/home.html")


@login_required
def employee_list(request: HttpRequest) -> HttpResponse:
    employees = employee_list_for(user=request.user, search=request.GET.get("q", ""))
    page = Paginator(employees, 50).get_page(request.GET.get("page"))
    return render(request, "employees/employee_list.html", {"page": page})


@login_required
def my_scores(request: HttpRequest) -> HttpResponse:
    """The login's own scores; there is no way to ask for anyone else's."""
    if not hasattr(request.user, "employee"):
        return render(request, "employees/my_scores_missing.html", status=404)
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
    return render(request, "employees/my_scores.html", {"scores": scores})
