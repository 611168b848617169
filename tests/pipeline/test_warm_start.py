"""A warm-start run: the active version's weights, trained on what changed since its data plus
a replay sample; a full run when there is nothing to start from."""
import pytest

from catalog.models import LabelSource, ProductLabel
from ml import runs, versions
from ml.models import ModelVersion, RunStatus
from ml.tasks import train_model

pytestmark = pytest.mark.django_db


def _trained(parameters):
    run = runs.start_training_run(None, parameters, enqueue=False)
    train_model.run(run.pk)
    run.refresh_from_db()
    assert run.status == RunStatus.SUCCEEDED, run.error
    return run


def test_a_warm_start_trains_on_what_changed_plus_a_replay_sample(catalogue, model_dir, training_parameters):
    first = _trained(training_parameters)
    versions.activate_version(ModelVersion.objects.get(run=first).pk)
    # a seller labels two of the unlabelled sneakers
    unlabelled = [p for p in catalogue.products if not p.labels.exists() and p.category_id == catalogue.sneakers.pk][:2]
    for product in unlabelled:
        ProductLabel.objects.create(product=product, value=catalogue.values[("カラー", "レッド")], source=LabelSource.SELLER)

    warm = _trained({**training_parameters, "warm_start": True, "replay_fraction": 0.5})

    summary = warm.metrics["warm_start"]
    assert summary["from_version"] == ModelVersion.objects.get(run=first).pk
    # the two new products (unless held out for evaluation) changed; about half the rest replayed
    assert 1 <= summary["changed"] <= 2
    assert 0 < summary["replayed"] < summary["of"] - summary["changed"]
    version = ModelVersion.objects.get(run=warm)
    from ml.inference import load_model
    assert load_model(version).info["warm_start"]["from"]


def test_without_an_active_version_a_warm_start_run_trains_in_full(catalogue, model_dir, training_parameters):
    run = _trained({**training_parameters, "warm_start": True})
    assert run.metrics["warm_start"] == {"from_version": None, "not_possible": "no active version",
                                         "of": run.snapshot.train_count}


def test_a_warm_start_with_nothing_changed_fails_with_the_reason(catalogue, model_dir, training_parameters):
    first = _trained(training_parameters)
    versions.activate_version(ModelVersion.objects.get(run=first).pk)
    run = runs.start_training_run(None, {**training_parameters, "warm_start": True}, enqueue=False)
    train_model.run(run.pk)
    run.refresh_from_db()
    assert run.status == RunStatus.FAILED and "nothing changed" in run.error
