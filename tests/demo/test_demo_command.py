"""manage.py demo end to end, shrunk: a tiny catalogue and encoder, two epochs, no serving.

It trains through the real pipeline in-process, activates, scores, measures, and checks that
a rerun reuses it all; about 7 s on a shared 2-core machine.
"""
import io

import pytest
from django.core.management import call_command

from accounts.models import User
from catalog.models import Product, Suggestion
from demo import steps
from demo.generator import CatalogSpec
from ml.models import ModelVersion, TrainingRun

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def tiny_demo(settings, tmp_path, monkeypatch):
    settings.VAR_DIR = tmp_path
    settings.ZOKUSEI_MODEL_DIR = tmp_path / "models"
    monkeypatch.delenv("ZOKUSEI_DEMO_ENCODER", raising=False)
    monkeypatch.setattr(steps, "DEMO_SPEC", CatalogSpec(products=200, seed=0))
    monkeypatch.setattr(steps, "SCRATCH_ENCODER", {"hidden_size": 32, "layers": 1, "heads": 2, "vocab_size": 800,
                                                   "max_position_embeddings": 64})
    monkeypatch.setattr(steps, "SCRATCH_TRAINING", {**steps.SCRATCH_TRAINING, "layers": 1, "epochs": 2})
    return tmp_path


def run_demo():
    out = io.StringIO()
    call_command("demo", no_serve=True, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def test_it_sets_everything_up_and_reuses_it(tiny_demo):
    first = run_demo()

    assert Product.objects.count() == 200
    version = ModelVersion.objects.get()
    assert version.is_active
    assert Suggestion.objects.filter(model_version=version).exists()
    assert set(User.objects.values_list("username", flat=True)) == {"sakura", "kaze", "staff", "admin"}
    assert "withheld labels found:" in first and "sakura-demo" in first

    second = run_demo()

    assert "reusing model version" in second
    assert TrainingRun.objects.count() == 1 and ModelVersion.objects.count() == 1
    assert Product.objects.count() == 200
