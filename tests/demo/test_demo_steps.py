"""The pieces of manage.py demo that need no training: re-use, accounts, the withheld-label
score, and stopping what it started."""
import json
import os
import signal
import sys
import time

import pytest

from catalog.models import Product, Suggestion, SuggestionStatus
from demo import steps
from demo.evaluation import score_withheld
from demo.generator import CatalogSpec
from demo.processes import Services
from ml.models import ModelVersion
from taxonomy.models import AttributeValue

SMALL = CatalogSpec(products=60, seed=1)


@pytest.fixture
def var_dir(settings, tmp_path):
    settings.VAR_DIR = tmp_path
    return tmp_path


@pytest.fixture
def loaded(var_dir, db):
    steps.ensure_catalog_files(SMALL)
    steps.ensure_catalog_loaded(SMALL)
    return var_dir


def test_it_generates_once_and_loads_once(loaded):
    assert steps.ensure_catalog_files(SMALL) is False
    assert steps.ensure_catalog_loaded(SMALL) is None
    assert Product.objects.count() == 60


def test_another_spec_is_generated_again(loaded):
    assert steps.ensure_catalog_files(CatalogSpec(products=61, seed=1)) is True


def test_it_creates_the_demo_accounts_once(loaded):
    first = steps.ensure_users()
    again = steps.ensure_users()
    assert first == again
    from accounts.models import User

    assert User.objects.count() == 4
    sakura = User.objects.get(username="sakura")
    assert sakura.seller.slug == "sakura-shoten" and not sakura.is_staff
    assert sakura.check_password("sakura-demo")
    assert User.objects.get(username="staff").is_staff
    assert User.objects.get(username="admin").is_superuser


def test_it_scores_suggestions_against_the_withheld_labels(loaded):
    version = ModelVersion.objects.create(artifact_uri="unused", checksum="0" * 64, is_active=True)
    truth = [json.loads(line) for line in (loaded / "demo" / "catalog" / "truth.jsonl").read_text(encoding="utf-8").splitlines()]
    withheld_total = sum(len(p["withheld"]) for p in truth)
    first = next(p for p in truth if p["withheld"])
    product = Product.objects.get(external_id=first["id"], seller__slug=first["seller"])
    right = AttributeValue.objects.get(attribute__name=first["withheld"][0][0], name=first["withheld"][0][1])
    wrong = AttributeValue.objects.exclude(pk=right.pk).filter(attribute=right.attribute).first()
    Suggestion.objects.create(product=product, value=right, model_version=version, score=0.9)
    Suggestion.objects.create(product=product, value=wrong, model_version=version, score=0.8)
    Suggestion.objects.create(product=product, value=AttributeValue.objects.exclude(pk__in=[right.pk, wrong.pk]).first(),
                              model_version=version, score=0.7, status=SuggestionStatus.WITHDRAWN)

    score = score_withheld(loaded / "demo" / "catalog" / "truth.jsonl", version)

    assert (score.found, score.suggested, score.withheld) == (1, 2, withheld_total)
    assert score.precision == 0.5
    assert score.recall == pytest.approx(1 / withheld_total)


def test_stopping_ends_every_process_it_started(tmp_path):
    services = Services(tmp_path, dict(os.environ))
    # A leader with a child of its own, like a Celery worker and its pool process.
    leader = services.start("worker", ["sh", "-c", "sleep 60 & echo $! > child.pid; wait"])
    for _ in range(50):
        if (tmp_path / "child.pid").exists() and (tmp_path / "child.pid").read_text().strip():
            break
        time.sleep(0.1)
    child_pid = int((tmp_path / "child.pid").read_text())

    services.stop()

    assert leader.poll() is not None
    deadline = time.monotonic() + 5  # signals to the orphan are delivered asynchronously
    while _running(child_pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not _running(child_pid)


def test_a_child_that_ignores_sigterm_is_killed(tmp_path, monkeypatch):
    monkeypatch.setattr("demo.processes.GRACE_SECONDS", 0.5)
    services = Services(tmp_path, dict(os.environ))
    stubborn = services.start("server", [sys.executable, "-c",
                                         "import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); time.sleep(60)"])
    time.sleep(0.5)
    services.stop()
    assert stubborn.returncode == -signal.SIGKILL


def _running(pid):
    # A killed orphan may linger as a zombie until init reaps it; that is not running.
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


def test_a_named_encoder_is_used_as_it_is(var_dir, monkeypatch):
    monkeypatch.setenv("ZOKUSEI_DEMO_ENCODER", "cl-tohoku/bert-base-japanese-v3")
    encoder, parameters = steps.encoder_and_parameters(progress=lambda text: None)
    assert encoder == parameters["encoder"] == "cl-tohoku/bert-base-japanese-v3"
    assert "layers" not in parameters  # the pretrained defaults of TrainConfig
    assert not (var_dir / "demo" / "encoder").exists()
