"""The WSGI entry point gunicorn loads."""
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def test_loading_the_wsgi_application_imports_the_views_before_the_first_request():
    # A fresh interpreter: this one imported the URLconf long ago.
    probe = (
        "import sys; import config.wsgi; "
        "print(all(name in sys.modules for name in ('config.urls', 'frontend.views.review', 'catalog.api')))"
    )
    result = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip() == "True"


def test_the_web_servers_connections_plan_without_parallel_workers():
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("a PostgreSQL setting")
    # A fresh interpreter, as a gunicorn worker: loading the application is what sets it.
    probe = (
        "import config.wsgi; from django.db import connection; cursor = connection.cursor(); "
        "cursor.execute('SHOW max_parallel_workers_per_gather'); print(cursor.fetchone()[0])"
    )
    result = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip() == "0"
