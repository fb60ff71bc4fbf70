"""The quarter workbench: the office, department heads and HR run a quarter's life.

Thin views: forms validate, the services of "The quarter's life" write (and
check who may call them once more), selectors read. A refused role is 403, a
record outside the login's scope 404; a state the service refuses is shown as a
message, never a 500.
"""

from __future__ import annotations

import tempfile

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from appraisal import charts
from appraisal.exports import payout_workbook_write, results_workbook_write
from appraisal.forms import (
    DepartmentSubmitForm,
    ObjectionRecordForm,
    ObjectionRuleForm,
    QuarterApproveForm,
    QuarterCloseForm,
    QuarterConfirmForm,
    QuarterReasonForm,
    WorkbenchDepartmentForm,
)
from appraisal.models import (
    LOCKED_STATUSES,
    Objection,
    ObjectionStatus,
    Quarter,
    QuarterStatus,
    ReviewStatus,
)
from appraisal.selectors.quarters import (
    PUBLISHED_STATUSES,
    quarter_action_refusal,
    quarter_actions_for,
    quarter_close_preview,
    quarter_overview_for,
    quarters_list_for,
    results_show_money,
    workbench_may_open,
)
from appraisal.selectors.review import (
    approval_list_for,
    department_results_for,
    objection_targets_for,
    objections_for,
    public_notice_for,
    results_departments_for,
)
from appraisal.selectors.year import years_with_quarters
from appraisal.services import (
    department_submit,
    objection_record,
    objection_rule,
    quarter_approve,
    quarter_close,
    quarter_finalize,
    quarter_mark_paid,
    quarter_reopen,
)
from employees.models import Department
from employees.permissions import require_office, require_office_or_hr

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


# --- Helpers -----------------------------------------------------------------------


def _require_workbench(request: HttpRequest) -> None:
    if not workbench_may_open(user=request.user):
        raise PermissionDenied


def _quarter_or_404(code: str) -> Quarter:
    try:
        return Quarter.objects.get_by_code(code)
    except (ValueError, Quarter.DoesNotExist) as exc:
        raise Http404 from exc


def _overview(quarter: Quarter) -> HttpResponse:
    return redirect("appraisal:quarter", quarter.code)


def _posted(request: HttpRequest) -> object:
    """The POST data for a form, bound even when empty (a checkbox left unticked)."""
    return request.POST if request.method == "POST" else None


def _error_messages(request: HttpRequest, error: ValidationError) -> None:
    for message in error.messages:
        messages.error(request, message)


def _charts(
    *, quarter: Quarter, department: Department | None, trend: list[Quarter] | None = None
) -> dict[str, object]:
    """The tier counts of the quarter and the average across quarters, for one department or all."""
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


def _confirm(
    request: HttpRequest,
    *,
    quarter: Quarter,
    action: str,
    form: object,
    refusal: str = "",
    extra: dict | None = None,
    status: int = 200,
) -> HttpResponse:
    return render(
        request,
        "appraisal/quarters/confirm.html",
        {"quarter": quarter, "action": action, "form": form, "refusal": refusal, **(extra or {})},
        status=status,
    )


# --- The list and the overview -----------------------------------------------------


@login_required
@require_GET
def quarters(request: HttpRequest) -> HttpResponse:
    """Every quarter with its state, its key dates and what comes next."""
    _require_workbench(request)
    lines = quarters_list_for(user=request.user, today=timezone.localdate())
    return render(
        request, "appraisal/quarters/list.html", {"lines": lines, "years": years_with_quarters()}
    )


@login_required
@require_GET
def quarter(request: HttpRequest, code: str) -> HttpResponse:
    """Where the quarter stands, what comes next and the actions the login may take."""
    _require_workbench(request)
    quarter = _quarter_or_404(code)
    overview = quarter_overview_for(user=request.user, quarter=quarter, today=timezone.localdate())
    context = {
        "quarter": quarter,
        "overview": overview,
        "may": quarter_actions_for(user=request.user, quarter=quarter),
        # A head sees their own department's figures; the office and HR the company's.
        **_charts(
            quarter=quarter,
            department=None if results_show_money(user=request.user) else request.user.department,
            trend=overview.quarters_for_trend or None,
        ),
    }
    return render(request, "appraisal/quarters/overview.html", context)


