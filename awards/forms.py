"""Forms of the badge pages; the services do the checking that needs the database state."""

from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from appraisal.models import Quarter
from awards.models import AWARD_BADGE_QUARTER_STATUSES, WorkBadge
from awards.selectors import work_badge_current_for_number
from employees.models import Department, Employee, User


class DateInput(forms.DateInput):
    input_type = "date"


def _today_field(label: str) -> forms.DateField:
    return forms.DateField(label=label, widget=DateInput, initial=timezone.localdate)


class PrintFilterForm(forms.Form):
    """Which badges to print: one employee, one department, or everyone the login may see."""

    department = forms.ModelChoiceField(
        label=_("Department"), queryset=Department.objects.none(), required=False
    )
    employee = forms.ModelChoiceField(
        label=_("Employee"), queryset=Employee.objects.none(), required=False
    )

    def __init__(self, *args: object, user: User, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.fields["department"].queryset = Department.objects.visible_to(user)
        self.fields["employee"].queryset = Employee.objects.visible_to(user).filter(is_active=True)


class WorkBadgeLostForm(forms.Form):
    number = forms.CharField(label=_("Employee number"), max_length=20)
    lost_on = _today_field(_("Lost on"))
    confirm = forms.BooleanField(
        label=_("I confirm the loss: the fine and the deduction are recorded at once."),
    )

    def __init__(self, *args: object, user: User, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        self.badge: WorkBadge | None = None

    def clean_number(self) -> str:
        number = self.cleaned_data["number"]
        self.badge = work_badge_current_for_number(user=self.user, number=number)
        if self.badge is None:
            raise forms.ValidationError(
                _("No badge in use for employee number %(number)s."),
                code="no_badge",
                params={"number": number},
            )
        return number


class IssueMissingForm(forms.Form):
    issued_on = _today_field(_("Issued on"))


class AwardBadgesIssueForm(forms.Form):
    quarter = forms.ModelChoiceField(
        label=_("Quarter won"),
        queryset=Quarter.objects.filter(status__in=AWARD_BADGE_QUARTER_STATUSES),
    )
    issued_on = _today_field(_("Issued on"))


class AwardBadgeReturnForm(forms.Form):
    returned_on = _today_field(_("Returned on"))


class AwardBadgeLostForm(forms.Form):
    lost_on = _today_field(_("Lost on"))
    confirm = forms.BooleanField(
        label=_("I confirm the loss: the fine and the deduction are recorded at once."),
    )
