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

from appraisal.forms import RuleSettingsForm
from appraisal.models import Quarter
from appraisal.rules import QuarterId
from appraisal.selectors.settings import rule_settings_for
from appraisal.services import RULE_SETTINGS_FIELDS, quarter_ensure, rule_settings_update


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
        },
    )