# --- Close, reopen, finalise, paid ----------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def quarter_close_view(request: HttpRequest, code: str) -> HttpResponse:
    """GET: what closing will do; POST: close (or recompute) the quarter."""
    require_office(request)
    quarter = _quarter_or_404(code)
    today = timezone.localdate()
    refusal = quarter_action_refusal(quarter=quarter, action="close")
    form = QuarterCloseForm(_posted(request))
    if request.method == "POST" and not refusal and form.is_valid():
        try:
            report = quarter_close(
                quarter=quarter,
                closed_by=request.user,
                today=today,
                force=form.cleaned_data["force"],
            )
        except ValidationError as error:
            form.add_service_error(error)
        else:
            messages.success(
                request,
                ngettext(
                    "Quarter %(quarter)s is closed: %(count)d employee appraised, "
                    "%(winners)d nominated.",
                    "Quarter %(quarter)s is closed: %(count)d employees appraised, "
                    "%(winners)d nominated.",
                    report.results,
                )
                % {"quarter": quarter.code, "count": report.results, "winners": report.winners},
            )
            return _overview(quarter)
    elif request.method == "POST" and refusal:
        messages.error(request, refusal)
        return _overview(quarter)
    preview = quarter_close_preview(quarter=quarter, today=today)
    return _confirm(
        request,
        quarter=quarter,
        action="close",
        form=form,
        refusal=refusal,
        extra={"preview": preview},
    )


@login_required
@require_http_methods(["GET", "POST"])
def quarter_reopen_view(request: HttpRequest, code: str) -> HttpResponse:
    """GET: confirm with a reason; POST: reopen a closed, unapproved quarter."""
    require_office(request)
    quarter = _quarter_or_404(code)
    refusal = quarter_action_refusal(quarter=quarter, action="reopen")
    form = QuarterReasonForm(_posted(request))
    if request.method == "POST":
        if refusal:
            messages.error(request, refusal)
            return _overview(quarter)
        if form.is_valid():
            try:
                quarter_reopen(
                    quarter=quarter, reopened_by=request.user, reason=form.cleaned_data["reason"]
                )
            except ValidationError as error:
                form.add_service_error(error)
            else:
                messages.success(
                    request,
                    _("Quarter %(quarter)s is open again; close it when the corrections are made.")
                    % {"quarter": quarter.code},
                )
                return _overview(quarter)
    return _confirm(request, quarter=quarter, action="reopen", form=form, refusal=refusal)


@login_required
@require_http_methods(["GET", "POST"])
def quarter_finalize_view(request: HttpRequest, code: str) -> HttpResponse:
    """GET: confirm, or why not yet; POST: make the quarter final."""
    require_office(request)
    quarter = _quarter_or_404(code)
    overview = quarter_overview_for(user=request.user, quarter=quarter, today=timezone.localdate())
    refusal = overview.finalize_blocker
    form = QuarterConfirmForm(_posted(request))
    if request.method == "POST":
        if refusal:
            messages.error(request, refusal)
            return _overview(quarter)
        try:
            quarter = quarter_finalize(quarter=quarter, finalized_by=request.user)
        except ValidationError as error:
            _error_messages(request, error)
        else:
            messages.success(
                request, _("Quarter %(quarter)s is final.") % {"quarter": quarter.code}
            )
        return _overview(quarter)
    return _confirm(
        request,
        quarter=quarter,
        action="finalize",
        form=form,
        refusal=refusal,
        extra={"overview": overview},
    )


