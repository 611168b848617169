"""The demo's web server, started as `manage.py demo` starts it: DEBUG off, static files served."""
import socket
import time
import urllib.error
import urllib.request

import pytest

from demo import steps
from demo.processes import Services


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def fetch(url):
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


@pytest.fixture
def demo_server(tmp_path, settings, monkeypatch):
    settings.STATIC_ROOT = tmp_path / "static"
    steps.collect_static_files()
    for name in ("DEBUG", "ALLOWED_HOSTS", "STATIC_MANIFEST", "SECURE_SSL_REDIRECT"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("DEBUG", "1")  # a developer's shell: the demo must still serve with DEBUG off
    env = dict(steps.serving_environment(), ZOKUSEI_VAR_DIR=str(tmp_path), STATIC_ROOT=str(tmp_path / "static"))
    address = f"127.0.0.1:{free_port()}"
    services = Services(settings.BASE_DIR, env)
    services.start_server(address)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                socket.create_connection(address.split(":"), timeout=1).close()
                break
            except OSError:
                time.sleep(0.2)
        yield f"http://{address}"
    finally:
        services.stop()


def test_the_demo_server_serves_pages_and_static_files_without_debug_pages(demo_server):
    status, page = fetch(f"{demo_server}/accounts/login/")
    assert status == 200 and "/static/frontend/app.css" in page
    assert fetch(f"{demo_server}/static/frontend/app.css")[0] == 200

    status, missing = fetch(f"{demo_server}/no-such-page/")

    assert status == 404
    assert "URLconf" not in missing and "DEBUG = True" not in missing
    # The project's own page, which lists nothing about the site's URLs.
    assert "Page not found" in missing and "This page does not exist, or it belongs to another seller." in missing
    assert "admin/" not in missing and "api/" not in missing


def test_the_demo_has_an_icon(demo_server):
    status, page = fetch(f"{demo_server}/accounts/login/")
    icon = page.split('<link rel="icon" href="', 1)[1].split('"', 1)[0]
    assert icon.startswith("/static/frontend/favicon") and icon.endswith(".svg")
    with urllib.request.urlopen(f"{demo_server}{icon}", timeout=10) as response:
        assert response.status == 200 and response.headers["Content-Type"] == "image/svg+xml"
        assert response.read().startswith(b"<svg")
    # Asked for by browsers whatever the page links: answered with the same icon, not a 404.
    with urllib.request.urlopen(f"{demo_server}/favicon.ico", timeout=10) as response:
        assert response.status == 200 and response.read().startswith(b"<svg")
