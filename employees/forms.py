"""Forms of the employees app."""

from __future__ import annotations

from pathlib import PurePath

from django import forms
from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _


class EmployeeImportForm(forms.Form):
    """HR's employee workbook. The form checks the name and size; the service reads it.

    `too_big` is set by the view when the upload handler stopped the file while it
    streamed in (it is then missing from request.FILES): the field says why.
    """

    file = forms.FileField(
        label=_("Employee workbook (.xlsx)"),
        widget=forms.ClearableFileInput(
            attrs={
                "accept": ".xlsx,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
            }
        ),
    )

    def __init__(self, *args: object, too_big: bool = False, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.too_big = too_big

    def _too_big_error(self) -> forms.ValidationError:
        return forms.ValidationError(
            _("The file is larger than %(limit)s; split it or remove what is not needed."),
            code="too_big",
            params={"limit": filesizeformat(settings.IMPORT_MAX_BYTES)},
        )

    def clean(self) -> dict[str, object]:
        cleaned = super().clean()
        if self.too_big:
            # The required error of a file that never arrived would mislead.
            self.errors.pop("file", None)
            self.add_error("file", self._too_big_error())
        return cleaned

    def clean_file(self) -> UploadedFile:
        upload: UploadedFile = self.cleaned_data["file"]
        if PurePath(upload.name or "").suffix.lower() != ".xlsx":
            raise forms.ValidationError(
                _("%(name)s is not an Excel workbook (.xlsx); save it as .xlsx and try again."),
                code="not_xlsx",
                params={"name": upload.name},
            )
        if upload.size is not None and upload.size > settings.IMPORT_MAX_BYTES:
            raise self._too_big_error()
        return upload


class EmployeeNumberForm(forms.Form):
    """One employee, by number: a new slip, or naming a head."""

    number = forms.CharField(label=_("Employee number"), max_length=20)


class ActivationForm(forms.Form):
    """An employee's first login: the number and code from the slip, then their own password.

    The code is checked here (`activation_check`, a read) and again by
    `activation_use` when it writes, which uses the code up.
    """

    number = forms.CharField(label=_("Employee number"), max_length=20)
    code = forms.CharField(label=_("Activation code"), max_length=40)
    password1 = forms.CharField(
        label=_("New password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    password2 = forms.CharField(
        label=_("New password again"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean(self) -> dict[str, object]:
        from django.contrib.auth.password_validation import validate_password

        from employees.accounts import activation_check

        cleaned = super().clean()
        number, code = cleaned.get("number"), cleaned.get("code")
        if not number or not code:
            return cleaned
        try:
            login = activation_check(number=number, code=code).user
        except forms.ValidationError as exc:
            self.add_error("code", exc)
            return cleaned
        password1, password2 = cleaned.get("password1"), cleaned.get("password2")
        if password1 and password2 and password1 != password2:
            self.add_error("password2", _("The two passwords differ."))
        elif password1:
            try:
                validate_password(password1, login)
            except forms.ValidationError as exc:
                self.add_error("password1", exc)
        return cleaned
