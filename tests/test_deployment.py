import tomllib
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]


def test_it_defines_the_production_services_with_health_checks():
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    services = compose["services"]
    assert {"db", "redis", "web", "worker-cpu", "worker-gpu", "beat"} <= set(services)
    for name in ("db", "redis", "web", "worker-cpu", "worker-gpu"):
        assert "healthcheck" in services[name], name


def test_it_reserves_an_nvidia_gpu_for_the_gpu_worker():
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    devices = compose["services"]["worker-gpu"]["deploy"]["resources"]["reservations"]["devices"]
    assert devices[0]["driver"] == "nvidia" and "gpu" in devices[0]["capabilities"]
    assert "training" in compose["services"]["worker-gpu"]["command"]


def test_it_routes_training_and_inference_to_their_queues(settings):
    assert settings.CELERY_TASK_ROUTES["ml.tasks.train_model"]["queue"] == "training"
    assert settings.CELERY_TASK_ROUTES["ml.tasks.score_products"]["queue"] == "inference"
    assert settings.CELERY_WORKER_PREFETCH_MULTIPLIER == 1 and settings.CELERY_TASK_ACKS_LATE


def test_the_image_copies_every_file_the_package_build_reads():
    # `pip install .` in the image sees only what the Dockerfile copies. A readme that
    # pyproject.toml names but the build context lacks fails the build; a missing license file
    # only warns today, and setuptools says it will refuse it from 2027-02-18.
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    needed = {project["readme"], *project.get("license-files", [])}
    copied = set()
    for line in (ROOT / "Dockerfile").read_text().splitlines():
        if line.startswith("COPY "):
            copied.update(line.split()[1:-1])
    assert needed <= copied, f"Dockerfile does not COPY {sorted(needed - copied)}"
    assert all((ROOT / name).is_file() for name in needed)


def test_production_brings_its_own_secret_key_and_counts_clients_behind_its_proxy():
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    env = compose["services"]["web"]["environment"]
    assert env["DEBUG"] == "0" and env["SECRET_KEY"].startswith("${SECRET_KEY:?")
    # Behind the TLS proxy, REMOTE_ADDR is the proxy's: the lockout must count clients by the
    # address the proxy forwards, or 20 failures anywhere would lock every client out.
    assert env["SECURE_PROXY_SSL_HEADER"] == "1" and env["ZOKUSEI_TRUSTED_PROXIES"] == "1"


def test_ci_runs_the_deploy_check_with_production_settings_and_fails_on_warnings():
    # tests/config/test_settings.py runs the same check under `make test`; CI runs it once more on its
    # PostgreSQL, with a key of its own, so that a warning there stops the build too.
    ci = (ROOT / ".ci" / "run").read_text()
    step = ci[ci.index("manage.py check --deploy") - 400 : ci.index("manage.py check --deploy") + 60]
    assert "--fail-level WARNING" in step and "DEBUG=0" in step and "ALLOWED_HOSTS=zokusei.example" in step
    assert "set -euo pipefail" in ci
