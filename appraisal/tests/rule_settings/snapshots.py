"""A quarter's rule settings as the tests compare them."""

from appraisal.models import RuleSettings
from appraisal.services import RULE_SETTINGS_FIELDS


def settings_of(quarter) -> RuleSettings:
    return RuleSettings.objects.get(quarter=quarter)


def snapshot(quarter) -> dict:
    settings = settings_of(quarter)
    return {name: getattr(settings, name) for name in RULE_SETTINGS_FIELDS}
