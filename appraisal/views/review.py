"""The quarter workbench after the close: a department's list, the office's approval,
the public notice and the objections (rules.md section 6).

Thin views as in `appraisal.views.quarters`: the services check the quarter's
state and the views show their refusal as a message.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render, resolve_url
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from appraisal import lifecycle
from appraisal.forms import (
    DepartmentSubmitForm,
    ObjectionRecordForm,
    ObjectionRuleForm,
    QuarterApproveForm,
    WorkbenchDepartmentForm,
)
from appraisal.lifecycle import Action
from appraisal.models import Objection, ObjectionStatus, Quarter, ReviewStatus
from appraisal.rules import notice_over
from appraisal.selectors.quarters import quarter_actions_for
from appraisal.selectors.review import (
    approval_list_for,
    department_may_submit,
    department_results_for,
    objection_targets_for,
    objections_for,
    public_notice_for,
    results_departments_for,
)
from appraisal.services import department_submit, objection_record, objection_rule, quarter_approve
from appraisal.views.workbench import (
    chart_context,
    overview_redirect,
    posted,
    quarter_or_404,
    service_outcome,
)
from employees.models import Department
from employees.permissions import (
    is_department_head,
    may_manage_quarter,
    may_open_workbench,
    may_submit_lists,
    role_required,
    sees_money,
)

# --- A department's list ------------------------------------------------------------


def _results_page(
    request: HttpRequest,
    *,
    quarter: Quarter,
    department: Department | None,
    departments: object,
    form: DepartmentSubmitForm | None = None,
    confirming: bool = False,
) -> HttpResponse:
    user = request.user
    listing = None
    if department is not None and quarter.is_locked:
        listing = department_results_for(user=user, quarter=quarter, department=department)
    if listing is None or not department_may_submit(user=user, quarter=quarter, listing=listing):
        form = None
    elif form is None:
        form = DepartmentSubmitForm(nominees=listing.nominees)
    fields = {}
    if form is not None:
        fields = {result.employee_id: (w, reason) for result, w, reason in form.rows()}
    rows = (
        [(line, fields.get(line.result.employee_id)) for line in listing.lines] if listing else []
    )
    context = {
        "quarter": quarter,
        "department": department,
        "departments": departments,
        "listing": listing,
        "rows": rows,
        "form": form,
        "confirming": confirming and form is not None,
        "withdrawals": form.withdrawn_nominees() if confirming and form is not None else [],
        "show_money": sees_money(user),
        "locked": quarter.is_locked,
        **(chart_context(quarter=quarter, department=department) if listing else {}),
    }
    return render(request, "appraisal/quarters/results.html", context)


@role_required(may_open_workbench)
@require_GET
def results(request: HttpRequest, code: str) -> HttpResponse:
    """A department's list after the close; a head sees only their own department."""
    quarter = quarter_or_404(code)
    departments = results_departments_for(user=request.user, quarter=quarter)
    query = WorkbenchDepartmentForm(
        request.GET, departments=Department.objects.visible_to(request.user)
    )
    if not query.is_valid():
        # Another department than the head's own, or not a department at all.
        raise Http404
    department = query.cleaned_data["department"] or departments.first()
    if department is None and is_department_head(request.user):
        department = request.user.department
    return _results_page(request, quarter=quarter, department=department, departments=departments)


@role_required(may_submit_lists)
@require_POST
def results_submit(request: HttpRequest, code: str, department_id: int) -> HttpResponse:
    """The head (or the office) withdraws nominees with reasons and submits the list."""
    user = request.user
    quarter = quarter_or_404(code)
    departments = results_departments_for(user=user, quarter=quarter)
    department = get_object_or_404(departments, pk=department_id)
    listing = department_results_for(user=user, quarter=quarter, department=department)
    form = DepartmentSubmitForm(request.POST, nominees=listing.nominees)

    def submit() -> str:
        department_submit(
            quarter=quarter,
            department=department,
            submitted_by=user,
            withdrawals=form.withdrawals(),
        )
        return _("The list of %(department)s is submitted to the appraisal office.") % {
            "department": department.name
        }

    if form.is_valid() and not form.cleaned_data["confirmed"]:
        return _results_page(
            request,
            quarter=quarter,
            department=department,
            departments=departments,
            form=form,
            confirming=True,
        )
    if form.is_valid():
        then = f"{reverse('appraisal:results', args=[quarter.code])}?{urlencode({'department': department.pk})}"
        done = service_outcome(request, form=form, then=then, call=submit)
        if done:
            return done
    return _results_page(
        request, quarter=quarter, department=department, departments=departments, form=form
    )


# --- Approval, notice, objections -------------------------------------------------------


