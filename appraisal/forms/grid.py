"""Forms of the day grid and month pages: sheet rows, grid and month queries, full marks."""

from __future__ import annotations

import datetime
import re
from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from appraisal.forms.common import IdListField, ServiceErrorsMixin
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
        # Django's own Chinese ends with an English full stop ("确认小数不超过 1 位.").
        error_messages={"max_decimal_places": _("Use at most one decimal place.")},
    )


class SheetRowForm(ServiceErrorsMixin, forms.Form):
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

    def sheet_values(self) -> dict[str, object]:
        """The row as `sheet_save` takes it (with the employee, day and who saves)."""
        data = self.cleaned_data
        return {
            "scores": self.scores(),
            "criteria": data["criteria"],
            "note": data["note"],
            "reason": data["reason"],
        }


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


class FillFullMarksForm(forms.Form):
    """ "Save full marks for the rest of the day" for one department."""

    day = forms.DateField(input_formats=["%Y-%m-%d"])
    department = forms.ModelChoiceField(queryset=None)
    skip = IdListField(required=False)

    def __init__(self, *args: object, departments: DepartmentQuerySet, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.fields["department"].queryset = departments
