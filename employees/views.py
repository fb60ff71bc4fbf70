from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from employees.selectors import employee_list_for


@login_required
def home(request: HttpRequest) -> HttpResponse:
    return render(request, "employees/home.html")


@login_required
def employee_list(request: HttpRequest) -> HttpResponse:
    employees = employee_list_for(user=request.user, search=request.GET.get("q", ""))
    page = Paginator(employees, 50).get_page(request.GET.get("page"))
    return render(request, "employees/employee_list.html", {"page": page})
