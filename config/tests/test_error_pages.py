"""Error pages are the project's own, translated, and need no request context."""

import pytest
from django.test import Client

from awards.tests.factories import WorkBadgeFactory

pytestmark = pytest.mark.django_db


def template_names(response) -> list[str]:
    return [template.name for template in response.templates]


def test_a_form_posted_without_its_csrf_cookie_gets_the_friendly_page():
    # WeChat's in-app browser may drop cookies: the customer must learn what to do.
    badge = WorkBadgeFactory()
    client = Client(enforce_csrf_checks=True)

    response = client.post(f"/feedback/{badge.token}/", {"kind": "praise", "text": "很好"})

    assert response.status_code == 403
    assert "403_csrf.html" in template_names(response)
    assert "请" in response.content.decode()


def test_an_unknown_page_gets_the_chinese_not_found_page(client):
    response = client.get("/no-such-page/")

    assert response.status_code == 404
    assert "404.html" in template_names(response)
    assert "页面" in response.content.decode()


def test_the_server_error_page_renders_without_a_request():
    from django.template import loader

    html = loader.get_template("500.html").render({})

    assert "</html>" in html
