"""Writes for the appraisal app. Every function is one transaction."""

from __future__ import annotations

from django.db import transaction

from appraisal.models import Quarter, RuleSettings
from appraisal.rules import QuarterId


@transaction.atomic
def quarter_ensure(*, qid: QuarterId) -> Quarter:
    """The quarter `qid`, created open with a copy of the company's default rules if new."""
    quarter, created = Quarter.objects.get_or_create(year=qid.year, number=qid.number)
    if created or not RuleSettings.objects.filter(quarter=quarter).exists():
        rule_settings_copy_defaults(quarter=quarter)
    return quarter


def rule_settings_copy_defaults(*, quarter: Quarter) -> RuleSettings:
    defaults = RuleSettings.objects.get(is_default=True)
    values = {
        field.name: getattr(defaults, field.name)
        for field in RuleSettings._meta.concrete_fields
        if field.name not in {"id", "quarter", "is_default", "updated_at", "updated_by"}
    }
    settings = RuleSettings(quarter=quarter, is_default=False, **values)
    settings.full_clean()
    settings.save()
    return settings
