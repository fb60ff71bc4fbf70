"""Views of the daily sheets: thin; forms validate, services write, selectors read."""

from __future__ import annotations

import datetime

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST

from appraisal.forms import FillFullMarksForm, GridQueryForm, MonthQueryForm, SheetRowForm
from appraisal.selectors.grid import (
    day_grid_for,
    grid_departments,
    grid_row_for,
    sheet_history_for,
)
from appraisal.selectors.month import month_grid_for
from appraisal.services import sheet_save, sheets_fill_full_marks
from employees.models import Employee
from employees.permissions import may_score, may_spot_check, role_required


def _grid_url(*, day: datetime.date, department_id: int, spot: bool = False) -> str:
    query = {"day": day.isoformat(), "department": department_id}
    if spot:
        query["spot"] = "1"
    return f"{reverse('appraisal:grid')}?{urlencode(query)}"


@role_required(may_score)
@require_GET
def day_grid(request: HttpRequest) -> HttpResponse:
    """The department head's day: employees in rows, the four categories in columns."""
    departments = grid_departments(user=request.user)
    query = GridQueryForm(request.GET, departments=departments)
    if not query.is_valid():
        # A department the user may not open, or a malformed day.
        raise Http404
    department = query.cleaned_data["department"] or departments.first()
    if department is None:
        raise Http404
    spot = query.cleaned_data["spot"] and may_spot_check(request.user)
    grid = day_grid_for(
        user=request.user, department=department, day=query.cleaned_data["day"], spot=spot
    )
    return render(
        request,
        "appraisal/day_grid.html",
        {"grid": grid, "departments": departments, "can_spot_check": may_spot_check(request.user)},
    )


@role_required(may_score)
@require_POST
def sheet_row_save(request: HttpRequest, employee_id: int, day: datetime.date) -> HttpResponse:
    """Save one row of the grid (htmx); answers with the row's state and cell errors.

    Always 200 so that htmx shows the errors; nothing is written when there is one.
    """
    employee = get_object_or_404(
        Employee.objects.visible_to(request.user).appraised().select_related("department"),
        pk=employee_id,
    )
    spot = request.POST.get("spot") == "1"
    form = SheetRowForm(request.POST, department_kind=employee.department.kind)
    saved = False
    if form.is_valid():
        try:
            values = form.sheet_values()
            sheet_save(
                employee=employee, day=day, is_spot_check=spot, saved_by=request.user, **values
            )
            saved = True
        except ValidationError as error:
            form.add_service_error(error)
    row = grid_row_for(user=request.user, employee=employee, day=day, spot=spot)
    return render(
        request,
        "appraisal/day_grid.html#row_response",
        {
            "row": row,
            "form": form,
            "saved": saved,
            "day": day,
            "spot": spot,
            # Keep the reason box open once shown, and open it when the service asks.
            "show_reason": "reason" in form.errors or "reason" in request.POST,
            "reason_value": "" if saved else request.POST.get("reason", ""),
        },
    )


@role_required(may_score)
@require_POST
def sheets_fill(request: HttpRequest) -> HttpResponse:
    """ "Save full marks for the rest of the day" for the department's unsaved rows."""
    form = FillFullMarksForm(request.POST, departments=grid_departments(user=request.user))
    if not form.is_valid():
        raise Http404
    department = form.cleaned_data["department"]
    day = form.cleaned_data["day"]
    try:
        count = sheets_fill_full_marks(
            department=department,
            day=day,
            saved_by=request.user,
            skip=form.cleaned_data["skip"],
        )
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(
            request,
            ngettext(
                "Saved full marks for %(count)d more employee.",
                "Saved full marks for %(count)d more employees.",
                count,
            )
            % {"count": count},
        )
    return redirect(_grid_url(day=day, department_id=department.pk))


@role_required(may_score)
@require_GET
def sheet_history(request: HttpRequest, employee_id: int, day: datetime.date) -> HttpResponse:
    """The revisions of one employee's sheets of one day (a partial for the details dialog)."""
    employee = get_object_or_404(
        Employee.objects.visible_to(request.user).select_related("department"), pk=employee_id
    )
    lines = sheet_history_for(user=request.user, employee=employee, day=day)
    return render(
        request,
        "appraisal/sheet_history.html",
        {"employee": employee, "day": day, "lines": lines},
    )


@role_required(may_score)
@require_GET
def month_view(request: HttpRequest) -> HttpResponse:
    """Employees × days of a month, coloured by score, with each quarter average so far."""
    departments = grid_departments(user=request.user)
    query = MonthQueryForm(request.GET, departments=departments)
    if not query.is_valid():
        raise Http404
    department = query.cleaned_data["department"] or departments.first()
    if department is None:
        raise Http404
    grid = month_grid_for(
        user=request.user, department=department, month=query.cleaned_data["month"]
    )
    return render(request, "appraisal/month_view.html", {"grid": grid, "departments": departments})