@login_required
@require_http_methods(["GET", "POST"])
def quarter_paid_view(request: HttpRequest, code: str) -> HttpResponse:
    """GET: confirm; POST: HR (or the office) marks a final quarter paid."""
    require_office_or_hr(request)
    quarter = _quarter_or_404(code)
    refusal = quarter_action_refusal(quarter=quarter, action="paid")
    form = QuarterConfirmForm(_posted(request))
    if request.method == "POST":
        if refusal:
            messages.error(request, refusal)
            return _overview(quarter)
        try:
            quarter_mark_paid(quarter=quarter, paid_by=request.user)
        except ValidationError as error:
            _error_messages(request, error)
        else:
            messages.success(
                request, _("Quarter %(quarter)s is marked paid.") % {"quarter": quarter.code}
            )
        return _overview(quarter)
    return _confirm(request, quarter=quarter, action="paid", form=form, refusal=refusal)


# --- A department's list ------------------------------------------------------------


def _results_page(
    request: HttpRequest,
    *,
    quarter: Quarter,
    department: Department | None,
    departments: object,
    form: DepartmentSubmitForm | None = None,
    status: int = 200,
) -> HttpResponse:
    listing = None
    if department is not None and quarter.status in LOCKED_STATUSES:
        listing = department_results_for(user=request.user, quarter=quarter, department=department)
    user = request.user
    may_submit = bool(
        listing is not None
        and listing.review is not None
        and quarter.status == QuarterStatus.CLOSED
        and listing.review.status == ReviewStatus.REVIEWING
        and (
            user.is_office
            or (user.is_department_head and user.department_id == listing.department.pk)
        )
    )
    if may_submit and form is None:
        form = DepartmentSubmitForm(nominees=listing.nominees)
    if not may_submit:
        form = None
    fields = {}
    if form is not None:
        fields = {result.employee_id: (w, reason) for result, w, reason in form.rows()}
    rows = (
        [(line, fields.get(line.result.employee_id)) for line in listing.lines] if listing else []
    )
    return render(
        request,
        "appraisal/quarters/results.html",
        {
            "quarter": quarter,
            "department": department,
            "departments": departments,
            "listing": listing,
            "rows": rows,
            "form": form,
            "show_money": results_show_money(user=user),
            "locked": quarter.status in LOCKED_STATUSES,
            **(_charts(quarter=quarter, department=department) if listing else {}),
        },
        status=status,
    )


@login_required
@require_GET
def results(request: HttpRequest, code: str) -> HttpResponse:
    """A department's list after the close; a head sees only their own department."""
    _require_workbench(request)
    quarter = _quarter_or_404(code)
    departments = results_departments_for(user=request.user, quarter=quarter)
    query = WorkbenchDepartmentForm(
        request.GET, departments=Department.objects.visible_to(request.user)
    )
    if not query.is_valid():
        # Another department than the head's own, or not a department at all.
        raise Http404
    department = query.cleaned_data["department"] or departments.first()
    if department is None and request.user.is_department_head:
        department = request.user.department
    return _results_page(request, quarter=quarter, department=department, departments=departments)


@login_required
@require_POST
def results_submit(request: HttpRequest, code: str, department_id: int) -> HttpResponse:
    """The head (or the office) withdraws nominees with reasons and submits the list."""
    user = request.user
    if not (user.is_office or user.is_department_head):
        raise PermissionDenied
    quarter = _quarter_or_404(code)
    departments = results_departments_for(user=user, quarter=quarter)
    department = get_object_or_404(departments, pk=department_id)
    listing = department_results_for(user=user, quarter=quarter, department=department)
    results_url = f"{reverse('appraisal:results', args=[quarter.code])}?{urlencode({'department': department.pk})}"
    if (
        quarter.status != QuarterStatus.CLOSED
        or listing.review is None
        or listing.review.status != ReviewStatus.REVIEWING
    ):
        messages.error(
            request,
            _(
                "The list of %(department)s cannot be submitted now: it is submitted once, "
                "after the close and before approval."
            )
            % {"department": department.name},
        )
        return redirect(results_url)
    form = DepartmentSubmitForm(request.POST, nominees=listing.nominees)
    if form.is_valid():
        try:
            department_submit(
                quarter=quarter,
                department=department,
                submitted_by=user,
                withdrawals=form.withdrawals(),
            )
        except ValidationError as error:
            form.add_service_error(error)
        else:
            messages.success(
                request,
                _("The list of %(department)s is submitted to the appraisal office.")
                % {"department": department.name},
            )
            return redirect(results_url)
    return _results_page(
        request, quarter=quarter, department=department, departments=departments, form=form
    )


