"""Argument parsing shared by the appraisal app's management commands."""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.core.management.base import CommandError
from django.utils.translation import gettext as _

from appraisal.models import Quarter
from appraisal.rules import QuarterId


def quarter_from_code(code: str) -> Quarter:
    """The stored quarter written `2026Q3`; a CommandError names a bad or unknown code."""
    try:
        qid = QuarterId.parse(code)
    except ValueError:
        raise CommandError(
            _("%(code)s is not a quarter; write it like 2026Q3.") % {"code": code}
        ) from None
    try:
        return Quarter.objects.get(year=qid.year, number=qid.number)
    except Quarter.DoesNotExist:
        raise CommandError(
            _("Quarter %(code)s does not exist: it has no sheets or events yet.")
            % {"code": qid.code}
        ) from None


def day_from_option(value: str | None, *, option: str) -> datetime.date | None:
    """The date of `--option YYYY-MM-DD`, None when not given."""
    if value is None:
        return None
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        raise CommandError(
            _("%(option)s takes a date written YYYY-MM-DD, not %(value)s.")
            % {"option": option, "value": value}
        ) from None


def refusal(error: ValidationError) -> CommandError:
    """A service's refusal as the command's error message."""
    return CommandError(" ".join(error.messages))
