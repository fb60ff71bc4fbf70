"""Login throttling (django-axes): wrong passwords lock a login and an address for a while.

The settings are the shipped defaults: five failures, lockout by login and by
address, fifteen minutes. The office unlocks by deleting the attempts in the admin.
"""

from __future__ import annotations

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.urls import reverse

from employees.models import Role
from employees.services import role_groups_sync
from employees.tests.factories import PASSWORD, UserFactory, hr_user, office_user

pytestmark = pytest.mark.django_db

LOGIN = reverse("login")
ATTACKER = "10.0.0.66"
ELSEWHERE = "10.0.0.77"


def log_in(client, username: str, password: str, address: str):
    return client.post(LOGIN, {"username": username, "password": password}, REMOTE_ADDR=address)


def logged_in(client) -> bool:
    return "_auth_user_id" in client.session


@pytest.fixture
def staff():
    role_groups_sync()
    return UserFactory(username="D1002", roles=[Role.STAFF])


def lock_out(client, username: str, address: str = ATTACKER) -> None:
    for _try in range(settings.AXES_FAILURE_LIMIT):
        log_in(client, username, "wrong-password", address)


def test_the_defaults_are_five_tries_by_login_and_by_address_for_fifteen_minutes():
    assert settings.AXES_ENABLED
    assert settings.AXES_FAILURE_LIMIT == 5
    assert settings.AXES_COOLOFF_TIME.total_seconds() == 15 * 60
    assert settings.AXES_LOCKOUT_PARAMETERS == ["username", "ip_address"]
    assert settings.AUTHENTICATION_BACKENDS[0] == "axes.backends.AxesStandaloneBackend"


def test_four_wrong_passwords_still_let_the_right_one_in(client, staff):
    for _try in range(settings.AXES_FAILURE_LIMIT - 1):
        log_in(client, "D1002", "wrong-password", ATTACKER)

    response = log_in(client, "D1002", PASSWORD, ATTACKER)

    assert response.status_code == 302
    assert logged_in(client)


def test_five_wrong_passwords_then_the_right_one_is_refused_with_a_chinese_page(client, staff):
    lock_out(client, "D1002")

    response = log_in(client, "D1002", PASSWORD, ATTACKER)

    assert response.status_code == 429
    assert "registration/locked_out.html" in [t.name for t in response.templates]
    page = response.content.decode()
    assert "密码错误次数过多" in page
    assert "锁定 15 分钟" in page
    assert not logged_in(client)


def test_the_locked_login_is_refused_from_another_address_too(client, staff):
    lock_out(client, "D1002")

    response = log_in(client, "D1002", PASSWORD, ELSEWHERE)

    assert response.status_code == 429
    assert not logged_in(client)


def test_an_address_that_guessed_at_many_logins_is_refused_for_every_login(client, staff):
    for n in range(settings.AXES_FAILURE_LIMIT):
        log_in(client, f"guess{n}", "wrong-password", ATTACKER)

    response = log_in(client, "D1002", PASSWORD, ATTACKER)

    assert response.status_code == 429
    assert not logged_in(client)


def test_another_login_from_another_address_still_logs_in(client, staff):
    lock_out(client, "D1002")
    UserFactory(username="D1003", roles=[Role.STAFF])

    response = log_in(client, "D1003", PASSWORD, ELSEWHERE)

    assert response.status_code == 302
    assert logged_in(client)


def test_the_admin_login_is_throttled_as_well(client, staff):
    lock_out(client, "D1002")

    response = client.post(
        reverse("admin:login"),
        {"username": "D1002", "password": PASSWORD},
        REMOTE_ADDR=ATTACKER,
    )

    assert response.status_code == 429


def test_after_the_office_unlocks_the_right_password_works_again(client, staff):
    lock_out(client, "D1002")
    office = office_user(username="office", is_staff=True)
    client.force_login(office)
    attempts = [str(pk) for pk in AccessAttempt.objects.values_list("pk", flat=True)]

    unlock = client.post(
        reverse("admin:axes_accessattempt_changelist"),
        {"action": "delete_selected", "_selected_action": attempts, "post": "yes"},
    )
    client.logout()
    response = log_in(client, "D1002", PASSWORD, ATTACKER)

    assert attempts
    assert unlock.status_code == 302
    assert not AccessAttempt.objects.exists()
    assert response.status_code == 302
    assert logged_in(client)


def test_the_role_sync_lets_the_office_and_only_the_office_unlock():
    role_groups_sync()
    office = office_user(username="office")
    hr = hr_user(username="hr")

    assert office.has_perm("axes.view_accessattempt")
    assert office.has_perm("axes.delete_accessattempt")
    assert not office.has_perm("axes.change_accessattempt")
    assert not hr.has_perm("axes.delete_accessattempt")
