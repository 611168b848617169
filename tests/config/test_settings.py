import json
import os
import stat
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# The development key DEBUG used to default to: known to anyone who read the repository.
OLD_FIXED_KEY = "zokusei-development-only-key-never-use-in-production-0123456789abcdef"


# Variables a developer's shell may hold that these tests must not inherit.
_SETTING_VARIABLES = {
    "DEBUG", "SECRET_KEY", "ALLOWED_HOSTS", "DJANGO_ALLOW_ASYNC_UNSAFE", "STATIC_MANIFEST", "SECURE_SSL_REDIRECT",
    "SESSION_COOKIE_SECURE", "SECURE_HSTS_SECONDS", "ZOKUSEI_VAR_DIR",
}


def _run_manage(args, env_overrides):
    env = {k: v for k, v in os.environ.items() if k not in _SETTING_VARIABLES}
    env.update(env_overrides)
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )


def _settings(names, env_overrides):
    """The values of the named settings in a process started with this environment."""
    code = f"import json; from django.conf import settings; print(json.dumps({{n: str(getattr(settings, n)) for n in {names!r}}}))"
    result = _run_manage(["shell", "-c", code], env_overrides)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_without_environment_debug_is_off_and_the_key_is_random_kept_and_private(tmp_path):
    first = _settings(["DEBUG", "SECRET_KEY"], {"ZOKUSEI_VAR_DIR": str(tmp_path)})
    again = _settings(["SECRET_KEY"], {"ZOKUSEI_VAR_DIR": str(tmp_path)})
    elsewhere = _settings(["SECRET_KEY"], {"ZOKUSEI_VAR_DIR": str(tmp_path / "other")})

    assert first["DEBUG"] == "False"
    assert first["SECRET_KEY"] != OLD_FIXED_KEY and len(first["SECRET_KEY"]) >= 50
    assert again["SECRET_KEY"] == first["SECRET_KEY"] != elsewhere["SECRET_KEY"]
    assert stat.S_IMODE((tmp_path / "secret_key").stat().st_mode) == 0o600


def test_a_secret_key_from_the_environment_wins(tmp_path):
    assert _settings(["SECRET_KEY"], {"ZOKUSEI_VAR_DIR": str(tmp_path), "SECRET_KEY": "k" * 50})["SECRET_KEY"] == "k" * 50
    assert not (tmp_path / "secret_key").exists()


def test_https_hardening_is_on_for_a_site_served_to_the_network_only():
    names = ["SECURE_SSL_REDIRECT", "SESSION_COOKIE_SECURE", "SECURE_HSTS_SECONDS", "STATIC_MANIFEST"]
    assert _settings(names, {}) == {
        "SECURE_SSL_REDIRECT": "False", "SESSION_COOKIE_SECURE": "False", "SECURE_HSTS_SECONDS": "0", "STATIC_MANIFEST": "False"
    }
    assert _settings(names, {"ALLOWED_HOSTS": "zokusei.example.com", "SECRET_KEY": "k" * 50}) == {
        "SECURE_SSL_REDIRECT": "True", "SESSION_COOKIE_SECURE": "True", "SECURE_HSTS_SECONDS": "31536000", "STATIC_MANIFEST": "True"
    }


def test_it_refuses_an_empty_allowed_hosts():
    result = _run_manage(["check"], {"ALLOWED_HOSTS": ""})
    assert result.returncode != 0
    assert "ALLOWED_HOSTS must list" in result.stderr


def test_it_names_the_variable_with_a_bad_boolean():
    result = _run_manage(["check"], {"DEBUG": "ture"})
    assert result.returncode != 0
    assert "DEBUG='ture' is not a boolean" in result.stderr


def test_it_names_the_variable_with_a_bad_integer():
    result = _run_manage(["check"], {"CELERY_TASK_TIME_LIMIT": "long"})
    assert result.returncode != 0
    assert "CELERY_TASK_TIME_LIMIT='long' is not an integer" in result.stderr


def test_it_refuses_an_unusable_database_url():
    result = _run_manage(["check"], {"DATABASE_URL": "nosuchdb://x/y"})
    assert result.returncode != 0
    assert "DATABASE_URL" in result.stderr


def test_deploy_check_is_clean_with_production_settings():
    result = _run_manage(
        ["check", "--deploy", "--fail-level", "WARNING"],
        {"DEBUG": "0", "SECRET_KEY": "x" * 20 + "production-secret-key-with-enough-entropy-9f8e7d6c", "ALLOWED_HOSTS": "zokusei.example.com"},
    )
    assert result.returncode == 0, result.stderr + result.stdout
