"""Forms of the event pages: ledger query, entry, rulings."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from appraisal.forms.common import ServiceErrorsMixin
from appraisal.models import EventKind, EventSource, EventValidity
from appraisal.rules import QuarterId
from appraisal.services import HEAD_EVENT_KINDS
from employees.models import DepartmentQuerySet, Employee, EmployeeQuerySet
from employees.permissions import may_rule_events

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


def employee_choice_label(employee: Employee) -> str:
    """How the picker lists an employee, and what choosing one puts in the field."""
    return f"{employee.number} {employee.name} · {employee.department.name}"


class EmployeePickerField(forms.Field):
    """One employee of `queryset`, from what was typed or chosen in the picker.

    The picker (an `<input list>` over a `<datalist>`, searched by
    static/js/employee-picker.js) sends the chosen line, "工号 姓名 · 部门", or
    what was typed: an employee number, or a name. The line's first word is
    read as the number; a name counts only when exactly one employee bears it.
    Anything else is an error on the field, which names it.
    """

    widget = forms.TextInput

    def __init__(self, *, queryset: EmployeeQuerySet | None = None, **kwargs: object) -> None:
        super().__init__(**kwargs)
        self.queryset = queryset
        self.scope_label = _("employees")

    def to_python(self, value: object) -> Employee | None:
        text = " ".join(str(value or "").split())
        if not text:
            return None
        number = text.split(" ", 1)[0]
        found = list(self.queryset.filter(number__iexact=number)[:2])
        if len(found) == 1:
            return found[0]
        found = list(self.queryset.filter(name=text)[:6])
        if len(found) == 1:
            return found[0]
        if found:
            raise ValidationError(
                _(
                    "Employee: “%(value)s” is the name of more than one employee "
                    "(%(numbers)s); type or choose the employee number."
                ),
                code="ambiguous",
                params={"value": text, "numbers": "、".join(e.number for e in found[:5])},
            )
        raise ValidationError(
            _("Employee: none of the %(scope)s has the number or name “%(value)s”."),
            code="invalid_choice",
            params={"value": text, "scope": self.scope_label},
        )

    def prepare_value(self, value: object) -> object:
        if isinstance(value, Employee):
            return employee_choice_label(value)
        return value


class EventEntryForm(ServiceErrorsMixin, forms.Form):
    """The record form of an event: the office's, or a department head's deduction."""

    employee = EmployeePickerField(
        label=_("Employee"),
        error_messages={"required": _("Employee: type an employee number or name and choose.")},
        help_text=_("Type part of a name or an employee number, then choose from the list."),
    )
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
            self.fields["employee"].scope_label = _("active employees")
            self.fields["kind"].choices = EventKind.choices
            self.fields["source"].choices = EventSource.choices
            self.fields["source"].initial = EventSource.OFFICE
            self.fields["validity"].choices = EventValidity.choices
        else:
            self.fields["employee"].queryset = employees.appraised().order_by("number")
            self.fields["employee"].scope_label = _("appraised employees of your department")
            self.fields["kind"].choices = [
                (kind.value, kind.label) for kind in EventKind if kind in HEAD_EVENT_KINDS
            ]
            # A department's deductions count at once; only the office rules.
            for name in ("source", "reported_by", "validity", "reason"):
                del self.fields[name]
            self.fields["amount"].help_text = _("A fine as a negative amount; empty for none.")
        self.fields["employee"].widget.attrs.update(
            {
                "list": "employee-options",
                "autocomplete": "off",
                "spellcheck": "false",
                "data-employee-picker": "",
                "aria-describedby": "employee-supervisor-warning",
            }
        )
        for field in self.fields.values():
            select = isinstance(field.widget, forms.Select)
            field.widget.attrs["class"] = "form-select" if select else "form-control"

    def employee_options(self) -> list[tuple[str, bool]]:
        """The picker's list: each employee's line, and whether they are a supervisor."""
        return [
            (employee_choice_label(employee), employee.is_supervisor)
            for employee in self.fields["employee"].queryset
        ]

    def chosen_supervisor(self) -> Employee | None:
        """The employee chosen, when a supervisor (not appraised: rules.md section 1)."""
        employee = getattr(self, "cleaned_data", {}).get("employee")
        return employee if employee is not None and employee.is_supervisor else None

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
