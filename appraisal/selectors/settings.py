"""Reads of the rule settings page."""

from __future__ import annotations

from appraisal.models import Quarter, RuleSettings

# --- Rule settings -----------------------------------------------------------------


def rule_settings_for(*, quarter: Quarter | None) -> RuleSettings:
    """A quarter's rule settings; the company defaults for a quarter not yet in the database."""
    if quarter is not None:
        own = RuleSettings.objects.filter(quarter=quarter).select_related("updated_by").first()
        if own is not None:
            return own
    return RuleSettings.objects.filter(is_default=True).first() or RuleSettings()


def rule_settings_rows(*, settings: RuleSettings) -> list[dict[str, object]]:
    """Each setting with its label, its help text and its value, in the page's order."""
    # Imported here: the services import the selectors package.
    from appraisal.services.settings import RULE_SETTINGS_FIELDS

    return [
        {
            "name": name,
            "label": settings._meta.get_field(name).verbose_name,
            "help": settings._meta.get_field(name).help_text,
            "value": getattr(settings, name),
        }
        for name in RULE_SETTINGS_FIELDS
    ]
