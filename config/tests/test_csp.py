"""The Content-Security-Policy: strict on every page, and templates that need nothing looser.

The policy (config/settings.py) allows scripts and styles only from our own
static files. That holds only while no template carries an inline script, an
inline event handler, a <style> block or a style attribute: the template scan
below keeps it so, and test_browser_csp.py checks real pages in Chromium.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.test import Client

from appraisal.tests.test_views_quarters import CODE, World
from awards.tests.factories import WorkBadgeFactory
from config.tests.test_settings import production_secret_key, run_manage

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"

STRICT = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self' data:",
    "object-src": "'none'",
    "base-uri": "'self'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}


def directives(header: str) -> dict[str, str]:
    parts = (part.strip().split(None, 1) for part in header.split(";") if part.strip())
    return {part[0]: part[1] if len(part) > 1 else "" for part in parts}


def main_pages(world: World) -> list[tuple[str, str]]:
    """(login, address) of the main page of each role; "" is nobody logged in."""
    badge = WorkBadgeFactory(employee=world.a1)
    a = world.a.pk
    return [
        ("", "/login/"),
        ("", f"/feedback/{badge.token}/"),
        ("office", "/"),
        ("hr", "/"),
        ("head", "/"),
        ("head", f"/appraisal/sheets/?day=2025-07-01&department={a}"),
        ("head", f"/appraisal/sheets/month/?month=2025-07&department={a}"),
        ("staff", "/employees/me/?month=2025-07"),
        ("office", f"/appraisal/quarters/{CODE}/"),
        ("office", f"/appraisal/quarters/{CODE}/notice/"),
        ("staff", f"/appraisal/quarters/{CODE}/notice/"),
        ("office", "/appraisal/events/pending/"),
        ("office", "/appraisal/events/"),
        ("office", "/awards/badges/print/"),
    ]


@pytest.mark.django_db
def test_every_main_page_of_every_role_sends_the_strict_policy():
    world = World().to("published")
    for name, address in main_pages(world):
        client = Client()
        if name:
            client.force_login(world.user(name))
        response = client.get(address)

        assert response.status_code == 200, (name, address)
        assert "Content-Security-Policy-Report-Only" not in response
        assert directives(response["Content-Security-Policy"]) == STRICT, (name, address)


@pytest.mark.django_db
def test_a_refused_page_and_a_post_answer_carry_the_policy_too(client):
    world = World()
    client.force_login(world.staff.user)

    refused = client.get(f"/appraisal/quarters/{CODE}/")
    switched = client.post("/i18n/setlang/", {"language": "en", "next": "/"})

    assert refused.status_code == 403
    assert directives(refused["Content-Security-Policy"]) == STRICT
    assert switched.status_code == 302
    assert directives(switched["Content-Security-Policy"]) == STRICT


def test_report_only_sends_the_same_policy_without_enforcing_it():
    def policy_settings(**environment: str) -> str:
        result = run_manage(
            "shell",
            "-c",
            "from django.conf import settings; "
            "print(sorted(getattr(settings, 'CONTENT_SECURITY_POLICY', {})), "
            "sorted(getattr(settings, 'CONTENT_SECURITY_POLICY_REPORT_ONLY', {})))",
            DEBUG="true",
            **environment,
        )
        assert result.returncode == 0, result.stderr
        return result.stdout.strip().splitlines()[-1]

    assert policy_settings() == "['DIRECTIVES'] []"
    assert policy_settings(CSP_REPORT_ONLY="false") == "['DIRECTIVES'] []"
    assert policy_settings(CSP_REPORT_ONLY="true") == "[] ['DIRECTIVES']"


def test_the_deploy_checks_pass_in_report_only_mode_too():
    result = run_manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        DEBUG="false",
        SECRET_KEY=production_secret_key(),
        ALLOWED_HOSTS="smile.example.com",
        CSP_REPORT_ONLY="true",
    )

    assert result.returncode == 0, result.stderr + result.stdout


# What the policy refuses in markup. A template comment may still mention them.
COMMENT = re.compile(r"{#.*?#}|{% comment %}.*?{% endcomment %}", re.S)
INLINE_SCRIPT = re.compile(r"<script\b(?![^>]*\bsrc=)[^>]*>", re.I)
EVENT_HANDLER = re.compile(r"<[a-z][^>]*?\son[a-z]+\s*=", re.I | re.S)
STYLE_BLOCK = re.compile(r"<style\b", re.I)
STYLE_ATTRIBUTE = re.compile(r"<[a-z][^>]*?\sstyle\s*=", re.I | re.S)


def offenders(pattern: re.Pattern[str]) -> list[str]:
    found = []
    for path in sorted(TEMPLATES.rglob("*.html")):
        text = COMMENT.sub("", path.read_text(encoding="utf-8"))
        found += [
            f"{path.relative_to(TEMPLATES)}: {m.group(0)[:80]}" for m in pattern.finditer(text)
        ]
    return found


@pytest.mark.parametrize(
    "pattern",
    [INLINE_SCRIPT, EVENT_HANDLER, STYLE_BLOCK, STYLE_ATTRIBUTE],
    ids=["inline script", "event handler", "style block", "style attribute"],
)
def test_no_template_needs_inline_script_or_style(pattern):
    assert offenders(pattern) == []


@pytest.mark.parametrize(
    ("markup", "pattern"),
    [
        ("<script>alert(1)</script>", INLINE_SCRIPT),
        ('<script type="module">x()</script>', INLINE_SCRIPT),
        ('<button type="button" onclick="window.print()">', EVENT_HANDLER),
        ('<select name="language"\n        onchange="this.form.submit()">', EVENT_HANDLER),
        ("<style>.a { color: red; }</style>", STYLE_BLOCK),
        ('<p class="x" style="white-space: pre-wrap">', STYLE_ATTRIBUTE),
    ],
)
def test_the_scan_finds_what_the_policy_refuses(markup, pattern):
    # Proves the scan above is really looking.
    assert pattern.search(COMMENT.sub("", markup))


@pytest.mark.parametrize(
    "markup",
    [
        '<script src="/static/js/page.js" defer></script>',
        '<button type="button" data-print>',
        '<select name="language" data-autosubmit>',
        '{# an onclick="x" in a comment #}',
        '<td data-money="award">',
    ],
)
def test_the_scan_lets_external_scripts_and_data_attributes_pass(markup):
    text = COMMENT.sub("", markup)
    for pattern in (INLINE_SCRIPT, EVENT_HANDLER, STYLE_BLOCK, STYLE_ATTRIBUTE):
        assert not pattern.search(text)
