"""Forms of the settings pages: a quarter's rule settings, the company's start date."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from appraisal.forms.common import ServiceErrorsMixin
from appraisal.models import RuleSettings
from appraisal.services import RULE_SETTINGS_FIELDS, rule_settings_errors


class RuleSettingsForm(ServiceErrorsMixin, forms.ModelForm):
    """A quarter's rule settings as the office edits them; the service writes."""

    class Meta:
        model = RuleSettings
        # Everything but the quarter, the defaults flag and the bookkeeping.
        fields = RULE_SETTINGS_FIELDS

    def clean(self) -> dict:

        cleaned = super().clean()
        for name, message in rule_settings_errors(cleaned).items():
            if name in cleaned:
                self.add_error(name, message)
        return cleaned


class CompanyStartDateForm(forms.Form):
    """The company's start date as the office edits it; the service writes."""

    start_date = forms.DateField(
        label=_("company start date"),
        required=False,
        input_formats=["%Y-%m-%d"],
        widget=forms.DateInput(attrs={"type": "date", "class": "form-control"}, format="%Y-%m-%d"),
        help_text=_(
            "Sheets and events are dated from this day to today. Left empty, the earliest "
            "day accepted is 1 January of the previous year."
        ),
    )
