"""Shared pieces of the appraisal forms: service errors on fields, id lists."""

from __future__ import annotations

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.utils.translation import gettext_lazy as _


class ServiceErrorsMixin:
    """Show a service's ValidationError on the fields it names, the rest on the form."""

    def add_service_error(self, error: ValidationError) -> None:
        if not hasattr(error, "error_dict"):
            self.add_error(None, error)
            return
        for name, errors in error.error_dict.items():
            self.add_error(name if name in self.fields else NON_FIELD_ERRORS, errors)


class IdListField(forms.Field):
    """Repeated `name=<id>` values as a list of ints."""

    widget = forms.MultipleHiddenInput

    def to_python(self, value: object) -> list[int]:
        if not value:
            return []
        if not isinstance(value, list | tuple):
            value = [value]
        try:
            return [int(item) for item in value]
        except (TypeError, ValueError) as exc:
            raise ValidationError(_("Not a list of ids.")) from exc
