"""What the quarter workbench's views share: the access check, the quarter from its
code, the charts, the confirmation page and the one way a service's answer is shown.
"""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from appraisal import charts, lifecycle
from appraisal.forms import ServiceErrorsMixin
from appraisal.models import Quarter
from employees.models import Department


def quarter_or_404(code: str) -> Quarter:
    try:
        return Quarter.objects.get_by_code(code)
    except (ValueError, Quarter.DoesNotExist) as exc:
        raise Http404 from exc


def overview_redirect(quarter: Quarter) -> HttpResponse:
    return redirect("appraisal:quarter", quarter.code)


def posted(request: HttpRequest) -> object:
    """The POST data for a form, bound even when empty (a checkbox left unticked)."""
    return request.POST if request.method == "POST" else None


def error_messages(request: HttpRequest, error: ValidationError) -> None:
    for message in error.messages:
        messages.error(request, message)


def service_outcome(
    request: HttpRequest,
    *,
    call: Callable[[], str],
    then: str,
    form: ServiceErrorsMixin | None = None,
) -> HttpResponse | None:
    """Take the action `call` (a service; it returns the success message) and go to `then`.

    A refusal (`appraisal.lifecycle.is_refused`: the action does not fit the
    state) is shown as a message and the view goes to `then` as well; any other
    error goes onto `form` and None is returned so the view shows the form again.
    Without a form every error is a message.
    """
    try:
        message = call()
    except ValidationError as error:
        if form is not None and not lifecycle.is_refused(error):
            form.add_service_error(error)
            return None
        error_messages(request, error)
        return redirect(then)
    messages.success(request, message)
    return redirect(then)


def confirm_page(
    request: HttpRequest,
    *,
    quarter: Quarter,
    page: str,
    form: object,
    refusal: str,
    extra: dict | None = None,
) -> HttpResponse:
    """The confirmation page of close, reopen, finalize and paid; with a refusal, no form."""
    return render(
        request,
        "appraisal/quarters/confirm.html",
        {"quarter": quarter, "action": page, "form": form, "refusal": refusal, **(extra or {})},
    )


def chart_context(
    *, quarter: Quarter, department: Department | None, trend: QuerySet[Quarter] | None = None
) -> dict[str, object]:
    """The tier counts of the quarter and the average across quarters, for one department or all.

    `trend` (unread: the chart's query takes it as a subquery) picks the quarters
    of the average; without it, or when it holds none, the latest closed ones.
    """
    departments = Department.objects.filter(pk=department.pk) if department else None
    return {
        "tier_chart": (
            charts.tier_counts_svg(quarter=quarter, departments=departments)
            if quarter.is_locked
            else None
        ),
        "trend_chart": charts.average_trend_svg(quarters=trend, department=department),
        "chart_department": department,
    }
