"""Fixtures shared by every app's tests."""

import importlib

import pytest


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    # Uploaded photos go to a throw-away folder, never into the project.
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def _reference_data(request):
    """The rows the data migrations write: default rule settings, criteria, role groups.

    A transactional test (every browser test) empties every table when it ends,
    migration rows included, so tests that run after one put them back. The
    seeds are idempotent.
    """
    marker = request.node.get_closest_marker("django_db")
    fixtures = set(request.fixturenames)
    transactional = bool(marker and marker.kwargs.get("transaction")) or bool(
        fixtures & {"transactional_db", "live_server"}
    )
    if not (marker or transactional or "db" in fixtures):
        return
    request.getfixturevalue("transactional_db" if transactional else "db")
    from django.apps import apps

    from appraisal.models import RuleSettings

    if not RuleSettings.objects.filter(is_default=True).exists():
        for module in (
            "appraisal.migrations.0003_rule_defaults_and_criteria",
            "employees.migrations.0002_role_groups",
        ):
            importlib.import_module(module).seed(apps, None)


@pytest.fixture(scope="session", autouse=True)
def _flush_with_guards_off():
    """A transactional test's flush empties every table with TRUNCATE, which the
    PostgreSQL guards refuse (migration 0006); the test database is emptied the
    way a restore loads one, with triggers off for that one transaction."""
    from django.db import transaction
    from django.db.backends.postgresql.operations import DatabaseOperations

    original = DatabaseOperations.execute_sql_flush

    def execute_sql_flush(self, sql_list):
        with transaction.atomic(using=self.connection.alias):
            with self.connection.cursor() as cursor:
                cursor.execute("SET LOCAL session_replication_role = replica")
            original(self, sql_list)

    DatabaseOperations.execute_sql_flush = execute_sql_flush
    yield
    DatabaseOperations.execute_sql_flush = original


@pytest.fixture(autouse=True)
def _immediate_tasks(settings):
    # Background tasks run inside enqueue(), so a test sees a job end without a
    # worker. A test that wants to watch a job run sets the database backend
    # and runs `db_worker --batch` itself (employees/tests/test_upload_jobs.py).
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # The default PBKDF2 hasher costs about a second for every login a test creates.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _plain_static_storage(settings):
    # The manifest storage needs collectstatic; tests render pages without it.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


CHROMIUM = "/usr/bin/chromium"


@pytest.fixture(scope="session")
def browser():
    """Debian's Chromium driven by Playwright; the browser tests skip without it."""
    import os
    from pathlib import Path

    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} is not installed (apt-get install chromium)")
    # Playwright's sync API runs an event loop in this thread; the ORM calls the
    # tests make around it are still synchronous. Only while the browser runs.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        yield browser
        browser.close()
    if previous is None:
        del os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"]
    else:
        os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


@pytest.fixture
def screenshot_dir(tmp_path):
    """Where tests save screenshots: docs/screenshots/ when UPDATE_SCREENSHOTS=1."""
    import os
    from pathlib import Path

    if os.environ.get("UPDATE_SCREENSHOTS") == "1":
        target = Path(__file__).resolve().parent / "docs" / "screenshots"
        target.mkdir(parents=True, exist_ok=True)
        return target
    return tmp_path


def browser_login(page, live_server, username: str, password: str = "smile2026") -> None:
    """Log in through the real login form."""
    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("button[type=submit]")
    page.wait_for_load_state("networkidle")
