"""The quarter workbench: the list, a quarter's overview, its close, reopening, the
final, the payout and the Excel files. A department's list, the approval, the notice
and the objections are in `appraisal.views.review`.

Thin views: forms validate, the services write (and check who may call them and
the quarter's state once more), selectors read. A refused role is 403, a record
outside the login's scope 404; a state the service refuses is shown as a message,
never a 500.
"""

from __future__ import annotations

import tempfile

from django.core.exceptions import ValidationError
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import render, resolve_url
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods

from appraisal import lifecycle
from appraisal.exports import payout_workbook_write, results_workbook_write
from appraisal.forms import QuarterCloseForm, QuarterConfirmForm, QuarterReasonForm
from appraisal.lifecycle import Action
from appraisal.models import Quarter, QuarterStatus
from appraisal.selectors.events import event_pending_in
from appraisal.selectors.quarters import (
    quarter_actions_for,
    quarter_close_preview,
    quarter_overview_for,
    quarters_list_for,
)
from appraisal.selectors.year import years_with_quarters
from appraisal.services import (
    CloseReport,
    quarter_close,
    quarter_finalize,
    quarter_mark_paid,
    quarter_reopen,
)
from appraisal.views.workbench import (
    chart_context,
    confirm_page,
    error_messages,
    overview_redirect,
    posted,
    quarter_or_404,
    service_outcome,
)
from employees.permissions import (
    may_manage_quarter,
    may_mark_paid,
    may_open_workbench,
    role_required,
    sees_every_department,
    sees_money,
)

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


# --- The list and the overview -----------------------------------------------------


@role_required(may_open_workbench)
@require_GET
def quarters(request: HttpRequest) -> HttpResponse:
    """Every quarter with its state, its key dates and what comes next."""
    lines = quarters_list_for(user=request.user, today=timezone.localdate())
    return render(
        request, "appraisal/quarters/list.html", {"lines": lines, "years": years_with_quarters()}
    )


@role_required(may_open_workbench)
@require_GET
def quarter(request: HttpRequest, code: str) -> HttpResponse:
    """Where the quarter stands, what comes next and the actions the login may take."""
    quarter = quarter_or_404(code)
    overview = quarter_overview_for(user=request.user, quarter=quarter, today=timezone.localdate())
    context = {
        "quarter": quarter,
        "overview": overview,
        "may": quarter_actions_for(user=request.user, quarter=quarter),
        # A head sees their own department's figures; the office and HR the company's.
        **chart_context(
            quarter=quarter,
            department=None if sees_every_department(request.user) else request.user.department,
            trend=overview.quarters_for_trend,
        ),
    }
    return render(request, "appraisal/quarters/overview.html", context)


# --- Close, reopen, finalise, paid ----------------------------------------------------


def _closed_message(report: CloseReport) -> str:
    return ngettext(
        "Quarter %(quarter)s is closed: %(count)d employee appraised, %(winners)d nominated.",
        "Quarter %(quarter)s is closed: %(count)d employees appraised, %(winners)d nominated.",
        report.results,
    ) % {"quarter": report.quarter.code, "count": report.results, "winners": report.winners}


@role_required(may_manage_quarter)
@require_http_methods(["GET", "POST"])
def quarter_close_view(request: HttpRequest, code: str) -> HttpResponse:
    """GET: what closing will do; POST: close (or recompute) the quarter."""
    quarter = quarter_or_404(code)
    today = timezone.localdate()
    pending = list(event_pending_in(quarter=quarter))
    # Confirmed once, at the first close; a recompute changes nothing about them.
    first_close = quarter.status == QuarterStatus.OPEN
    form = QuarterCloseForm(posted(request), pending=len(pending) if first_close else 0)

    def close() -> str:
        report = quarter_close(
            quarter=quarter, closed_by=request.user, today=today, force=form.cleaned_data["force"]
        )
        return _closed_message(report)

    if request.method == "POST" and form.is_valid():
        done = service_outcome(
            request, form=form, then=resolve_url("appraisal:quarter", quarter.code), call=close
        )
        if done:
            return done
    return confirm_page(
        request,
        quarter=quarter,
        page="close",
        form=form,
        refusal=lifecycle.refusal_for(Action.CLOSE, quarter),
        extra={
            "preview": quarter_close_preview(quarter=quarter, today=today),
            "pending": pending,
        },
    )


