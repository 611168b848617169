"""Security headers on every kind of page: a strict Content-Security-Policy (relaxed only on
the API docs pages, config/security_headers.py), Referrer-Policy, nosniff, COOP, no framing."""
import re

import pytest
from django.urls import reverse

STRICT = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'self'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}


def _policy(response) -> dict[str, str]:
    header = response.headers["Content-Security-Policy"]
    return dict(part.strip().split(" ", 1) for part in header.split(";") if part.strip())


def _assert_common_headers(response, opener_policy="same-origin"):
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Cross-Origin-Opener-Policy"] == opener_policy
    assert response.headers["X-Frame-Options"] == "DENY"


# "/no-such-page/" is a raw path on purpose: a 404 has no URL name to reverse.
@pytest.mark.parametrize("path", ["login", "admin:login", "schema", "healthz", "/no-such-page/"])
def test_every_kind_of_response_carries_the_strict_policy_and_the_other_headers(client, db, path):
    response = client.get(path if path.startswith("/") else reverse(path))
    policy = _policy(response)
    assert {name: policy.get(name) for name in STRICT} == STRICT
    assert "unsafe" not in response.headers["Content-Security-Policy"]
    _assert_common_headers(response)


def test_signed_in_pages_carry_the_strict_policy(client, staff, sneaker):
    client.force_login(staff)
    paths = [reverse("frontend:home"), reverse("frontend:queue"), reverse("frontend:product", args=[sneaker.pk])]
    for path in (*paths, reverse("frontend:runs"), reverse("admin:index")):
        response = client.get(path, follow=True)
        assert response.status_code == 200, path
        assert _policy(response)["script-src"] == "'self'", path


@pytest.mark.parametrize("url_name", ["api-docs", "api-redoc"])
def test_only_the_api_docs_pages_allow_inline_scripts_and_styles(staff_client_docs, url_name):
    response = staff_client_docs.get(reverse(url_name))
    assert response.status_code == 200
    policy = _policy(response)
    assert policy["script-src"] == "'self' 'unsafe-inline'"
    assert policy["style-src"] == "'self' 'unsafe-inline'"
    # The rest stays strict: nothing from elsewhere, no plugins, no framing.
    for name in ("default-src", "object-src", "base-uri", "form-action", "frame-ancestors"):
        assert policy[name] == STRICT[name], name
    # drf-spectacular opens Swagger's page to OAuth2 sign-in pop-ups (unused here) on purpose.
    _assert_common_headers(response, "unsafe-none" if url_name == "api-docs" else "same-origin")


@pytest.fixture
def staff_client_docs(client, staff):
    client.force_login(staff)
    return client


INLINE = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>|\sstyle=|\son[a-z]+=|javascript:", re.IGNORECASE)


def test_our_pages_hold_no_inline_script_style_or_handler(client, staff, sneaker, sneaker_suggestions):
    # What the strict policy would block: caught here without a browser.
    client.force_login(staff)
    pages = ["frontend:home", "frontend:queue", "frontend:runs", "frontend:versions", "login"]
    paths = [reverse(name) for name in pages] + [reverse("frontend:product", args=[sneaker.pk])]
    for path in paths:
        response = client.get(path, follow=True)
        assert response.status_code == 200, path
        assert not INLINE.findall(response.content.decode()), path
