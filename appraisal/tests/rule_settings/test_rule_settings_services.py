"""The rule settings service: the office edits an open quarter's settings."""

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from appraisal.models import QuarterAction, QuarterLog, RuleSettings
from appraisal.services import rule_settings_update
from appraisal.tests.rule_settings.snapshots import settings_of, snapshot

pytestmark = pytest.mark.django_db

D = Decimal


# --- rule_settings_update ---------------------------------------------------------


def test_office_changes_settings_and_the_log_names_the_fields(office, quarter):
    rule_settings_update(
        quarter=quarter,
        values={"best_min": D("96"), "style_award": D("250"), "hotline": "6264368"},
        updated_by=office,
    )

    settings = settings_of(quarter)
    assert (settings.best_min, settings.style_award, settings.updated_by) == (
        D("96"),
        D("250"),
        office,
    )
    entry = QuarterLog.objects.get(quarter=quarter)
    assert entry.action == QuarterAction.SETTINGS
    assert entry.by == office
    assert str(RuleSettings._meta.get_field("best_min").verbose_name) in entry.reason
    assert str(RuleSettings._meta.get_field("style_award").verbose_name) in entry.reason
    assert str(RuleSettings._meta.get_field("hotline").verbose_name) not in entry.reason


def test_no_change_writes_no_log(office, quarter):
    rule_settings_update(quarter=quarter, values=snapshot(quarter), updated_by=office)

    assert not QuarterLog.objects.exists()
    assert settings_of(quarter).updated_by is None


def test_thresholds_out_of_order_are_refused_on_their_fields(office, quarter):
    before = snapshot(quarter)

    with pytest.raises(ValidationError) as error:
        rule_settings_update(
            quarter=quarter,
            values={"ambassador_min": D("96"), "training_below": D("86")},
            updated_by=office,
        )

    assert {"ambassador_min", "training_below"} <= set(error.value.message_dict)
    assert snapshot(quarter) == before
    assert not QuarterLog.objects.exists()


def test_a_bad_value_is_refused_on_its_field(office, quarter):
    with pytest.raises(ValidationError) as error:
        rule_settings_update(quarter=quarter, values={"best_award": D("-1")}, updated_by=office)

    assert "best_award" in error.value.message_dict
    assert settings_of(quarter).best_award == D("500")


def test_an_unknown_setting_is_refused(office, quarter):
    with pytest.raises(ValidationError):
        rule_settings_update(quarter=quarter, values={"is_default": True}, updated_by=office)


def test_a_closed_quarter_keeps_its_settings(office, closed_quarter):
    with pytest.raises(ValidationError):
        rule_settings_update(
            quarter=closed_quarter, values={"best_min": D("99")}, updated_by=office
        )

    assert settings_of(closed_quarter).best_min == D("95")


@pytest.mark.parametrize("who", ["hr", "head", "staff"])
def test_only_the_office_changes_settings(request, quarter, who):
    with pytest.raises(PermissionDenied):
        rule_settings_update(
            quarter=quarter, values={"best_min": D("99")}, updated_by=request.getfixturevalue(who)
        )

    assert settings_of(quarter).best_min == D("95")
