"""Forms of the public feedback column: plain HTML, no JavaScript needed."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from feedback.models import FeedbackKind, FeedbackMessage
from feedback.selectors import LOOKUP_MIN_NAME, feedback_departments


def _max_length(field: str) -> int:
    return FeedbackMessage._meta.get_field(field).max_length


class LookupForm(forms.Form):
    """Find an employee by part of the name (and department) or by the whole number."""

    name = forms.CharField(
        label=_("Name"),
        max_length=50,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "enterkeyhint": "search"}),
    )
    department = forms.ModelChoiceField(
        label=_("Department"),
        queryset=feedback_departments(),
        required=False,
        empty_label=_("Any department"),
    )
    number = forms.CharField(
        label=_("Employee number"),
        max_length=20,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "text"}),
    )

    def clean(self) -> dict[str, object]:
        cleaned = super().clean()
        if not cleaned.get("name") and not cleaned.get("number"):
            raise forms.ValidationError(
                _("Enter the employee's name or the whole employee number."), code="no_query"
            )
        name = (cleaned.get("name") or "").strip()
        if name and not cleaned.get("number") and len(name) < LOOKUP_MIN_NAME:
            self.add_error(
                "name",
                _("Enter at least two characters of the name, or the whole employee number."),
            )
        return cleaned


class FeedbackForm(forms.Form):
    kind = forms.TypedChoiceField(
        label=_("Praise or complaint"),
        choices=FeedbackKind.choices,
        coerce=FeedbackKind,
        widget=forms.RadioSelect,
    )
    text = forms.CharField(
        label=_("What happened"),
        max_length=_max_length("text"),
        widget=forms.Textarea(attrs={"rows": 6}),
    )
    happened = forms.CharField(
        label=_("When (optional)"),
        max_length=_max_length("happened"),
        required=False,
        widget=forms.TextInput(attrs={"placeholder": _("e.g. this morning at the gate")}),
    )
    contact = forms.CharField(
        label=_("Your contact (optional)"),
        max_length=_max_length("contact"),
        required=False,
        help_text=_("A phone number or name, only if you would like the office to reply."),
    )
    # The honeypot: hidden from people by CSS, filled in by bots. A form with
    # it filled pretends to succeed and stores nothing.
    website = forms.CharField(
        label=_("Leave this field empty"),
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "tabindex": "-1"}),
    )

    # A one-time token: Back after sending restores the filled form, and sending
    # it again must not store the message twice (feedback.views).
    once = forms.CharField(required=False, widget=forms.HiddenInput)

    @property
    def is_spam(self) -> bool:
        return bool(self.cleaned_data.get("website"))
