"""A quarter's rule settings, edited by the office while the quarter is open, and the
company's own settings (its start date)."""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from appraisal.lifecycle import Action, assert_allowed
from appraisal.models import CompanySettings, Quarter, QuarterAction, RuleSettings
from appraisal.services.quarters import (
    _log,
    _quarter_lock,
    rule_settings_copy_defaults,
)
from employees.models import User
from employees.permissions import may_edit_rule_settings

# The fields of RuleSettings the office edits (everything but the bookkeeping).
RULE_SETTINGS_FIELDS = (
    "best_min",
    "ambassador_min",
    "style_min",
    "training_below",
    "best_award",
    "ambassador_award",
    "style_award",
    "praise_points",
    "monthly_deduction_limit",
    "badge_not_worn_points",
    "badge_lost_points",
    "work_badge_fine",
    "award_badge_fine",
    "notice_months",
    "hotline",
)


def rule_settings_errors(values: Mapping[str, object]) -> dict[str, str]:
    """What is wrong with rule settings, by field (the model's check constraints, spelled out).

    Amounts and points are not negative, the monthly limit is above zero, the
    notice lasts at least a month, and the tier thresholds are ordered:
    best > ambassador > style >= training.
    """
    label = {name: RuleSettings._meta.get_field(name).verbose_name for name in RULE_SETTINGS_FIELDS}
    errors: dict[str, str] = {}
    minimum = {
        "best_award": 0,
        "ambassador_award": 0,
        "style_award": 0,
        "work_badge_fine": 0,
        "award_badge_fine": 0,
        "praise_points": 0,
        "badge_not_worn_points": 0,
        "badge_lost_points": 0,
        "notice_months": 1,
    }
    for name, lowest in minimum.items():
        value = values.get(name)
        if isinstance(value, Decimal | int) and value < lowest:
            errors[name] = _("Ensure this value is greater than or equal to %(limit_value)s.") % {
                "limit_value": lowest
            }
    limit = values.get("monthly_deduction_limit")
    if isinstance(limit, Decimal) and limit <= 0:
        message = _("Ensure this value is greater than %(limit_value)s.")
        errors["monthly_deduction_limit"] = message % {"limit_value": 0}
    pairs = (
        ("ambassador_min", "best_min", False),
        ("style_min", "ambassador_min", False),
        ("training_below", "style_min", True),
    )
    for lower, upper, may_equal in pairs:
        low, high = values.get(lower), values.get(upper)
        if not isinstance(low, Decimal) or not isinstance(high, Decimal):
            continue
        if low > high or (low == high and not may_equal):
            message = (
                _("“%(lower)s” must not be above “%(upper)s”.")
                if may_equal
                else _("“%(lower)s” must be below “%(upper)s”.")
            )
            errors[lower] = message % {"lower": label[lower], "upper": label[upper]}
    return errors


@transaction.atomic
def rule_settings_update(
    *, quarter: Quarter, values: Mapping[str, object], updated_by: User
) -> RuleSettings:
    """The office changes an open quarter's rule settings; the quarter's log names the changes.

    A closed quarter keeps the settings it was computed with. Nothing changed
    writes nothing (no log entry).
    """
    if updated_by is None or not may_edit_rule_settings(updated_by):
        raise PermissionDenied(_("Only the appraisal office changes the rule settings."))
    unknown = sorted(set(values) - set(RULE_SETTINGS_FIELDS))
    if unknown:
        raise ValidationError(_("Not a rule setting: %(names)s.") % {"names": ", ".join(unknown)})
    quarter = _quarter_lock(quarter)
    assert_allowed(Action.SETTINGS, quarter)
    settings = RuleSettings.objects.select_for_update().filter(quarter=quarter).first()
    if settings is None:
        settings = rule_settings_copy_defaults(quarter=quarter)
    changed: list[tuple[str, object]] = []
    for name in RULE_SETTINGS_FIELDS:
        if name not in values:
            continue
        field = RuleSettings._meta.get_field(name)
        try:
            new = field.clean(values[name], settings)
        except ValidationError as error:
            raise ValidationError({name: error.messages}) from error
        old = getattr(settings, name)
        if new != old:
            setattr(settings, name, new)
            changed.append((name, old))
    errors = rule_settings_errors({name: getattr(settings, name) for name in RULE_SETTINGS_FIELDS})
    if errors:
        raise ValidationError(errors)
    if not changed:
        return settings
    settings.updated_by = updated_by
    settings.full_clean()
    settings.save()
    _log(
        quarter=quarter,
        action=QuarterAction.SETTINGS,
        by=updated_by,
        reason=_("Changed: %(fields)s")
        % {
            "fields": "; ".join(
                f"{RuleSettings._meta.get_field(name).verbose_name}"
                f" {old} → {getattr(settings, name)}"
                for name, old in changed
            )
        },
    )
    return settings


@transaction.atomic
def company_start_date_set(
    *, start_date: datetime.date | None, updated_by: User
) -> CompanySettings:
    """The office sets (or with None clears) the company's start date.

    Sheets and events are dated from it to today (rules.md section 4,
    "dates"); a start date still to come would refuse every day, so it is
    refused itself.
    """
    if updated_by is None or not may_edit_rule_settings(updated_by):
        raise PermissionDenied(_("Only the appraisal office changes the company's start date."))
    if start_date is not None and start_date > timezone.localdate():
        raise ValidationError(
            {"start_date": _("The company's start date cannot be a day still to come.")}
        )
    company = CompanySettings.objects.select_for_update().filter(pk=1).first()
    if company is None:
        company = CompanySettings(pk=1)
    elif company.start_date == start_date:
        return company
    company.start_date = start_date
    company.updated_by = updated_by
    company.full_clean()
    company.save()
    return company
