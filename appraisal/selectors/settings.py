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
