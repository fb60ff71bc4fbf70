"""Forms of the appraisal app: they validate input; the services write."""

from __future__ import annotations

import datetime
import re
from decimal import Decimal

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from appraisal.models import (
    CategoryChoice,
    Criterion,
    EventKind,
    EventSource,
    EventValidity,
    ObjectionChannel,
    ObjectionStatus,
    RuleSettings,
)
from appraisal.rules import CATEGORY_MAX, Category, QuarterId
from appraisal.services import HEAD_EVENT_KINDS, RULE_SETTINGS_FIELDS, rule_settings_errors
from employees.models import DepartmentQuerySet, Employee
from employees.permissions import may_rule_events


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


class ServiceErrorsMixin:
    """Show a service's ValidationError on the fields it names, the rest on the form."""

    def add_service_error(self, error: ValidationError) -> None:
        if not hasattr(error, "error_dict"):
            self.add_error(None, error)
            return
        for name, errors in error.error_dict.items():
            self.add_error(name if name in self.fields else NON_FIELD_ERRORS, errors)


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


# --- The quarter workbench ---------------------------------------------------------


class QuarterCloseForm(ServiceErrorsMixin, forms.Form):
    """Close a quarter; `force` closes it before its last day."""

    force = forms.BooleanField(
        label=_("Close early, before the quarter's last day"), required=False
    )
    with_pending = forms.BooleanField(
        label=_("Close with these events pending: they will not count"), required=False
    )

    def __init__(self, *args: object, pending: int = 0, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.pending = pending

    def clean(self) -> dict:
        cleaned = super().clean()
        # rules.md section 5, "pending at close": the office confirms closing with them.
        if self.pending and not cleaned.get("with_pending"):
            self.add_error(
                "with_pending",
                _("Events are still pending: tick the box to close with them pending."),
            )
        return cleaned


class QuarterReasonForm(ServiceErrorsMixin, forms.Form):
    """A confirmation that needs a reason (reopening a quarter)."""

    reason = forms.CharField(
        label=_("Reason"), max_length=500, widget=forms.Textarea(attrs={"rows": 3})
    )


class QuarterConfirmForm(ServiceErrorsMixin, forms.Form):
    """A confirmation without fields (finalise, mark paid): the POST and its CSRF token."""


class WorkbenchDepartmentForm(forms.Form):
    """`?department=<id>` of the results and the notice, among the departments offered."""

    department = forms.ModelChoiceField(queryset=None, required=False)

    def __init__(self, *args: object, departments: DepartmentQuerySet, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.fields["department"].queryset = departments


class DepartmentSubmitForm(ServiceErrorsMixin, forms.Form):
    """A department's review: each nominee stays, or is withdrawn with a reason.

    `nominees` are the department's results whose score earns a tier and who are
    not disqualified; the fields are `withdraw_<employee id>` and `reason_<employee id>`.
    """

    # Submitting is final: the first press shows what will be sent, the second
    # (this field, set by the confirm button) sends it. Works without JavaScript.
    confirmed = forms.BooleanField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: object, nominees: list, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.nominees = list(nominees)
        for result in self.nominees:
            pk = result.employee_id
            self.fields[f"withdraw_{pk}"] = forms.BooleanField(
                label=_("Withdraw %(name)s") % {"name": result.employee.name},
                required=False,
                initial=result.withdrawn,
            )
            self.fields[f"reason_{pk}"] = forms.CharField(
                label=_("Reason for withdrawing %(name)s") % {"name": result.employee.name},
                max_length=500,
                required=False,
                initial=result.withdrawal_reason,
            )

    def clean(self) -> dict:
        cleaned = super().clean()
        for result in self.nominees:
            pk = result.employee_id
            withdraw = cleaned.get(f"withdraw_{pk}")
            reason = (cleaned.get(f"reason_{pk}") or "").strip()
            if withdraw and not reason and f"reason_{pk}" not in self.errors:
                self.add_error(
                    f"reason_{pk}",
                    _("Give a reason for withdrawing %(name)s.") % {"name": result.employee.name},
                )
            elif reason and not withdraw:
                self.add_error(
                    f"withdraw_{pk}",
                    _("Tick “withdraw” for %(name)s, or clear the reason.")
                    % {"name": result.employee.name},
                )
        return cleaned

    def rows(self) -> list[tuple[object, forms.BoundField, forms.BoundField]]:
        return [
            (result, self[f"withdraw_{result.employee_id}"], self[f"reason_{result.employee_id}"])
            for result in self.nominees
        ]

    def withdrawn_nominees(self) -> list[tuple[object, str]]:
        """(result, reason) of every nominee the valid form withdraws, for the confirmation."""
        reasons = self.withdrawals()
        return [(r, reasons[r.employee_id]) for r in self.nominees if r.employee_id in reasons]

    def withdrawals(self) -> dict[int, str]:
        return {
            result.employee_id: self.cleaned_data[f"reason_{result.employee_id}"].strip()
            for result in self.nominees
            if self.cleaned_data.get(f"withdraw_{result.employee_id}")
        }


class QuarterApproveForm(ServiceErrorsMixin, forms.Form):
    """The office's approval: each nominee approved (default) or revoked with a reason.

    The fields are `on` (the publishing date), `decision_<employee id>` and
    `reason_<employee id>`.
    """

    APPROVE = "approve"
    REVOKE = "revoke"

    on = forms.DateField(
        label=_("Publish on"),
        input_formats=["%Y-%m-%d"],
        widget=forms.DateInput(attrs={"type": "date", "class": "form-control"}, format="%Y-%m-%d"),
    )

    def __init__(self, *args: object, nominees: list, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.fields["on"].initial = timezone.localdate()
        self.nominees = list(nominees)
        choices = [(self.APPROVE, _("Approve")), (self.REVOKE, _("Revoke"))]
        for result in self.nominees:
            pk = result.employee_id
            self.fields[f"decision_{pk}"] = forms.ChoiceField(
                label=_("Decision on %(name)s") % {"name": result.employee.name},
                choices=choices,
                initial=self.APPROVE,
                required=False,
                widget=forms.RadioSelect,
            )
            self.fields[f"reason_{pk}"] = forms.CharField(
                label=_("Reason for revoking the award of %(name)s")
                % {"name": result.employee.name},
                max_length=500,
                required=False,
            )

    def clean(self) -> dict:
        cleaned = super().clean()
        for result in self.nominees:
            pk = result.employee_id
            revoke = cleaned.get(f"decision_{pk}") == self.REVOKE
            reason = (cleaned.get(f"reason_{pk}") or "").strip()
            if revoke and not reason and f"reason_{pk}" not in self.errors:
                self.add_error(
                    f"reason_{pk}",
                    _("Give a reason for revoking the award of %(name)s.")
                    % {"name": result.employee.name},
                )
        return cleaned

    def rows(self) -> dict[int, tuple[forms.BoundField, forms.BoundField]]:
        return {
            result.employee_id: (
                self[f"decision_{result.employee_id}"],
                self[f"reason_{result.employee_id}"],
            )
            for result in self.nominees
        }

    def revocations(self) -> dict[int, str]:
        return {
            result.employee_id: self.cleaned_data[f"reason_{result.employee_id}"].strip()
            for result in self.nominees
            if self.cleaned_data.get(f"decision_{result.employee_id}") == self.REVOKE
        }


class ObjectionRecordForm(ServiceErrorsMixin, forms.Form):
    """An objection against an approved winner, as the office takes it down."""

    employee = forms.ModelChoiceField(label=_("Winner objected to"), queryset=None)
    channel = forms.ChoiceField(label=_("Channel"))
    raised_by = forms.CharField(label=_("Raised by"), max_length=100, required=False)
    text = forms.CharField(
        label=_("What was said"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )
    # Unchecked by default: after the notice the office confirms a late objection explicitly.
    late = forms.BooleanField(label=_("Record as a late objection"), required=False)

    def __init__(self, *args: object, employees: object, **kwargs: object) -> None:

        super().__init__(*args, **kwargs)
        self.fields["employee"].queryset = employees
        self.fields["employee"].label_from_instance = lambda employee: (
            f"{employee.number} {employee.name} · {employee.department.name}"
        )
        self.fields["channel"].choices = ObjectionChannel.choices


class ObjectionRuleForm(ServiceErrorsMixin, forms.Form):
    """The office upholds (revoking the award) or dismisses a pending objection."""

    status = forms.ChoiceField(label=_("Ruling"), widget=forms.RadioSelect)
    ruling = forms.CharField(
        label=_("Reason for the ruling"),
        max_length=500,
        error_messages={
            "required": _(
                "Write the reason for the ruling: an upheld objection revokes the award "
                "with this reason, and a dismissed one keeps it on record."
            )
        },
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args: object, **kwargs: object) -> None:

        super().__init__(*args, **kwargs)
        self.fields["status"].choices = [
            (ObjectionStatus.UPHELD.value, ObjectionStatus.UPHELD.label),
            (ObjectionStatus.DISMISSED.value, ObjectionStatus.DISMISSED.label),
        ]


# --- Events, the office's queue, rule settings -------------------------------------


class EventLedgerQueryForm(forms.Form):
    """`?quarter=2026Q3&department=<id>&kind=…&validity=…` of the event ledger."""

    quarter = forms.ChoiceField(label=_("Quarter"), required=False)
    department = forms.ModelChoiceField(label=_("Department"), queryset=None, required=False)
    kind = forms.ChoiceField(label=_("Kind"), required=False)
    validity = forms.ChoiceField(label=_("Validity"), required=False)

    def __init__(
        self,
        *args: object,
        departments: DepartmentQuerySet,
        quarter_codes: list[str],
        **kwargs: object,
    ) -> None:

        super().__init__(*args, **kwargs)
        self.fields["quarter"].choices = [(code, code) for code in quarter_codes]
        self.fields["department"].queryset = departments
        self.fields["department"].empty_label = _("All departments")
        self.fields["kind"].choices = [("", _("All kinds")), *EventKind.choices]
        self.fields["validity"].choices = [("", _("Any validity")), *EventValidity.choices]
        for field in self.fields.values():
            field.widget.attrs["class"] = "form-select form-select-sm"

    def ledger_filters(self) -> dict[str, object]:
        """The query as `event_ledger` takes it (with the login)."""
        data = self.cleaned_data
        return {
            "quarter": QuarterId.parse(data["quarter"]),
            "department": data["department"],
            "kind": data["kind"],
            "validity": data["validity"],
        }


class EventEntryForm(ServiceErrorsMixin, forms.Form):
    """The record form of an event: the office's, or a department head's deduction."""

    employee = forms.ModelChoiceField(label=_("Employee"), queryset=None)
    date = forms.DateField(
        label=_("Date"),
        input_formats=["%Y-%m-%d"],
        widget=forms.DateInput(attrs={"type": "date", "class": "form-control"}, format="%Y-%m-%d"),
    )
    kind = forms.ChoiceField(label=_("Kind"))
    points = forms.DecimalField(
        label=_("Points"),
        required=False,
        min_value=Decimal("0"),
        max_value=Decimal("9999.9"),
        decimal_places=1,
        help_text=_("Required for a monthly deduction; empty means the quarter's rule setting."),
    )
    amount = forms.DecimalField(
        label=_("Amount (CNY)"),
        required=False,
        max_value=Decimal("99999999.99"),
        min_value=Decimal("-99999999.99"),
        decimal_places=2,
        help_text=_(
            "Positive for a reward, negative for a fine. Empty: a lost badge's fine, otherwise none."
        ),
    )
    source = forms.ChoiceField(label=_("Source"))
    reported_by = forms.CharField(label=_("Reported by"), max_length=100, required=False)
    note = forms.CharField(
        label=_("Note"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    validity = forms.ChoiceField(label=_("Validity"))
    reason = forms.CharField(
        label=_("Reason for the ruling"),
        max_length=500,
        required=False,
        help_text=_("Required when the event is recorded as invalid."),
    )

    def __init__(self, *args: object, user: object, **kwargs: object) -> None:

        super().__init__(*args, **kwargs)
        self.for_office = may_rule_events(user)
        employees = Employee.objects.visible_to(user).select_related("department")
        if self.for_office:
            self.fields["employee"].queryset = employees.filter(is_active=True).order_by(
                "department__display_order", "number"
            )
            self.fields["kind"].choices = EventKind.choices
            self.fields["source"].choices = EventSource.choices
            self.fields["source"].initial = EventSource.OFFICE
            self.fields["validity"].choices = EventValidity.choices
        else:
            self.fields["employee"].queryset = employees.appraised().order_by("number")
            self.fields["kind"].choices = [
                (kind.value, kind.label) for kind in EventKind if kind in HEAD_EVENT_KINDS
            ]
            # A department's deductions count at once; only the office rules.
            for name in ("source", "reported_by", "validity", "reason"):
                del self.fields[name]
            self.fields["amount"].help_text = _("A fine as a negative amount; empty for none.")
        self.fields["employee"].label_from_instance = lambda e: (
            f"{e.number} {e.name} · {e.department.name}"
        )
        for field in self.fields.values():
            select = isinstance(field.widget, forms.Select)
            field.widget.attrs["class"] = "form-select" if select else "form-control"

    def entry_values(self) -> dict[str, object]:
        """The event as `event_enter` takes it; a head's form leaves out what only the office sets."""
        data = self.cleaned_data
        return {
            "employee": data["employee"],
            "date": data["date"],
            "kind": data["kind"],
            "points": data["points"],
            "amount": data["amount"],
            "source": data.get("source") or EventSource.DEPARTMENT,
            "reported_by": data.get("reported_by", ""),
            "note": data["note"],
            "validity": data.get("validity") or None,
            "reason": data.get("reason", ""),
        }


class RowErrorsMixin:
    """For a ruling's row or page: errors the service names no field for are returned."""

    def error_messages(self) -> list[str]:
        return [str(message) for errors in self.errors.values() for message in errors]

    def add_service_error(self, error: ValidationError) -> list[str]:
        """Put the service's refusal on the fields it names; the rest is returned for the row."""
        if not hasattr(error, "error_dict"):
            return list(error.messages)
        row_errors: list[str] = []
        for name, errors in error.error_dict.items():
            for message in errors:
                if name in self.fields:
                    self.add_error(name, message)
                else:
                    row_errors.extend(message.messages)
        return row_errors


class EventRuleForm(RowErrorsMixin, forms.Form):
    """One step of the queue: valid, or invalid with a reason."""

    # Enter in the reason field posts the form's first button, which carries no
    # ruling: the answer asks to choose (issue 11: Enter once ruled valid).
    validity = forms.ChoiceField(
        label=_("Ruling"),
        error_messages={
            "required": _("Choose Valid or Invalid: pressing Enter does not rule."),
        },
    )
    reason = forms.CharField(label=_("Reason"), max_length=500, required=False)
    confirmed = forms.BooleanField(required=False)

    def __init__(self, *args: object, **kwargs: object) -> None:

        super().__init__(*args, **kwargs)
        self.fields["validity"].choices = [
            (EventValidity.VALID.value, EventValidity.VALID.label),
            (EventValidity.INVALID.value, EventValidity.INVALID.label),
        ]

    def clean(self) -> dict:
        cleaned = super().clean()
        if cleaned.get("validity") == "invalid" and not cleaned.get("reason", "").strip():
            self.add_error("reason", _("Give the reason why the event is invalid."))
        return cleaned


class EventReruleForm(RowErrorsMixin, forms.Form):
    """The office corrects a ruling: any of the three, always with a reason."""

    validity = forms.ChoiceField(
        label=_("New ruling"),
        choices=EventValidity.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose the new ruling.")},
    )
    reason = forms.CharField(
        label=_("Reason"),
        max_length=500,
        error_messages={"required": _("Give the reason for this ruling.")},
    )
    confirmed = forms.BooleanField(required=False, widget=forms.HiddenInput)


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