# --- Approval, notice, objections -------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def quarter_approve_view(request: HttpRequest, code: str) -> HttpResponse:
    """Every department's nominees, approved or revoked one by one, then published."""
    require_office(request)
    quarter = _quarter_or_404(code)
    if quarter.status != QuarterStatus.CLOSED:
        messages.error(
            request,
            _("Quarter %(quarter)s is %(status)s: only a closed quarter can be approved.")
            % {"quarter": quarter.code, "status": quarter.get_status_display()},
        )
        return _overview(quarter)
    departments = approval_list_for(quarter=quarter)
    nominees = [result for item in departments for result in item.nominees]
    form = QuarterApproveForm(_posted(request), nominees=nominees)
    if request.method == "POST" and form.is_valid():
        try:
            quarter_approve(
                quarter=quarter,
                approved_by=request.user,
                on=form.cleaned_data["on"],
                revocations=form.revocations(),
            )
        except ValidationError as error:
            form.add_service_error(error)
        else:
            messages.success(
                request,
                _("Quarter %(quarter)s is approved and published; the public notice has started.")
                % {"quarter": quarter.code},
            )
            return _overview(quarter)
    fields = form.rows()
    not_submitted = [
        item.department for item in departments if item.review.status == ReviewStatus.REVIEWING
    ]
    return render(
        request,
        "appraisal/quarters/approve.html",
        {
            "quarter": quarter,
            "departments": departments,
            "form": form,
            "blocks": [
                (item, [(result, *fields[result.employee_id]) for result in item.nominees])
                for item in departments
            ],
            "not_submitted": not_submitted,
        },
    )


@login_required
@require_GET
def notice(request: HttpRequest, code: str) -> HttpResponse:
    """The printable public notice (张榜公示), for every login once the quarter is published."""
    quarter = _quarter_or_404(code)
    if quarter.status not in PUBLISHED_STATUSES:
        raise Http404
    query = WorkbenchDepartmentForm(request.GET, departments=Department.objects.all())
    if not query.is_valid():
        raise Http404
    content = public_notice_for(quarter=quarter, department=query.cleaned_data["department"])
    departments = Department.objects.filter(results__quarter=quarter).distinct()
    return render(
        request,
        "appraisal/quarters/notice.html",
        {"quarter": quarter, "notice": content, "departments": departments},
    )


