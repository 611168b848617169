"""The WSGI entry point gunicorn loads."""
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _printed_by_a_fresh_interpreter(probe: str) -> str:
    """What `probe` prints in a new Python process, as a gunicorn worker starts (this one
    imported the URLconf and connected long ago)."""
    result = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    return result.stdout.strip()


def test_loading_the_wsgi_application_imports_the_views_before_the_first_request():
    probe = (
        "import sys; import config.wsgi; "
        "print(all(name in sys.modules for name in ('config.urls', 'frontend.views.review', 'catalog.api')))"
    )
    assert _printed_by_a_fresh_interpreter(probe) == "True"


def test_the_web_servers_connections_plan_without_parallel_workers():
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("a PostgreSQL setting")
    probe = (
        "import config.wsgi; from django.db import connection; cursor = connection.cursor(); "
        "cursor.execute('SHOW max_parallel_workers_per_gather'); print(cursor.fetchone()[0])"
    )
    assert _printed_by_a_fresh_interpreter(probe) == "0"
