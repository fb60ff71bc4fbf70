"""Forms of the quarter workbench: close, reasons, confirmation, departments, approval, objections."""

from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from appraisal.forms.common import ServiceErrorsMixin
from appraisal.models import ObjectionChannel, ObjectionStatus
from employees.models import DepartmentQuerySet

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
