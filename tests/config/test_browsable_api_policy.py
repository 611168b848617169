"""DRF's browsable API (an API URL opened by a browser) may use inline styles, which its
templates lay out buttons with, and nothing else; JSON answers keep the strict policy."""
from django.urls import reverse


def _policy(response) -> dict[str, str]:
    header = response.headers["Content-Security-Policy"]
    return dict(part.strip().split(" ", 1) for part in header.split(";") if part.strip())


def test_the_browsable_api_allows_inline_styles_but_no_inline_script(client, alice):
    client.force_login(alice)
    policy = _policy(client.get(reverse("product-list"), HTTP_ACCEPT="text/html"))
    assert policy["style-src"] == "'self' 'unsafe-inline'"
    assert policy["script-src"] == "'self'" and policy["object-src"] == "'none'" and policy["frame-ancestors"] == "'none'"


def test_json_answers_of_the_api_keep_the_strict_policy(client, alice):
    client.force_login(alice)
    response = client.get(reverse("product-list"), HTTP_ACCEPT="application/json")
    assert response["Content-Type"].startswith("application/json")
    assert _policy(response)["style-src"] == "'self'"
