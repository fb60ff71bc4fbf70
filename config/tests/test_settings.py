"""Production settings: refuse to start without secrets, pass Django's deploy checks.

Each check runs `manage.py` in a fresh interpreter, because settings are read
once per process and the test process itself runs with DEBUG on.
"""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

PROJECT_ROOT = Path(__file__).resolve().parents[2]
# Variables the settings read; none may leak in from the shell running the tests.
SETTINGS_VARIABLES = (
    "DEBUG",
    "SECRET_KEY",
    "ALLOWED_HOSTS",
    "DATABASE_URL",
    "CSRF_TRUSTED_ORIGINS",
    "SECURE_SSL_REDIRECT",
    "SESSION_COOKIE_SECURE",
    "CSRF_COOKIE_SECURE",
    "SECURE_HSTS_SECONDS",
    "SECURE_HSTS_INCLUDE_SUBDOMAINS",
    "SECURE_HSTS_PRELOAD",
    "SECURE_PROXY_SSL",
    "PUBLIC_BASE_URL",
    "CSP_REPORT_ONLY",
    "CSP_REPORT_URI",
    # Set for the browser tests' Playwright loop; a deployment never has it.
    "DJANGO_ALLOW_ASYNC_UNSAFE",
)
# Settings also read a `.env` file in the project root. A developer's file
# must not decide these tests, so the child process ignores it.
IGNORE_DOTENV = "import environ; environ.Env.read_env = classmethod(lambda *a, **k: None); "


def run_manage(*args: str, **environment: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in SETTINGS_VARIABLES}
    env |= {"DJANGO_SETTINGS_MODULE": "config.settings", **environment}
    code = (
        IGNORE_DOTENV
        + "import sys; from django.core.management import execute_from_command_line; "
        + "execute_from_command_line(['manage.py', *sys.argv[1:]])"
    )
    return subprocess.run(
        [sys.executable, "-c", code, *args],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def production_secret_key() -> str:
    return secrets.token_urlsafe(50)


def test_settings_refuse_to_start_without_a_secret_key_when_debug_is_off():
    result = run_manage("check", DEBUG="false", ALLOWED_HOSTS="smile.example.com")

    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "SECRET_KEY" in result.stderr


def test_debug_is_off_when_the_environment_does_not_say():
    result = run_manage("check")

    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_settings_start_with_a_secret_key_and_allowed_hosts():
    result = run_manage(
        "check",
        DEBUG="false",
        SECRET_KEY=production_secret_key(),
        ALLOWED_HOSTS="smile.example.com",
    )

    assert result.returncode == 0, result.stderr


def test_the_deploy_checks_pass_with_production_values():
    result = run_manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        DEBUG="false",
        SECRET_KEY=production_secret_key(),
        ALLOWED_HOSTS="smile.example.com",
    )

    assert result.returncode == 0, result.stderr + result.stdout


def test_the_deploy_checks_catch_a_weak_secret_key():
    # Proves the check above is really looking: a short key must fail it.
    result = run_manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        DEBUG="false",
        SECRET_KEY="short",
        ALLOWED_HOSTS="smile.example.com",
    )

    assert result.returncode != 0
    assert "security.W009" in result.stderr + result.stdout


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("LANGUAGE_CODE", "zh-hans"),
        ("TIME_ZONE", "Asia/Shanghai"),
        ("USE_TZ", True),
        ("USE_I18N", True),
    ],
)
def test_the_site_is_chinese_and_on_china_time(name, expected):
    assert getattr(settings, name) == expected