def _approve_page(
    request: HttpRequest, *, quarter: Quarter, departments: list, form: QuarterApproveForm
) -> HttpResponse:
    fields = form.rows()
    context = {
        "quarter": quarter,
        "departments": departments,
        "form": form,
        "blocks": [
            (item, [(result, *fields[result.employee_id]) for result in item.nominees])
            for item in departments
        ],
        "not_submitted": [
            item.department for item in departments if item.review.status == ReviewStatus.REVIEWING
        ],
    }
    return render(request, "appraisal/quarters/approve.html", context)


@role_required(may_manage_quarter)
@require_http_methods(["GET", "POST"])
def quarter_approve_view(request: HttpRequest, code: str) -> HttpResponse:
    """Every department's nominees, approved or revoked one by one, then published."""
    quarter = quarter_or_404(code)
    departments = approval_list_for(quarter=quarter)
    nominees = [result for item in departments for result in item.nominees]
    form = QuarterApproveForm(posted(request), nominees=nominees)

    def approve() -> str:
        quarter_approve(
            quarter=quarter,
            approved_by=request.user,
            on=form.cleaned_data["on"],
            revocations=form.revocations(),
        )
        return _(
            "Quarter %(quarter)s is approved and published; the public notice has started."
        ) % {"quarter": quarter.code}

    if request.method == "POST" and form.is_valid():
        then = resolve_url("appraisal:quarter", quarter.code)
        done = service_outcome(request, form=form, then=then, call=approve)
        if done:
            return done
    refusal = lifecycle.refusal_for(Action.APPROVE, quarter)
    if refusal:
        # The page is only for a quarter that can be approved.
        messages.error(request, refusal)
        return overview_redirect(quarter)
    return _approve_page(request, quarter=quarter, departments=departments, form=form)


@login_required
@require_GET
def notice(request: HttpRequest, code: str) -> HttpResponse:
    """The printable public notice (张榜公示), for every login once the quarter is published."""
    quarter = quarter_or_404(code)
    if not quarter_actions_for(user=request.user, quarter=quarter)["notice"]:
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
) -> HttpResponse:
    writable = lifecycle.allowed(Action.OBJECT, quarter.status)
    items = objections_for(quarter=quarter)
    rule_forms = rule_forms or {}
    if writable:
        record_form = record_form or ObjectionRecordForm(
            employees=objection_targets_for(quarter=quarter)
        )
        for item in items:
            if item.status == ObjectionStatus.PENDING and item.pk not in rule_forms:
                rule_forms[item.pk] = ObjectionRuleForm(auto_id=f"id_rule{item.pk}_%s")
    context = {
        "quarter": quarter,
        "rows": [(item, rule_forms.get(item.pk)) for item in items],
        "pending": sum(1 for item in items if item.status == ObjectionStatus.PENDING),
        "record_form": record_form if writable else None,
        "writable": writable,
        # Past the notice's last day the form asks the office to confirm a late objection.
        "notice_over": writable
        and notice_over(notice_ends_on=quarter.notice_ends_on, today=timezone.localdate()),
    }
    return render(request, "appraisal/quarters/objections.html", context)


@role_required(may_manage_quarter)
@require_http_methods(["GET", "POST"])
def objections(request: HttpRequest, code: str) -> HttpResponse:
    """GET: the objections of the quarter; POST: record one against a winner."""
    quarter = quarter_or_404(code)
    if not quarter_actions_for(user=request.user, quarter=quarter)["objections"]:
        raise Http404
    if request.method == "GET":
        return _objections_page(request, quarter=quarter)
    form = ObjectionRecordForm(request.POST, employees=objection_targets_for(quarter=quarter))

    def record() -> str:
        objection_record(
            quarter=quarter,
            employee=form.cleaned_data["employee"],
            channel=form.cleaned_data["channel"],
            text=form.cleaned_data["text"],
            raised_by=form.cleaned_data["raised_by"],
            recorded_by=request.user,
            late_confirmed=form.cleaned_data["late"],
        )
        return _("The objection is recorded; rule on it below.")

    if form.is_valid():
        then = resolve_url("appraisal:objections", quarter.code)
        done = service_outcome(request, form=form, then=then, call=record)
        if done:
            return done
    return _objections_page(request, quarter=quarter, record_form=form)


@role_required(may_manage_quarter)
@require_POST
def objection_rule_view(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    """Uphold (revoking the award with the ruling as its reason) or dismiss an objection."""
    quarter = quarter_or_404(code)
    objection = get_object_or_404(Objection, pk=pk, quarter=quarter)
    form = ObjectionRuleForm(request.POST, auto_id=f"id_rule{pk}_%s")

    def rule() -> str:
        objection_rule(
            objection=objection,
            status=form.cleaned_data["status"],
            ruling=form.cleaned_data["ruling"],
            ruled_by=request.user,
        )
        return _("The objection is ruled on.")

    if form.is_valid():
        then = resolve_url("appraisal:objections", quarter.code)
        done = service_outcome(request, form=form, then=then, call=rule)
        if done:
            return done
    return _objections_page(request, quarter=quarter, rule_forms={pk: form})