def _objections_page(
    request: HttpRequest,
    *,
    quarter: Quarter,
    record_form: ObjectionRecordForm | None = None,
    rule_forms: dict[int, ObjectionRuleForm] | None = None,
    status: int = 200,
) -> HttpResponse:
    writable = quarter.status == QuarterStatus.PUBLISHED
    items = objections_for(quarter=quarter)
    rule_forms = rule_forms or {}
    if writable:
        record_form = record_form or ObjectionRecordForm(
            employees=objection_targets_for(quarter=quarter)
        )
        for item in items:
            if item.status == ObjectionStatus.PENDING and item.pk not in rule_forms:
                rule_forms[item.pk] = ObjectionRuleForm(auto_id=f"id_rule{item.pk}_%s")
    rows = [(item, rule_forms.get(item.pk)) for item in items]
    pending = sum(1 for item in items if item.status == ObjectionStatus.PENDING)
    return render(
        request,
        "appraisal/quarters/objections.html",
        {
            "quarter": quarter,
            "rows": rows,
            "pending": pending,
            "record_form": record_form if writable else None,
            "writable": writable,
        },
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def objections(request: HttpRequest, code: str) -> HttpResponse:
    """GET: the objections of the quarter; POST: record one against a winner."""
    require_office(request)
    quarter = _quarter_or_404(code)
    if quarter.status not in PUBLISHED_STATUSES:
        raise Http404
    if request.method == "GET":
        return _objections_page(request, quarter=quarter)
    if quarter.status != QuarterStatus.PUBLISHED:
        messages.error(
            request,
            _(
                "Quarter %(quarter)s is %(status)s: objections are recorded during the public notice."
            )
            % {"quarter": quarter.code, "status": quarter.get_status_display()},
        )
        return redirect("appraisal:objections", quarter.code)
    form = ObjectionRecordForm(request.POST, employees=objection_targets_for(quarter=quarter))
    if form.is_valid():
        try:
            objection_record(
                quarter=quarter,
                employee=form.cleaned_data["employee"],
                channel=form.cleaned_data["channel"],
                text=form.cleaned_data["text"],
                raised_by=form.cleaned_data["raised_by"],
                recorded_by=request.user,
            )
        except ValidationError as error:
            form.add_service_error(error)
        else:
            messages.success(request, _("The objection is recorded; rule on it below."))
            return redirect("appraisal:objections", quarter.code)
    return _objections_page(request, quarter=quarter, record_form=form)


@login_required
@require_POST
def objection_rule_view(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    """Uphold (revoking the award with the ruling as its reason) or dismiss an objection."""
    require_office(request)
    quarter = _quarter_or_404(code)
    objection = get_object_or_404(Objection, pk=pk, quarter=quarter)
    if quarter.status != QuarterStatus.PUBLISHED or objection.status != ObjectionStatus.PENDING:
        messages.error(
            request,
            _("This objection cannot be ruled on now: it is ruled once, during the public notice."),
        )
        return redirect("appraisal:objections", quarter.code)
    form = ObjectionRuleForm(request.POST, auto_id=f"id_rule{pk}_%s")
    if form.is_valid():
        try:
            objection_rule(
                objection=objection,
                status=form.cleaned_data["status"],
                ruling=form.cleaned_data["ruling"],
                ruled_by=request.user,
            )
        except ValidationError as error:
            form.add_service_error(error)
        else:
            messages.success(request, _("The objection is ruled on."))
            return redirect("appraisal:objections", quarter.code)
    return _objections_page(request, quarter=quarter, rule_forms={pk: form})


# --- The Excel files ---------------------------------------------------------------------


def _workbook_response(
    request: HttpRequest, *, quarter: Quarter, write: object, suffix: str
) -> HttpResponse:
    handle = tempfile.TemporaryFile()  # noqa: SIM115 - FileResponse closes it
    try:
        write(quarter=quarter, target=handle)
    except ValidationError as error:
        handle.close()
        _error_messages(request, error)
        return _overview(quarter)
    except BaseException:
        handle.close()
        raise
    handle.seek(0)
    return FileResponse(
        handle, as_attachment=True, filename=f"{quarter.code}-{suffix}.xlsx", content_type=XLSX
    )


@login_required
@require_GET
def results_xlsx(request: HttpRequest, code: str) -> HttpResponse:
    """Every appraised employee's result (interfaces.md "Results"), from the close on."""
    require_office_or_hr(request)
    quarter = _quarter_or_404(code)
    return _workbook_response(
        request, quarter=quarter, write=results_workbook_write, suffix="results"
    )


@login_required
@require_GET
def payout_xlsx(request: HttpRequest, code: str) -> HttpResponse:
    """The signable payout sheet (interfaces.md "Payout"), for a final or paid quarter."""
    require_office_or_hr(request)
    quarter = _quarter_or_404(code)
    return _workbook_response(
        request, quarter=quarter, write=payout_workbook_write, suffix="payout"
    )
