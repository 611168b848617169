import os
import subprocess
import sys
from pathlib import Path


ROOT = Path(__file__).resolve().parents[1]


def _run_manage(args, env_overrides):
    env = {k: v for k, v in os.environ.items() if k not in {"DEBUG", "SECRET_KEY", "ALLOWED_HOSTS", "DJANGO_ALLOW_ASYNC_UNSAFE"}}
    env.update(env_overrides)
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )


def test_it_refuses_to_start_without_secret_key_when_debug_is_off():
    result = _run_manage(["check"], {"DEBUG": "0", "ALLOWED_HOSTS": "example.com"})
    assert result.returncode != 0
    assert "SECRET_KEY is required" in result.stderr


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
