"""The rule settings page: the office edits a quarter's numbers while it is open; others read.

Thin view: the form validates, services write, selectors read. The role is checked
first (PermissionDenied → 403); a quarter code that does not parse is 404.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from appraisal.forms import CompanyStartDateForm, RuleSettingsForm
from appraisal.models import Quarter
from appraisal.rules import QuarterId
from appraisal.selectors.dates import entry_days
from appraisal.selectors.grid import quarter_for_day
from appraisal.selectors.settings import rule_settings_for, rule_settings_rows
from appraisal.services import (
    RULE_SETTINGS_FIELDS,
    company_start_date_set,
    quarter_ensure,
    rule_settings_update,
)
from employees.permissions import may_edit_rule_settings, may_read_rule_settings, role_required


@role_required(may_read_rule_settings)
@require_http_methods(["GET", "HEAD", "POST"])
def rule_settings(request: HttpRequest, code: str) -> HttpResponse:
    """A quarter's rule settings: the office edits them while it is open; others read."""
    try:
        qid = QuarterId.parse(code)
    except ValueError as error:
        raise Http404 from error
    quarter = quarter_for_day(day=qid.first_day)
    editable = may_edit_rule_settings(request.user) and (quarter is None or not quarter.is_locked)
    settings = rule_settings_for(quarter=quarter)
    days = entry_days()
    form = None
    if request.method == "POST":
        if not editable:
            raise PermissionDenied
        form = RuleSettingsForm(request.POST, instance=rule_settings_for(quarter=quarter))
        if form.is_valid() and _save(request, form=form, qid=qid, quarter=quarter):
            return redirect("appraisal:rule_settings", code=qid.code)
    elif editable:
        form = RuleSettingsForm(instance=settings)
    return render(
        request,
        "appraisal/settings/rule_settings.html",
        {
            "qid": qid,
            "quarter": quarter,
            "settings": settings,
            "is_default": settings.quarter_id is None,
            "form": form,
            "editable": editable,
            "rows": rule_settings_rows(settings=settings),
            "days": days,
            "start_form": (
                CompanyStartDateForm(initial={"start_date": days.start})
                if may_edit_rule_settings(request.user)
                else None
            ),
        },
    )


def _save(
    request: HttpRequest, *, form: RuleSettingsForm, qid: QuarterId, quarter: Quarter | None
) -> bool:
    """Write the valid form; False (the errors on the form) when the service refuses."""
    values = {name: form.cleaned_data[name] for name in RULE_SETTINGS_FIELDS}
    try:
        if quarter is None:
            quarter = quarter_ensure(qid=qid)
        rule_settings_update(quarter=quarter, values=values, updated_by=request.user)
    except ValidationError as error:
        form.add_service_error(error)
        return False
    messages.success(
        request, _("The rule settings of %(quarter)s are saved.") % {"quarter": qid.code}
    )
    return True


@role_required(may_edit_rule_settings)
@require_http_methods(["POST"])
def company_start_date(request: HttpRequest) -> HttpResponse:
    """The office sets the company's start date from the rule settings page."""
    try:
        back = QuarterId.parse(request.POST.get("quarter", ""))
    except ValueError:
        back = QuarterId.of(entry_days().today)
    form = CompanyStartDateForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return redirect("appraisal:rule_settings", code=back.code)
    try:
        company = company_start_date_set(
            start_date=form.cleaned_data["start_date"], updated_by=request.user
        )
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(request, _start_date_message(cleared=company.start_date is None))
    return redirect("appraisal:rule_settings", code=back.code)


def _start_date_message(*, cleared: bool) -> str:
    earliest = entry_days().earliest.isoformat()
    if cleared:
        return _(
            "The company's start date is cleared: sheets and events are dated from "
            "%(earliest)s to today."
        ) % {"earliest": earliest}
    return _("Sheets and events are now dated from %(earliest)s to today.") % {"earliest": earliest}
