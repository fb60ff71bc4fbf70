"""Forms of the appraisal app: they validate input; the services write."""

from __future__ import annotations

import datetime
import re
from decimal import Decimal

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from appraisal.models import CategoryChoice, Criterion
from appraisal.rules import CATEGORY_MAX, Category
from employees.models import DepartmentQuerySet


def _score_field(category: Category) -> forms.DecimalField:
    # No max_digits: "19.55" should read "at most one decimal place", not "too many digits".
    return forms.DecimalField(
        label=CategoryChoice(category.value).label,
        min_value=Decimal("0"),
        max_value=CATEGORY_MAX[category],
        decimal_places=1,
    )


class SheetRowForm(forms.Form):
    """One line of the day grid: the four scores, the criteria behind deductions, a note.

    `reason` is needed only to change a sheet saved on an earlier day; the
    service decides when.
    """

    discipline = _score_field(Category.DISCIPLINE)
    courtesy = _score_field(Category.COURTESY)
    service = _score_field(Category.SERVICE)
    morality = _score_field(Category.MORALITY)
    criteria = forms.ModelMultipleChoiceField(
        label=_("Criteria items"), queryset=Criterion.objects.none(), required=False
    )
    note = forms.CharField(label=_("Note"), max_length=500, required=False)
    reason = forms.CharField(label=_("Reason for the change"), max_length=500, required=False)

    def __init__(self, *args: object, department_kind: str, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.fields["criteria"].queryset = Criterion.objects.filter(department_kind=department_kind)

    def scores(self) -> dict[Category, Decimal]:
        return {category: self.cleaned_data[category.value] for category in Category}

    def add_service_error(self, error: ValidationError) -> None:
        """Show a service's ValidationError on the fields it names, the rest on the row."""
        if not hasattr(error, "error_dict"):
            self.add_error(None, error)
            return
        for name, errors in error.error_dict.items():
            self.add_error(name if name in self.fields else NON_FIELD_ERRORS, errors)


class GridQueryForm(forms.Form):
    """`?day=YYYY-MM-DD&department=<id>&spot=1` of the day grid."""

    day = forms.DateField(required=False, input_formats=["%Y-%m-%d"])
    department = forms.ModelChoiceField(queryset=None, required=False)
    spot = forms.BooleanField(required=False)

    def __init__(self, *args: object, departments: DepartmentQuerySet, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.fields["department"].queryset = departments

    def clean_day(self) -> datetime.date:
        return self.cleaned_data["day"] or timezone.localdate()


_MONTH = re.compile(r"^(?P<year>\d{4})-(?P<month>\d{2})$")


class MonthQueryForm(forms.Form):
    """`?month=YYYY-MM&department=<id>` of the month view."""

    month = forms.CharField(required=False)
    department = forms.ModelChoiceField(queryset=None, required=False)

    def __init__(self, *args: object, departments: DepartmentQuerySet, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.fields["department"].queryset = departments

    def clean_month(self) -> datetime.date:
        value = self.cleaned_data["month"]
        if not value:
            return timezone.localdate().replace(day=1)
        match = _MONTH.match(value)
        if not match or not 1 <= int(match["month"]) <= 12 or int(match["year"]) < 1900:
            raise ValidationError(_("Write the month as YYYY-MM."))
        return datetime.date(int(match["year"]), int(match["month"]), 1)


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


class FillFullMarksForm(forms.Form):
    """ "Save full marks for the rest of the day" for one department."""

    day = forms.DateField(input_formats=["%Y-%m-%d"])
    department = forms.ModelChoiceField(queryset=None)
    skip = IdListField(required=False)

    def __init__(self, *args: object, departments: DepartmentQuerySet, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.fields["department"].queryset = departments
