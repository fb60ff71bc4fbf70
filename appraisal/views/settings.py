"""The rule settings page: the office edits a quarter's numbers while it is open; others read.

Thin view: the form validates, services write, selectors read. The role is checked
first (PermissionDenied → 403); a quarter code that does not parse is 404.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from appraisal.forms import CompanyStartDateForm, RuleSettingsForm
from appraisal.models import Quarter
from appraisal.rules import QuarterId
from appraisal.selectors.dates import entry_days
from appraisal.selectors.settings import rule_settings_for
from appraisal.services import (
    RULE_SETTINGS_FIELDS,
    company_start_date_set,
    quarter_ensure,
    rule_settings_update,
)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def rule_settings(request: HttpRequest, code: str) -> HttpResponse:
    """A quarter's rule settings: the office edits them while it is open; others read."""
    user = request.user
    if not (user.is_office or user.is_hr or user.is_department_head):
        raise PermissionDenied
    try:
        qid = QuarterId.parse(code)
    except ValueError as error:
        raise Http404 from error
    quarter = Quarter.objects.filter(year=qid.year, number=qid.number).first()
    editable = user.is_office and (quarter is None or not quarter.is_locked)
    settings = rule_settings_for(quarter=quarter)
    days = entry_days()
    form = None
    if request.method == "POST":
        if not editable:
            raise PermissionDenied
        form = RuleSettingsForm(request.POST, instance=rule_settings_for(quarter=quarter))
        if form.is_valid():
            values = {name: form.cleaned_data[name] for name in RULE_SETTINGS_FIELDS}
            try:
                if quarter is None:
                    quarter = quarter_ensure(qid=qid)
                rule_settings_update(quarter=quarter, values=values, updated_by=user)
            except ValidationError as error:
                if hasattr(error, "error_dict"):
                    for name, errors in error.error_dict.items():
                        form.add_error(name if name in form.fields else None, errors)
                else:
                    form.add_error(None, error)
            else:
                messages.success(
                    request,
                    _("The rule settings of %(quarter)s are saved.") % {"quarter": qid.code},
                )
                return redirect("appraisal:rule_settings", code=qid.code)
    elif editable:
        form = RuleSettingsForm(instance=settings)
    rows = [
        {
            "name": name,
            "label": settings._meta.get_field(name).verbose_name,
            "help": settings._meta.get_field(name).help_text,
            "value": getattr(settings, name),
        }
        for name in RULE_SETTINGS_FIELDS
    ]
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
            "rows": rows,
            "days": days,
            "start_form": (
                CompanyStartDateForm(initial={"start_date": days.start}) if user.is_office else None
            ),
        },
    )


@login_required
@require_http_methods(["POST"])
def company_start_date(request: HttpRequest) -> HttpResponse:
    """The office sets the company's start date from the rule settings page."""
    if not request.user.is_office:
        raise PermissionDenied
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
        days = entry_days()
        messages.success(
            request,
            _("Sheets and events are now dated from %(earliest)s to today.")
            % {"earliest": days.earliest.isoformat()}
            if company.start_date
            else _(
                "The company's start date is cleared: sheets and events are dated from "
                "%(earliest)s to today."
            )
            % {"earliest": days.earliest.isoformat()},
        )
    return redirect("appraisal:rule_settings", code=back.code)
