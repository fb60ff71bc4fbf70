"""A quarter's rule settings: the office edits them while the quarter is open; others read them."""

from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from appraisal.models import Quarter, QuarterAction, QuarterLog, RuleSettings
from appraisal.rules import QuarterId
from appraisal.services import RULE_SETTINGS_FIELDS
from appraisal.tests.rule_settings.snapshots import settings_of, snapshot

pytestmark = pytest.mark.django_db

D = Decimal


def url(quarter) -> str:
    return reverse("appraisal:rule_settings", args=[quarter.code])


def post_data(quarter, **overrides) -> dict:
    data = {name: str(value) for name, value in snapshot(quarter).items()}
    data.update({name: str(value) for name, value in overrides.items()})
    return data


# --- The page ---------------------------------------------------------------------


def test_office_sees_the_form_of_an_open_quarter(client, office, quarter):
    client.force_login(office)

    response = client.get(url(quarter))

    html = response.content.decode()
    assert response.status_code == 200
    assert 'data-editable="1"' in html
    assert 'id="settings-form"' in html
    for name in RULE_SETTINGS_FIELDS:
        assert f'name="{name}"' in html


@pytest.mark.parametrize("who", ["hr", "head"])
def test_hr_and_heads_read_the_settings(client, request, quarter, who):
    client.force_login(request.getfixturevalue(who))

    response = client.get(url(quarter))

    html = response.content.decode()
    assert response.status_code == 200
    assert 'data-editable="0"' in html
    assert 'id="settings-form"' not in html
    assert 'data-setting="best_min" data-value="95.00"' in html


@pytest.mark.parametrize("who", ["hr", "head"])
def test_hr_and_heads_may_not_post(client, request, quarter, who):
    client.force_login(request.getfixturevalue(who))
    before = snapshot(quarter)

    response = client.post(url(quarter), post_data(quarter, best_min="99"))

    assert response.status_code == 403
    assert snapshot(quarter) == before


def test_staff_may_not_open_the_settings(client, staff, quarter):
    client.force_login(staff)

    assert client.get(url(quarter)).status_code == 403
    assert client.post(url(quarter), post_data(quarter, best_min="99")).status_code == 403
    assert settings_of(quarter).best_min == D("95")


def test_anonymous_visitors_are_sent_to_log_in(client, quarter):
    response = client.get(url(quarter))

    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_office_saves_the_settings(client, office, quarter):
    client.force_login(office)

    response = client.post(
        url(quarter), post_data(quarter, best_min="96.5", monthly_deduction_limit="12")
    )

    assert response.status_code == 302
    assert response.url == url(quarter)
    settings = settings_of(quarter)
    assert (settings.best_min, settings.monthly_deduction_limit) == (D("96.5"), D("12"))
    assert QuarterLog.objects.filter(quarter=quarter, action=QuarterAction.SETTINGS).count() == 1


def test_thresholds_out_of_order_show_on_their_fields_and_change_nothing(client, office, quarter):
    client.force_login(office)
    before = snapshot(quarter)

    response = client.post(url(quarter), post_data(quarter, style_min="91"))

    html = response.content.decode()
    assert response.status_code == 200
    assert 'data-error-for="style_min"' in html
    assert snapshot(quarter) == before
    assert not QuarterLog.objects.exists()


@pytest.mark.parametrize(
    ("field", "value"), [("best_award", "abc"), ("praise_points", "1.25"), ("notice_months", "0")]
)
def test_bad_input_shows_on_its_field(client, office, quarter, field, value):
    client.force_login(office)
    before = snapshot(quarter)

    response = client.post(url(quarter), post_data(quarter, **{field: value}))

    assert response.status_code == 200
    assert f'data-error-for="{field}"' in response.content.decode()
    assert snapshot(quarter) == before


def test_a_closed_quarter_is_read_only_even_for_the_office(client, office, closed_quarter):
    client.force_login(office)

    page = client.get(url(closed_quarter))
    response = client.post(url(closed_quarter), post_data(closed_quarter, best_min="99"))

    assert 'data-editable="0"' in page.content.decode()
    assert 'id="settings-locked"' in page.content.decode()
    assert response.status_code == 403
    assert settings_of(closed_quarter).best_min == D("95")


def test_a_quarter_not_yet_in_the_database_starts_from_the_defaults(client, office, today):
    qid = QuarterId.of(today).next()
    client.force_login(office)
    target = reverse("appraisal:rule_settings", args=[qid.code])

    page = client.get(target)
    assert 'data-defaults="1"' in page.content.decode()
    assert not Quarter.objects.filter(year=qid.year, number=qid.number).exists()

    defaults = RuleSettings.objects.get(is_default=True)
    data = {name: str(getattr(defaults, name)) for name in RULE_SETTINGS_FIELDS}
    data["praise_points"] = "8"
    response = client.post(target, data)

    assert response.status_code == 302
    quarter = Quarter.objects.get(year=qid.year, number=qid.number)
    assert settings_of(quarter).praise_points == D("8")
    assert RuleSettings.objects.get(is_default=True).praise_points == D("10")


def test_an_impossible_quarter_is_not_found(client, office):
    client.force_login(office)

    assert client.get("/appraisal/settings/2026Q5/").status_code == 404


def test_the_settings_form_keeps_csrf(office, quarter):
    client = Client(enforce_csrf_checks=True)
    client.force_login(office)

    response = client.post(url(quarter), post_data(quarter, best_min="99"))

    assert response.status_code == 403
    assert settings_of(quarter).best_min == D("95")
