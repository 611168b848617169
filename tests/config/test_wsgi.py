"""The WSGI entry point gunicorn loads."""
import subprocess
import sys
from pathlib import Path

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