@role_required(may_manage_quarter)
@require_http_methods(["GET", "POST"])
def quarter_reopen_view(request: HttpRequest, code: str) -> HttpResponse:
    """GET: confirm with a reason; POST: reopen a closed, unapproved quarter."""
    quarter = quarter_or_404(code)
    form = QuarterReasonForm(posted(request))

    def reopen() -> str:
        quarter_reopen(
            quarter=quarter, reopened_by=request.user, reason=form.cleaned_data["reason"]
        )
        return _("Quarter %(quarter)s is open again; close it when the corrections are made.") % {
            "quarter": quarter.code
        }

    if request.method == "POST" and form.is_valid():
        done = service_outcome(
            request, form=form, then=resolve_url("appraisal:quarter", quarter.code), call=reopen
        )
        if done:
            return done
    refusal = lifecycle.refusal_for(Action.REOPEN, quarter)
    return confirm_page(request, quarter=quarter, page="reopen", form=form, refusal=refusal)


@role_required(may_manage_quarter)
@require_http_methods(["GET", "POST"])
def quarter_finalize_view(request: HttpRequest, code: str) -> HttpResponse:
    """GET: confirm, or why not yet; POST: make the quarter final."""
    quarter = quarter_or_404(code)
    if request.method == "POST":
        return service_outcome(
            request,
            then=resolve_url("appraisal:quarter", quarter.code),
            call=lambda: (
                _("Quarter %(quarter)s is final.")
                % {"quarter": quarter_finalize(quarter=quarter, finalized_by=request.user).code}
            ),
        )
    overview = quarter_overview_for(user=request.user, quarter=quarter, today=timezone.localdate())
    return confirm_page(
        request,
        quarter=quarter,
        page="finalize",
        form=QuarterConfirmForm(),
        # Not only the state: a running notice or a pending objection holds it back too.
        refusal=overview.finalize_blocker,
        extra={"overview": overview},
    )


@role_required(may_mark_paid)
@require_http_methods(["GET", "POST"])
def quarter_paid_view(request: HttpRequest, code: str) -> HttpResponse:
    """GET: confirm; POST: HR (or the office) marks a final quarter paid."""
    quarter = quarter_or_404(code)
    if request.method == "POST":
        return service_outcome(
            request,
            then=resolve_url("appraisal:quarter", quarter.code),
            call=lambda: (
                _("Quarter %(quarter)s is marked paid.")
                % {"quarter": quarter_mark_paid(quarter=quarter, paid_by=request.user).code}
            ),
        )
    refusal = lifecycle.refusal_for(Action.PAY, quarter)
    return confirm_page(
        request, quarter=quarter, page="paid", form=QuarterConfirmForm(), refusal=refusal
    )


# --- The Excel files ---------------------------------------------------------------------


def _workbook_response(
    request: HttpRequest, *, quarter: Quarter, write: object, suffix: str
) -> HttpResponse:
    handle = tempfile.TemporaryFile()  # noqa: SIM115 - FileResponse closes it
    try:
        write(quarter=quarter, target=handle)
    except ValidationError as error:
        handle.close()
        error_messages(request, error)
        return overview_redirect(quarter)
    except BaseException:
        handle.close()
        raise
    handle.seek(0)
    return FileResponse(
        handle, as_attachment=True, filename=f"{quarter.code}-{suffix}.xlsx", content_type=XLSX
    )


@role_required(sees_money)
@require_GET
def results_xlsx(request: HttpRequest, code: str) -> HttpResponse:
    """Every appraised employee's result (interfaces.md "Results"), from the close on."""
    quarter = quarter_or_404(code)
    return _workbook_response(
        request, quarter=quarter, write=results_workbook_write, suffix="results"
    )


@role_required(sees_money)
@require_GET
def payout_xlsx(request: HttpRequest, code: str) -> HttpResponse:
    """The signable payout sheet (interfaces.md "Payout"), for a final or paid quarter."""
    quarter = quarter_or_404(code)
    return _workbook_response(
        request, quarter=quarter, write=payout_workbook_write, suffix="payout"
    )
